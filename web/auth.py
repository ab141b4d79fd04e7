"""Sign-in with local accounts (argon2 hashes), Flask-Login sessions, a rate-limited login."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from engine import NotFound
from engine.accounts import authenticate
from engine.authorization import load_actor
from web.current import SignedInUser, engine, login_required
from web.extensions import limiter, login_manager

blueprint = Blueprint("auth", __name__)


def load_user(username: str) -> SignedInUser | None:
    try:
        with engine().sessions() as session:
            return SignedInUser(load_actor(session, username))
    except NotFound:
        return None


def load_user_from_basic_auth(_request: object) -> SignedInUser | None:
    """Integrations call /api/ with HTTP Basic credentials instead of a session cookie."""
    credentials = request.authorization
    if not request.path.startswith("/api/") or credentials is None:
        return None
    if credentials.type != "basic" or not credentials.username:
        return None
    with engine().sessions() as session:
        actor = authenticate(session, credentials.username, credentials.password or "")
    return SignedInUser(actor) if actor else None


login_manager.user_loader(load_user)
login_manager.request_loader(load_user_from_basic_auth)


def _login_rate_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@blueprint.route("/ingresar", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    error = None
    username = request.form.get("usuario", "").strip()
    if request.method == "POST":
        with engine().sessions() as session:
            actor = authenticate(session, username, request.form.get("contrasena", ""))
        if actor is not None:
            login_user(SignedInUser(actor))
            flash(_("Bienvenido(a), %(name)s.", name=actor.full_name), "success")
            return redirect(_safe_next(request.args.get("next")), code=303)
        error = _("Usuario o contraseña incorrectos.")
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, username=username), status


@blueprint.post("/salir")
@login_required
def logout() -> ResponseReturnValue:
    logout_user()
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
