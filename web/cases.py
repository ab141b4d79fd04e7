"""The case page (header, tasks, timeline, files, diagram), its printed documents and "Mis casos"."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue

from engine.read.case_search import STATUSES, CaseSearch, search_cases
from engine.read.case_views import attachment_file, case_detail, case_diagram, my_cases
from engine.read.comments import MAX_COMMENT_LENGTH, case_comments
from engine.read.directory import directory_choices
from engine.read.inbox import procedures
from engine.read.printable import case_summary_document, case_trace_document, form_document
from web.current import actor, engine, login_required, today
from web.filters import STATUSES as STATUS_LABELS
from web.printing import pdf_response, render_pdf

blueprint = Blueprint("cases", __name__)


@blueprint.get("/casos")
@login_required
def mine() -> ResponseReturnValue:
    page_number = request.args.get("pagina", 1, type=int) or 1
    with engine().sessions() as session:
        page = my_cases(session, actor(), page_number)
    return render_template("cases/mine.html", page=page)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None  # a date that does not parse filters nothing (the field shows it empty)


@blueprint.get("/casos/buscar")
@login_required
def search() -> ResponseReturnValue:
    """Casos: every case the user may read, searched and filtered."""
    args = request.args
    wanted = CaseSearch(
        text=args.get("q", ""),
        procedure=args.get("procedimiento") or None,
        status=args.get("estado") or None,
        organism=args.get("organismo") or None,
        since=_day(args.get("desde")),
        until=_day(args.get("hasta")),
        outcome=args.get("resultado") or None,
        page=args.get("pagina", 1, type=int) or 1,
    )
    with engine().sessions() as session:
        results = search_cases(session, actor(), wanted)
        procedure_options = procedures(session)
        organisms = [(o.code, o.name) for o in directory_choices(session).organisms]
    return render_template(
        "cases/search.html",
        results=results,
        procedure_options=procedure_options,
        organism_options=organisms,
        status_options=[(s, STATUS_LABELS[s]) for s in STATUSES],
    )


@blueprint.get("/casos/<business_key>")
@login_required
def show(business_key: str) -> ResponseReturnValue:
    return case_page(business_key)


def case_page(
    business_key: str, comment_text: str = "", comment_errors: dict[str, str] | None = None
) -> str:
    """The case page; a refused comment comes back in its form with its errors."""
    with engine().sessions() as session:
        case = case_detail(session, actor(), business_key)
        comments = case_comments(session, actor(), business_key)
    return render_template(
        "cases/show.html",
        case=case,
        today=today(),
        comments=comments,
        comment_text=comment_text,
        comment_errors=comment_errors or {},
        max_comment_length=MAX_COMMENT_LENGTH,
    )


@blueprint.get("/casos/<business_key>/diagrama.bpmn")
@login_required
def diagram(business_key: str) -> ResponseReturnValue:
    with engine().sessions() as session:
        xml = case_diagram(session, actor(), business_key)
    return Response(xml, mimetype="application/xml")


@blueprint.get("/casos/<business_key>/adjuntos/<int:attachment_id>")
@login_required
def attachment(business_key: str, attachment_id: int) -> ResponseReturnValue:
    with engine().sessions() as session:
        stored = attachment_file(session, actor(), business_key, attachment_id)
    response = Response(stored.content, mimetype=stored.content_type)
    # Always a download: an uploaded file never renders as a page of this site.
    response.headers.set("Content-Disposition", "attachment", filename=stored.filename)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@blueprint.get("/casos/<business_key>/resumen.pdf")
@login_required
def summary_pdf(business_key: str) -> ResponseReturnValue:
    with engine().sessions() as session:
        document = case_summary_document(session, actor(), business_key, engine().clock.now())
    pdf = render_pdf("print/summary.html", header=document.header, case=document.case)
    return pdf_response(pdf, f"{business_key}-resumen.pdf")


@blueprint.get("/casos/<business_key>/formularios/<form_key>.pdf")
@login_required
def form_pdf(business_key: str, form_key: str) -> ResponseReturnValue:
    with engine().sessions() as session:
        document = form_document(session, actor(), business_key, form_key, engine().clock.now())
    pdf = render_pdf(
        "print/form.html", header=document.header, document=document, case=document.case
    )
    return pdf_response(pdf, f"{business_key}-{form_key}.pdf")


@blueprint.get("/casos/<business_key>/traza.pdf")
@login_required
def trace_pdf(business_key: str) -> ResponseReturnValue:
    """The quality office's trace: every event with its hashes and whether the chain verifies."""
    with engine().sessions() as session:
        document = case_trace_document(
            session, actor(), business_key, engine().audit_key(), engine().clock.now()
        )
    pdf = render_pdf(
        "print/trace.html", header=document.header, document=document, case=document.case
    )
    return pdf_response(pdf, f"{business_key}-traza.pdf")
