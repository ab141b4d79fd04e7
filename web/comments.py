"""Posting a comment on a case or on a task; the pages show the comments (web.cases, web.tasks).

A refused comment (empty, too long, a mention of someone unknown) comes back on its page, typed
text kept, with the field's error (422). Reading and writing are checked by the engine.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ValidationError
from web.cases import case_page
from web.current import actor, engine, login_required
from web.tasks import task_page

blueprint = Blueprint("comments", __name__)


@blueprint.post("/casos/<business_key>/comentarios")
@login_required
def on_case(business_key: str) -> ResponseReturnValue:
    text = request.form.get("texto", "")
    try:
        comment_id = engine().comment(actor().username, text, business_key=business_key)
    except ValidationError as error:
        return case_page(business_key, text, error.field_errors), 422
    flash(_("Su comentario quedó publicado en el caso %(key)s.", key=business_key), "success")
    return redirect(
        url_for("cases.show", business_key=business_key, _anchor=f"comentario-{comment_id}"),
        code=303,
    )


@blueprint.post("/tareas/<int:task_id>/comentarios")
@login_required
def on_task(task_id: int) -> ResponseReturnValue:
    text = request.form.get("texto", "")
    try:
        comment_id = engine().comment(actor().username, text, task_id=task_id)
    except ValidationError as error:
        return task_page(task_id, text, error.field_errors), 422
    flash(_("Su comentario quedó publicado en la tarea."), "success")
    return redirect(
        url_for("tasks.show", task_id=task_id, _anchor=f"comentario-{comment_id}"), code=303
    )
