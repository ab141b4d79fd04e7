"""Iniciar trámite: the procedures this official may start, each with its start form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ValidationError
from engine.read.case_views import Startable, startable, startable_procedures
from web.current import actor, engine, login_required
from web.directory_fields import with_directory_choices
from web.schema_form import build_fields, read_submission, with_references

blueprint = Blueprint("start", __name__)


@blueprint.get("/iniciar")
@login_required
def index() -> ResponseReturnValue:
    with engine().sessions() as session:
        procedures = startable_procedures(session, actor())
    return render_template("start/index.html", procedures=procedures)


def _procedure(key: str) -> Startable:
    with engine().sessions() as session:
        return startable(session, actor(), key)


def _page(
    procedure: Startable,
    data: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    row_counts: dict[str, int] | None = None,
) -> str:
    fields = (
        build_fields(
            with_directory_choices(procedure.form.schema, for_new=True),
            procedure.form.ui,
            data,
            errors,
            row_counts,
        )
        if procedure.form
        else []
    )
    return render_template(
        "start/form.html", procedure=procedure, fields=fields, errors=errors or {}
    )


@blueprint.get("/iniciar/<key>")
@login_required
def form(key: str) -> ResponseReturnValue:
    return _page(_procedure(key))


@blueprint.post("/iniciar/<key>")
@login_required
def submit(key: str) -> ResponseReturnValue:
    procedure = _procedure(key)
    schema = procedure.form.schema if procedure.form else {}
    submission = read_submission(schema, request.form, request.files)
    if not submission.completes:
        return _page(procedure, submission.data, row_counts=submission.row_counts)
    try:
        business_key = engine().start(key, actor().username, submission.data, submission.uploads)
    except ValidationError as error:
        kept = engine().keep_uploads(actor().username, submission.uploads, procedure=key)
        data = with_references(submission.data, kept)
        return _page(procedure, data, error.field_errors, submission.row_counts), 422
    flash(_("Inició el trámite %(key)s.", key=business_key), "success")
    return redirect(url_for("cases.show", business_key=business_key), code=303)
