"""JSON API for integrations (document system, e-mail): list, claim, release, complete;
read and add the comments of a case or a task.

Same commands and authorization as the pages. Authenticate with a personal access token
(`Authorization: Bearer <token>`, made on /cuenta/tokens or with `buengobierno tokens create`)
or with the session cookie, then sending the CSRF token in `X-CSRFToken`. A POST must be JSON:
a cross-site form cannot send that, nor an Authorization header. Errors are JSON, mapped in
`web.errors`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from engine import ValidationError
from engine.commands.attachments import uploads_from_data_urls
from engine.commands.comments import TEXT_FIELD
from engine.read.case_views import task_detail
from engine.read.comments import CommentThread, case_comments, task_comments
from engine.read.inbox import inbox
from web.current import actor, engine, login_required, today
from web.errors import error_response
from web.extensions import csrf
from web.inbox import inbox_filter

blueprint = Blueprint("api", __name__, url_prefix="/api")
# A form nests a few levels (rows of objects); deeper is an attack on the recursive steps after
# parsing (copy, schema validation), never a form.
MAX_JSON_DEPTH = 32
csrf.exempt(blueprint)


@blueprint.before_request
def _protect() -> None:
    if request.method != "POST":
        return
    if not request.is_json:
        abort(415)
    # A browser attaches the session cookie by itself, so only that path needs the CSRF token.
    if getattr(current_user, "token_id", None) is None:
        csrf.protect()


@blueprint.get("/tareas")
@login_required
def list_tasks() -> ResponseReturnValue:
    wanted = inbox_filter(request.args, int(current_app.config["PER_PAGE"]))
    with engine().sessions() as session:
        page = inbox(session, actor(), wanted, today())
    return {
        "tasks": [row.as_json(today()) for row in page.rows],
        "total": page.total,
        "page": wanted.page,
        "pages": page.pages,
        "counts": page.counts,
    }


@blueprint.get("/tareas/<int:task_id>")
@login_required
def show_task(task_id: int) -> ResponseReturnValue:
    with engine().sessions() as session:
        detail = task_detail(session, actor(), task_id)
    return {
        "id": detail.id,
        "case": detail.business_key,
        "name": detail.name,
        "state": detail.state,
        "group": detail.group,
        "assignee": detail.assignee,
        "due": detail.due.isoformat() if detail.due else None,
        "instructions": detail.instructions,
        "instructions_html": detail.instructions_html,
        "instructions_error": detail.instructions_error,
        "schema": detail.form.schema if detail.form else None,
        # Options of the schema this case rules out (x-unavailable-when): field -> value -> why.
        "unavailable": detail.unavailable,
    }


@blueprint.post("/tareas/<int:task_id>/reclamar")
@login_required
def claim(task_id: int) -> ResponseReturnValue:
    engine().claim(task_id, actor().username)
    return {"ok": True, "task": task_id, "assignee": actor().username}


@blueprint.post("/tareas/<int:task_id>/liberar")
@login_required
def release(task_id: int) -> ResponseReturnValue:
    engine().unclaim(task_id, actor().username)
    return {"ok": True, "task": task_id, "assignee": None}


@blueprint.post("/tareas/<int:task_id>/completar")
@login_required
def complete(task_id: int) -> ResponseReturnValue:
    """Body: the form data as a JSON object; files as `data:<type>;name=<file>;base64,…`."""
    try:
        body: Any = request.get_json(silent=True)
    except RecursionError:  # nested beyond what the parser can follow
        return _too_deep()
    if _depth(body) > MAX_JSON_DEPTH:
        return _too_deep()
    if not isinstance(body, dict):
        raise ValidationError(
            {"": "el cuerpo debe ser un objeto JSON con los datos del formulario"}
        )
    with engine().sessions() as session:
        detail = task_detail(session, actor(), task_id)
    data, uploads = uploads_from_data_urls(detail.form.schema if detail.form else None, body)
    engine().complete(task_id, actor().username, data, uploads)
    return {"ok": True, "task": task_id, "case": detail.business_key}


@blueprint.get("/casos/<business_key>/comentarios")
@login_required
def list_case_comments(business_key: str) -> ResponseReturnValue:
    """Every comment of the case, on it or on any of its tasks, oldest first."""
    with engine().sessions() as session:
        thread = case_comments(session, actor(), business_key)
    return _thread_json(thread)


@blueprint.get("/tareas/<int:task_id>/comentarios")
@login_required
def list_task_comments(task_id: int) -> ResponseReturnValue:
    with engine().sessions() as session:
        thread = task_comments(session, actor(), task_id)
    return {**_thread_json(thread), "task": task_id}


@blueprint.post("/casos/<business_key>/comentarios")
@login_required
def comment_on_case(business_key: str) -> ResponseReturnValue:
    """Body: `{"texto": "…"}`; 201 with the new comment's id. Same checks as the case page."""
    comment_id = engine().comment(actor().username, _comment_text(), business_key=business_key)
    return {"ok": True, "id": comment_id, "case": business_key}, 201


@blueprint.post("/tareas/<int:task_id>/comentarios")
@login_required
def comment_on_task(task_id: int) -> ResponseReturnValue:
    """Body: `{"texto": "…"}`; 201 with the new comment's id. Same checks as the task page."""
    comment_id = engine().comment(actor().username, _comment_text(), task_id=task_id)
    return {"ok": True, "id": comment_id, "task": task_id}, 201


def _comment_text() -> str:
    """The body's "texto"; anything but a JSON object with a string there is a field error
    (its length and content are the command's to check, as for the form)."""
    body: Any = request.get_json(silent=True)
    text = body.get(TEXT_FIELD) if isinstance(body, dict) else None
    if not isinstance(text, str):
        raise ValidationError(
            {TEXT_FIELD: "envíe un objeto JSON con el comentario como texto en «texto»"}
        )
    return text


def _thread_json(thread: CommentThread) -> dict[str, Any]:
    return {
        "case": thread.business_key,
        "may_write": thread.may_write,
        "closed": thread.closed,
        "comments": [
            {
                "id": comment.id,
                "author": comment.author,
                "author_name": comment.author_name,
                "text": comment.body,
                "created_at": comment.created_at.isoformat(),
                "task": comment.task_id,
                "task_name": comment.task_name,
                "mentions": comment.mentions,
            }
            for comment in thread.comments
        ],
    }


def _too_deep() -> ResponseReturnValue:
    return error_response(
        400,
        _(
            "El cuerpo JSON tiene demasiados niveles anidados (máximo %(levels)d).",
            levels=MAX_JSON_DEPTH,
        ),
    )


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in `value`, counted without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        current, level = pending.pop()
        if isinstance(current, dict | list):
            deepest = max(deepest, level)
            children = current.values() if isinstance(current, dict) else current
            pending.extend((child, level + 1) for child in children)
    return deepest
