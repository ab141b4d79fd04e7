"""Mis ausencias: declare a substitute for a range of days, see and cancel one's absences.

An administrator may declare (and cancel) one for another user: `?usuario=` names whom."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ValidationError
from engine.authorization import can_manage_absences_of, require_can_manage_absences_of
from engine.commands.absences import (
    FROM_FIELD,
    MAX_REASON,
    REASON_FIELD,
    SUBSTITUTE_FIELD,
    TO_FIELD,
    cancel_absence,
    declare_absence,
)
from engine.read.absences import absences_of, substitute_choices
from engine.read.directory import search_people
from web.current import actor, engine, login_required, today
from web.filters import date_text

blueprint = Blueprint("absences", __name__, url_prefix="/cuenta/ausencias")


def _whose() -> str:
    """Whose absences the page shows: the signed-in user's, or (administrators) `usuario`'s."""
    username = (request.values.get("usuario") or "").strip() or actor().username
    require_can_manage_absences_of(actor(), username)
    return username


@blueprint.get("")
@login_required
def index() -> ResponseReturnValue:
    return _page(_whose())


@blueprint.post("")
@login_required
def declare() -> ResponseReturnValue:
    username = _whose()
    form = {name: request.form.get(name, "").strip() for name in _FIELDS}
    errors: dict[str, str] = {}
    days: dict[str, date] = {}
    for name in (FROM_FIELD, TO_FIELD):
        try:
            days[name] = date.fromisoformat(form[name])
        except ValueError:
            errors[name] = _("escriba una fecha válida (día, mes y año)")
    if not errors:
        try:
            declare_absence(
                engine(), actor().username, username, form[SUBSTITUTE_FIELD],
                days[FROM_FIELD], days[TO_FIELD], form[REASON_FIELD],
            )  # fmt: skip
        except ValidationError as error:
            errors = error.field_errors
    if errors:
        return _page(username, form=form, errors=errors), 422
    flash(
        _(
            "Declaró la ausencia del %(start)s al %(end)s.",
            start=date_text(days[FROM_FIELD]),
            end=date_text(days[TO_FIELD]),
        ),
        "success",
    )
    return redirect(_back(username), code=303)


@blueprint.post("/<int:absence_id>/cancelar")
@login_required
def cancel(absence_id: int) -> ResponseReturnValue:
    username = _whose()
    cancel_absence(engine(), actor().username, absence_id)
    flash(_("Canceló la ausencia: su suplente ya no recibe sus tareas."), "success")
    return redirect(_back(username), code=303)


_FIELDS = (SUBSTITUTE_FIELD, FROM_FIELD, TO_FIELD, REASON_FIELD)


def _back(username: str) -> str:
    if username == actor().username:
        return url_for("absences.index")
    return url_for("absences.index", usuario=username)


def _page(
    username: str, form: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> str:
    with engine().sessions() as session:
        absences = absences_of(session, username)
        people = substitute_choices(session, username)
        # Administrators pick whom the page is for among everyone active.
        everyone = search_people(session, "", limit=10_000) if actor().is_admin else []
    return render_template(
        "account/absences.html",
        username=username,
        absences=absences,
        people=people,
        everyone=everyone,
        today=today(),
        form=form or {},
        errors=errors or {},
        max_reason=MAX_REASON,
        can_manage=can_manage_absences_of,
    )
