"""Oficina de Calidad: the policy indicators over a period, the cases behind each figure, the
chain verification, the trail exports and a case's trace as a page. The figures are computed in
`engine.audit`."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue

from engine.audit.indicators import Filters, Indicator, compliance
from engine.audit.quality import export_csv, export_xes, indicator_csv, trend_csv
from engine.audit.trends import Trend, monthly_trend
from engine.authorization import require_can_audit
from engine.read.printable import case_trace_document
from web.current import actor, engine, login_required
from web.quality_chart import month_name, trend_chart

blueprint = Blueprint("quality", __name__)
blueprint.add_app_template_filter(month_name, "mes")

# The query-string names of the filters, as the page's form sends them.
FILTER_ARGS = ("desde", "hasta", "procedimiento", "organismo", "version")


def _require_auditor() -> None:
    require_can_audit(actor())


def _filters() -> Filters:
    return Filters.parse(*(request.args.get(name) for name in FILTER_ARGS))


def _filter_args() -> dict[str, str]:
    return {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}


def _indicators(filters: Filters) -> list[Indicator]:
    with engine().sessions() as session:
        return compliance(session, engine().clock.now(), filters)


def _indicator(policy: str) -> Indicator:
    found = [i for i in _indicators(_filters()) if i.policy == policy]
    if not found:
        abort(404)
    return found[0]


def _trend(indicator: Indicator, filters: Filters) -> Trend:
    return monthly_trend(indicator, filters.start, filters.end)


@blueprint.get("/calidad")
@login_required
def index() -> ResponseReturnValue:
    _require_auditor()
    filters = _filters()
    indicators = _indicators(filters)
    trends = [_trend(indicator, filters) for indicator in indicators]
    report = engine().audit_report()
    return render_template(
        "quality/index.html",
        indicators=indicators,
        trends=trends,
        charts=[trend_chart(trend) for trend in trends],
        filters=_filter_args(),
        broken=report.broken,
        checkpoint=report.checkpoint,
    )


@blueprint.get("/calidad/politica/<policy>")
@login_required
def policy(policy: str) -> ResponseReturnValue:
    """The cases behind one indicator, or behind one of its groups (`grupo`)."""
    _require_auditor()
    indicator = _indicator(policy)
    group = request.args.get("grupo") or None
    if group is not None and group not in {b.code for b in indicator.buckets}:
        abort(404)
    return render_template(
        "quality/policy.html", indicator=indicator, group=group, filters=_filter_args()
    )


@blueprint.get("/calidad/politica/<policy>.csv")
@login_required
def policy_csv(policy: str) -> ResponseReturnValue:
    _require_auditor()
    indicator = _indicator(policy)
    group = request.args.get("grupo") or None
    response = Response(indicator_csv(indicator, group), mimetype="text/csv; charset=utf-8")
    response.headers.set(
        "Content-Disposition", "attachment", filename=f"politica-{indicator.policy}.csv"
    )
    return response


@blueprint.get("/calidad/politica/<policy>/tendencia.csv")
@login_required
def trend_csv_download(policy: str) -> ResponseReturnValue:
    """The indicator's monthly table, as the page shows it under the chart."""
    _require_auditor()
    filters = _filters()
    trend = _trend(_indicator(policy), filters)
    response = Response(trend_csv(trend), mimetype="text/csv; charset=utf-8")
    response.headers.set(
        "Content-Disposition", "attachment", filename=f"politica-{policy}-tendencia.csv"
    )
    return response


@blueprint.get("/calidad/traza.<kind>")
@login_required
def export(kind: str) -> ResponseReturnValue:
    _require_auditor()
    procedure = request.args.get("procedimiento") or None
    with engine().sessions() as session:
        if kind == "xes":
            response = Response(export_xes(session, procedure), mimetype="application/xml")
        elif kind == "csv":
            response = Response(export_csv(session, procedure), mimetype="text/csv; charset=utf-8")
        else:
            return Response("Formato no soportado", status=404)
    response.headers.set("Content-Disposition", "attachment", filename=f"traza-mede0109.{kind}")
    return response


@blueprint.get("/casos/<business_key>/traza")
@login_required
def trace_page(business_key: str) -> ResponseReturnValue:
    """The case's trace on screen: the very document the PDF (`cases.trace_pdf`) lays out, from
    the same data and template, with the print stylesheet linked so the browser prints it alike."""
    with engine().sessions() as session:
        document = case_trace_document(
            session, actor(), business_key, engine().audit_key(), engine().clock.now()
        )
    return render_template(
        "print/trace.html",
        header=document.header,
        document=document,
        case=document.case,
        on_screen=True,
    )
