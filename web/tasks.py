"""The task page: instructions, the case's context, and the form rendered from its schema."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import Conflict, ValidationError
from engine.read.case_views import TaskDetail, task_detail
from engine.read.comments import MAX_COMMENT_LENGTH, task_comments
from engine.read.inbox import follow_up_of
from web.current import actor, engine, login_required, today
from web.directory_fields import with_directory_choices
from web.filters import date_text
from web.schema_form import build_fields, decision_field, read_submission, with_references

blueprint = Blueprint("tasks", __name__)


def _detail(task_id: int) -> TaskDetail:
    with engine().sessions() as session:
        return task_detail(session, actor(), task_id)


def _page(
    detail: TaskDetail,
    data: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    row_counts: dict[str, int] | None = None,
    *,
    comment_text: str = "",
    comment_errors: dict[str, str] | None = None,
    follow_up_value: str | None = None,
    follow_up_error: str | None = None,
) -> str:
    fields = (
        build_fields(
            with_directory_choices(detail.form.schema, for_new=True),
            detail.form.ui,
            data if data is not None else detail.prefill,  # a new form starts from the case
            errors,
            row_counts,
            detail.unavailable,  # options the case rules out, shown disabled with why
        )
        if detail.form
        else []
    )
    with engine().sessions() as session:
        comments = task_comments(session, actor(), detail.id)
    return render_template(
        "tasks/show.html",
        task=detail,
        fields=fields,
        decision=decision_field(fields),
        errors=errors or {},
        today=today(),
        comments=comments,
        comment_text=comment_text,
        comment_errors=comment_errors or {},
        max_comment_length=MAX_COMMENT_LENGTH,
        follow_up=_follow_up(detail.id),
        follow_up_value=follow_up_value,
        follow_up_error=follow_up_error,
    )


def task_page(task_id: int, comment_text: str, comment_errors: dict[str, str]) -> str:
    """The task page with a refused comment back in its form, with its errors."""
    return _page(_detail(task_id), comment_text=comment_text, comment_errors=comment_errors)


def _follow_up(task_id: int) -> date | None:
    with engine().sessions() as session:
        return follow_up_of(session, task_id, actor().username)


@blueprint.get("/tareas/<int:task_id>")
@login_required
def show(task_id: int) -> ResponseReturnValue:
    return _page(_detail(task_id))


@blueprint.post("/tareas/<int:task_id>")
@login_required
def submit(task_id: int) -> ResponseReturnValue:
    detail = _detail(task_id)
    if detail.state == "completed":
        raise Conflict(f"la tarea «{detail.name}» ya fue completada por {detail.completed_by}")
    if detail.state != "open":
        raise Conflict(
            _("la tarea «%(name)s» fue cancelada: el caso siguió otro camino", name=detail.name)
        )
    schema = detail.form.schema if detail.form else {}
    submission = read_submission(schema, request.form, request.files)
    if not submission.completes:
        return _page(detail, submission.data, row_counts=submission.row_counts)
    try:
        engine().complete(task_id, actor().username, submission.data, submission.uploads)
    except ValidationError as error:
        kept = engine().keep_uploads(actor().username, submission.uploads, task_id=task_id)
        data = with_references(submission.data, kept)
        return _page(detail, data, error.field_errors, submission.row_counts), 422
    flash(
        _("Completó «%(name)s» del caso %(key)s.", name=detail.name, key=detail.business_key),
        "success",
    )
    return redirect(url_for("inbox.index"), code=303)


@blueprint.post("/tareas/<int:task_id>/seguimiento")
@login_required
def follow_up(task_id: int) -> ResponseReturnValue:
    """Set or clear the official's own follow-up date ("recordarme el…") on the task."""
    value = "" if request.form.get("_accion") == "quitar" else request.form.get("fecha", "").strip()
    try:
        on = date.fromisoformat(value) if value else None
    except ValueError:
        return _page(
            _detail(task_id),
            follow_up_value=value,
            follow_up_error=_("escriba una fecha válida (día, mes y año)"),
        ), 422
    try:
        engine().set_follow_up(task_id, actor().username, on)
    except ValidationError as error:
        message = next(iter(error.field_errors.values()))
        return _page(_detail(task_id), follow_up_value=value, follow_up_error=message), 422
    if on is None:
        flash(_("Quitó la fecha de seguimiento de la tarea."), "success")
    else:
        flash(_("Le recordaremos la tarea el %(date)s.", date=date_text(on)), "success")
    return redirect(url_for("tasks.show", task_id=task_id), code=303)
