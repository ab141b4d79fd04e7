"""Buzón: the notifications of the signed-in user (where they stay when no SMTP is set), and
the administrators' list of incidents with a retry button."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import incidents, retry_incident
from engine.read.mailbox import mailbox, unread_count
from web.current import actor, engine, login_required

blueprint = Blueprint("mailbox", __name__)


@blueprint.app_context_processor
def unread_notices() -> dict[str, Callable[[], int]]:
    """The menu's count of unread notices, read only when a page's menu asks for it."""

    def count() -> int:
        with engine().sessions() as session:
            return unread_count(session, actor())

    return {"unread_notices": count}


@blueprint.get("/buzon")
@login_required
def index() -> ResponseReturnValue:
    """The notices, the unread ones marked; opening the Buzón reads them (the menu's count
    drops to what arrives afterwards)."""
    with engine().sessions() as session:
        messages = mailbox(session, actor())
    if any(message.unread for message in messages):
        engine().mark_mailbox_read(actor().username, messages[0].id)
    unread = sum(message.unread for message in messages)
    return render_template("mailbox/index.html", messages=messages, unread=unread)


@blueprint.get("/incidentes")
@login_required
def incident_list() -> ResponseReturnValue:
    listed = incidents(engine(), actor().username)
    return render_template("mailbox/incidents.html", incidents=listed)


@blueprint.post("/incidentes/<int:job_id>/reintentar")
@login_required
def retry(job_id: int) -> ResponseReturnValue:
    retry_incident(engine(), job_id, actor().username)
    flash(
        _("El incidente %(job)s se reintentará en el próximo paso del worker.", job=job_id),
        "success",
    )
    return redirect(url_for("mailbox.incident_list"), code=303)
