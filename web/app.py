"""The application factory: the engine's application (web.engine_app) with the web on top:
extensions, sign-in limits, the directory, blueprints."""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from engine import Engine
from engine.people.ldap_directory import LdapDirectory, settings_from
from engine.people.login_throttle import (
    CounterStore,
    DatabaseCounters,
    LoginThrottle,
    RedisCounters,
    parse_limits,
)
from web import filters, security
from web.converters import DatabaseIdConverter
from web.engine_app import PROCESSES_DIRECTORY, PROJECT_ROOT, create_engine_app, engine_of
from web.extensions import babel, csrf, login_manager

__all__ = ["PROCESSES_DIRECTORY", "PROJECT_ROOT", "create_app", "engine_of"]


def create_app(
    config: dict[str, Any] | None = None,
    *,
    engine: Engine | None = None,
    require_secret: bool = True,
) -> Flask:
    """The web application; tests hand in their own `engine` (with its clock and database).

    Without a secret key it refuses to start; the CLI passes `require_secret=False` because only
    `serve` and `worker` need one (they check it themselves).
    """
    app = create_engine_app(config, engine=engine, require_secret=require_secret)
    engine = engine_of(app)

    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    _trust_proxies(app)
    app.extensions["login_throttle"] = _login_throttle(app, engine)
    # The Alcaldía's directory (BUENGOBIERNO_LDAP_URL …); tests hand in their own.
    app.extensions["ldap_directory"] = app.config.get("LDAP_DIRECTORY") or _ldap_directory(app)
    _init_extensions(app)
    security.init_app(app)
    filters.init_app(app)
    _register_blueprints(app)
    return app


def _init_extensions(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Inicie sesión para continuar.")
    login_manager.localize_callback = str
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=lambda: app.config["BABEL_DEFAULT_LOCALE"],
        timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"],
    )

    login_manager.unauthorized_handler(_unauthorized)


def _trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies (BUENGOBIERNO_TRUSTED_PROXIES), the client is in X-Forwarded-For.

    With 0 (the default) the headers are ignored: anyone could write them.
    """
    setting = app.config["TRUSTED_PROXIES"]
    proxies = int(setting) if str(setting).isdigit() else -1
    if proxies < 0:
        raise ValueError(f"TRUSTED_PROXIES must be a whole number of proxies, not {setting!r}")
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]


def _login_throttle(app: Flask, engine: Engine) -> LoginThrottle:
    """Sign-in limits counted in Redis (BUENGOBIERNO_REDIS_URL) or else in the database."""
    store: CounterStore = (
        RedisCounters(app.config["REDIS_URL"], app.config["REDIS_PREFIX"])
        if app.config["REDIS_URL"]
        else DatabaseCounters(engine)
    )
    return LoginThrottle(
        store,
        engine.clock,
        per_address=parse_limits(app.config["LOGIN_RATE_LIMIT"]),
        per_account=parse_limits(app.config["LOGIN_ACCOUNT_RATE_LIMIT"]),
    )


def _ldap_directory(app: Flask) -> LdapDirectory | None:
    settings = settings_from(app.config)
    return LdapDirectory(settings) if settings else None


def _unauthorized() -> ResponseReturnValue:
    if request.path.startswith("/api/"):
        message = _("Debe iniciar sesión")
        return {"error": message, "message": message}, 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _register_blueprints(app: Flask) -> None:
    from web import (
        absences,
        account,
        admin_organisms,
        admin_users,
        api,
        assets,
        auth,
        cases,
        comments,
        directory,
        errors,
        health,
        inbox,
        mailbox,
        quality,
        start,
        tasks,
        workbench,
    )

    modules = (
        errors,
        assets,
        health,
        auth,
        account,
        absences,
        inbox,
        tasks,
        start,
        cases,
        comments,
        mailbox,
        quality,
        workbench,
        directory,
        admin_users,
        admin_organisms,
    )
    for module in (*modules, api):
        app.register_blueprint(module.blueprint)
