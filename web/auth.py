"""Sign-in with local accounts (argon2 hashes), Flask-Login sessions, limits per account and address."""

from __future__ import annotations

import logging
from typing import cast
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from engine import Forbidden
from engine.authorization import with_substitutions
from engine.people.access_tokens import use_token
from engine.people.accounts import actor_for_session, end_sessions, session_generation
from engine.people.directory_sign_in import sign_in
from engine.people.ldap_directory import DirectoryUnreachable, LdapDirectory
from engine.people.login_throttle import LoginThrottle
from web.current import SignedInUser, actor, engine, login_required, today
from web.extensions import login_manager

blueprint = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


def load_user(user_id: str) -> SignedInUser | None:
    """The session's user while its generation is current (sign-out elsewhere revokes it)."""
    username, _sep, generation = user_id.rpartition(":")
    if not username or not generation.isdigit():
        return None
    with engine().sessions() as db:
        signed_in = actor_for_session(db, username, int(generation), today())
    return None if signed_in is None else SignedInUser(signed_in, int(generation))


def load_user_from_token(_request: object) -> SignedInUser | None:
    """Integrations call /api/ with `Authorization: Bearer <personal access token>`."""
    credentials = request.authorization
    if not request.path.startswith("/api/") or credentials is None:
        return None
    if credentials.type != "bearer" or not credentials.token:
        return None
    use = use_token(engine(), credentials.token)
    if use is None:
        return None
    with engine().sessions() as db:
        # With the absent users they substitute today (their tasks, their rights on those).
        return SignedInUser(with_substitutions(db, use.actor, today()), token_id=use.token_id)


login_manager.user_loader(load_user)
login_manager.request_loader(load_user_from_token)


@blueprint.route("/ingresar", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    username = request.form.get("usuario", "").strip()
    if request.method == "GET":
        return render_template("auth/login.html", error=None, username=username)
    throttle = cast(LoginThrottle, current_app.extensions["login_throttle"])
    # Refused before any password is checked: a storm costs no argon2 work.
    if not throttle.address_admitted(request.remote_addr or ""):
        error = _("Demasiados intentos de ingreso desde su equipo. Espere unos minutos.")
        return render_template("auth/login.html", error=error, username=username), 429
    if throttle.account_locked(username):
        error = _("Demasiados intentos fallidos para esta cuenta. Espere unos minutos.")
        return render_template("auth/login.html", error=error, username=username), 429
    directory = cast(LdapDirectory | None, current_app.extensions.get("ldap_directory"))
    if directory is not None:
        username = username.lower()  # the directory does not tell case apart; our names are lower
    try:
        who = sign_in(engine(), directory, username, request.form.get("contrasena", ""))
    except DirectoryUnreachable:
        log.warning("the directory did not answer a sign-in", exc_info=True)
        error = _(
            "El directorio de la Alcaldía no responde; intente de nuevo en unos minutos. "
            "Las cuentas locales de administración siguen funcionando."
        )
        return render_template("auth/login.html", error=error, username=username), 503
    except Forbidden as refused:
        error = str(refused)[:1].upper() + str(refused)[1:] + "."
        return render_template("auth/login.html", error=error, username=username), 403
    if who is not None:
        with engine().sessions() as db:
            generation = session_generation(db, who.username)
    if who is None:
        throttle.failed(username)
        error = _("Usuario o contraseña incorrectos.")
        return render_template("auth/login.html", error=error, username=username), 401
    start_session(SignedInUser(who, generation))
    flash(_("Bienvenido(a), %(name)s.", name=who.full_name), "success")
    return redirect(_safe_next(request.args.get("next")), code=303)


def start_session(user: SignedInUser) -> None:
    """Sign `user` in with a new CSRF token: one seen before signing in is worth nothing after."""
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    login_user(user)


@blueprint.post("/salir")
@login_required
def logout() -> ResponseReturnValue:
    end_sessions(engine(), actor().username)
    logout_user()
    session.clear()
    flash(_("Cerró su sesión."), "success")
    return redirect(url_for("auth.login"), code=303)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would hand the session to a phishing page."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and "\\" not in target
            and target.isprintable()  # CR/LF would split the Location header
        ):
            return target
    return url_for("inbox.index")
