"""Bandeja de entrada: "Mis tareas" and "De mis grupos"; claim, release and reassign, one task or
several at once (coordinators), and each official's own follow-up dates."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict

from engine import ValidationError
from engine.authorization import can_act_in_bulk
from engine.read.bulk import BulkReport, TaskOutcome, reassign_targets
from engine.read.inbox import STATES, InboxFilter, inbox, procedures
from web.current import actor, engine, login_required, today

blueprint = Blueprint("inbox", __name__)

# The refused tasks a bulk action's message names one by one; the others are counted. The message
# travels in the session cookie, which a browser drops beyond 4 KB.
NAMED_REFUSALS = 5

STATE_LABELS = {
    "sin_reclamar": _l("Sin tomar"),
    "reclamadas": _l("Tomadas"),
    "vencidas": _l("Vencidas"),
}


def inbox_filter(args: MultiDict[str, str], per_page: int) -> InboxFilter:
    """The inbox filter of the query string (shared by the page and the JSON API)."""
    return InboxFilter(
        scope=args.get("bandeja", "mias"),
        procedure=args.get("procedimiento") or None,
        state=args.get("estado") or None,
        search=args.get("q", ""),
        descending=args.get("orden") == "desc",
        sort=args.get("ordenar_por", "vencimiento"),
        follow_up_due=args.get("seguimiento") == "hoy",
        page=args.get("pagina", 1, type=int) or 1,
        per_page=args.get("por_pagina", per_page, type=int) or per_page,
    )


@blueprint.get("/")
@login_required
def index() -> ResponseReturnValue:
    wanted = inbox_filter(request.args, int(current_app.config["PER_PAGE"]))
    with engine().sessions() as session:
        page = inbox(session, actor(), wanted, today())
        # Opened without a tab, the inbox shows where the work is: an empty "Mis tareas" while
        # the groups have tasks looked like a day without work.
        opened_groups = (
            "bandeja" not in request.args and page.total == 0 and page.counts["grupos"] > 0
        )
        if opened_groups:
            page = inbox(session, actor(), replace(wanted, scope="grupos"), today())
        procedure_options = procedures(session)
        bulk = can_act_in_bulk(actor())
        # The bulk form (and its person picker) is shown only with rows to act on.
        people = reassign_targets(session, actor()) if bulk and page.rows else []
    return render_template(
        "inbox/index.html",
        page=page,
        bulk=bulk,
        reassign_people=people,
        # The person search narrows to the one group a coordinator leads (none: everyone).
        reassign_group=next(iter(actor().coordinates)) if len(actor().coordinates) == 1 else "",
        opened_groups=opened_groups,
        today=today(),
        procedure_options=procedure_options,
        state_options=[(state, STATE_LABELS[state]) for state in STATES],
    )


@blueprint.post("/tareas/<int:task_id>/reclamar")
@login_required
def claim(task_id: int) -> ResponseReturnValue:
    engine().claim(task_id, actor().username)
    flash(_("Tomó la tarea: ahora está en «Mis tareas»."), "success")
    return redirect(url_for("tasks.show", task_id=task_id), code=303)


@blueprint.post("/tareas/<int:task_id>/liberar")
@login_required
def release(task_id: int) -> ResponseReturnValue:
    engine().unclaim(task_id, actor().username)
    flash(_("Liberó la tarea: vuelve a estar disponible para su grupo."), "success")
    return redirect(url_for("inbox.index"), code=303)


@blueprint.post("/tareas/<int:task_id>/reasignar")
@login_required
def reassign(task_id: int) -> ResponseReturnValue:
    to_user = request.form.get("usuario", "").strip()
    engine().reassign(task_id, actor().username, to_user)
    flash(_("Tarea reasignada a %(user)s.", user=to_user), "success")
    return redirect(url_for("tasks.show", task_id=task_id), code=303)


@blueprint.post("/tareas/acciones")
@login_required
def bulk() -> ResponseReturnValue:
    """Take, release or reassign the checked tasks, each on its own, and go back (303) to the
    inbox page the form was sent from, its tab, filters and page, with one message that counts
    what was done and says why each other task was refused: a reload does not act again."""
    task_ids = [int(value) for value in request.form.getlist("tarea") if value.isdigit()]
    action = request.form.get("accion", "")
    to_user = request.form.get("usuario", "").strip() or None
    try:
        report = engine().act_on_tasks(action, task_ids, actor().username, to_user)
    except ValidationError as error:
        for message in error.field_errors.values():
            flash(message[:1].upper() + message[1:] + ".", "error")
    else:
        flash(bulk_message(report), "error" if report.refused else "success")
    return redirect(_back_url(), code=303)


def bulk_message(report: BulkReport) -> str:
    """What a bulk action did, in one sentence: «3 tareas reasignadas a despacho2; 1 no se pudo:
    Proponer delegado del caso P001-… (la tarea 7 ya fue reclamada por orc).»"""
    done = len(report.done)
    if report.action == "tomar":
        text = ngettext("%(num)d tarea tomada", "%(num)d tareas tomadas", done)
    elif report.action == "liberar":
        text = ngettext("%(num)d tarea liberada", "%(num)d tareas liberadas", done)
    else:
        text = ngettext(
            "%(num)d tarea reasignada a %(user)s",
            "%(num)d tareas reasignadas a %(user)s",
            done,
            user=report.to_user or "",
        )
    refused = report.refused
    if refused:
        named = [_refusal(outcome) for outcome in refused[:NAMED_REFUSALS]]
        if len(refused) > NAMED_REFUSALS:
            named.append(_("y %(num)d más", num=len(refused) - NAMED_REFUSALS))
        text = _(
            "%(done)s; %(refused)s",
            done=text,
            refused=ngettext(
                "%(num)d no se pudo: %(tasks)s",
                "%(num)d no se pudieron: %(tasks)s",
                len(refused),
                tasks="; ".join(named),
            ),
        )
    return f"{text}."


def _refusal(outcome: TaskOutcome) -> str:
    if outcome.task_name is None:
        return str(_("tarea %(id)d (%(reason)s)", id=outcome.task_id, reason=outcome.reason))
    return str(
        _(
            "%(task)s del caso %(key)s (%(reason)s)",
            task=outcome.task_name,
            key=outcome.business_key,
            reason=outcome.reason,
        )
    )


def _back_url() -> str:
    """The inbox page the bulk form was sent from: the form sends the inbox's own URL (its tab,
    filters and page), of which only the query string is kept, so the redirect never leaves the
    inbox (not to another site, "//…" or "/\\…", nor another page of this one)."""
    query = urlsplit(request.form.get("volver", "")).query
    return url_for("inbox.index") + (f"?{query}" if query else "")
