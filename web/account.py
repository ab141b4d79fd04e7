"""Mi cuenta: change the password, and the personal access tokens for the JSON API."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ValidationError
from engine.people.access_tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    create_token,
    list_tokens,
    revoke_token,
)
from engine.people.accounts import change_password
from web.auth import start_session
from web.current import SignedInUser, actor, engine, login_required

blueprint = Blueprint("account", __name__, url_prefix="/cuenta")


@blueprint.route("/contrasena", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("account/password.html", errors={})
    new = request.form.get("nueva_contrasena", "")
    errors = {}
    if new != request.form.get("repetir_contrasena", ""):
        errors["repetir_contrasena"] = _("Las dos contraseñas nuevas no coinciden.")
    else:
        try:
            generation = change_password(
                engine(), actor().username, request.form.get("contrasena_actual", ""), new
            )
        except ValidationError as error:
            errors = error.field_errors
    if errors:
        return render_template("account/password.html", errors=errors), 422
    # Every other session of this user ended; this one goes on with the new generation.
    start_session(SignedInUser(actor(), generation))
    flash(_("Cambió su contraseña; sus otras sesiones se cerraron."), "success")
    return redirect(url_for("inbox.index"), code=303)


@blueprint.get("/tokens")
@login_required
def tokens() -> ResponseReturnValue:
    return _tokens_page()


@blueprint.post("/tokens")
@login_required
def create() -> ResponseReturnValue:
    name = request.form.get("nombre", "")
    days_text = request.form.get("dias", "").strip() or str(DEFAULT_DAYS)
    if not days_text.isdigit():
        errors = {"dias": _("La vigencia debe ser un número de días.")}
        return _tokens_page(errors=errors, name=name, days=days_text), 422
    try:
        new = create_token(engine(), actor().username, name, int(days_text))
    except ValidationError as error:
        return _tokens_page(errors=error.field_errors, name=name, days=days_text), 422
    return _tokens_page(new=new), 201


@blueprint.post("/tokens/<int:token_id>/revocar")
@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    revoke_token(engine(), actor().username, token_id)
    flash(_("Revocó el token %(id)s.", id=token_id), "success")
    return redirect(url_for("account.tokens"), code=303)


def _tokens_page(**context: object) -> str:
    return render_template(
        "account/tokens.html",
        tokens=list_tokens(engine(), actor().username),
        now=engine().clock.now(),
        max_days=MAX_DAYS,
        default_days=DEFAULT_DAYS,
        **{"errors": {}, "name": "", "days": str(DEFAULT_DAYS), "new": None, **context},
    )
