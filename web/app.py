"""The application factory: configuration, the engine, extensions, blueprints."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from engine import Clock, Engine, ManualClock, SystemClock
from engine.audit.trail import load_audit_key
from engine.people.ldap_directory import LdapDirectory, settings_from
from engine.people.login_throttle import (
    CounterStore,
    DatabaseCounters,
    LoginThrottle,
    RedisCounters,
    parse_limits,
)
from handlers import service_registry
from storage.database import create_database_engine, database_url_from_environment, session_factory
from web import filters, security
from web.converters import DatabaseIdConverter
from web.extensions import babel, csrf, login_manager
from web.secret_key import load_secret_key, require_secret_key

PROCESSES_DIRECTORY = Path("processes")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE_URL=database_url_from_environment(),
        DATABASE_SCHEMA=None,
        PROCESSES_DIRECTORY=str(PROCESSES_DIRECTORY),
        SECRET_KEY=None,
        SECRET_KEY_FILE=None,
        NODE_MODULES=str(PROJECT_ROOT / "node_modules"),
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,
        LOGIN_RATE_LIMIT="10 per minute; 100 per hour",  # per network address
        LOGIN_ACCOUNT_RATE_LIMIT="5 per minute; 30 per hour",  # failed sign-ins per account
        REDIS_URL=None,
        REDIS_PREFIX="buengobierno:",
        TRUSTED_PROXIES=0,
        BABEL_DEFAULT_LOCALE="es_CO",
        BABEL_DEFAULT_TIMEZONE="America/Bogota",
        PER_PAGE=25,
        SMTP_URL=None,
        BASE_URL="http://127.0.0.1:5000",
        CLOCK=None,
    )
    app.config.from_prefixed_env("BUENGOBIERNO")
    if config:
        app.config.update(config)
    load_secret_key(app)
    if require_secret:
        require_secret_key(app)
    if engine is None:
        clock = _clock(app.config["CLOCK"])
        database = create_database_engine(
            app.config["DATABASE_URL"], schema=app.config["DATABASE_SCHEMA"]
        )
        engine = Engine(
            session_factory(database),
            services=service_registry(),
            clock=clock,
            # Read when a checkpoint is sealed or checked: the key never sits in the database.
            audit_key=lambda: load_audit_key(os.environ),
        )
    app.extensions["database"] = engine.sessions.kw["bind"]
    app.extensions["engine"] = engine

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


def engine_of(app: Flask) -> Engine:
    engine: Engine = app.extensions["engine"]
    return engine


def _clock(setting: Clock | str | None) -> Clock:
    """The engine's clock; an ISO datetime (BUENGOBIERNO_CLOCK) freezes it, for simulations."""
    if setting is None or setting == "":
        return SystemClock()
    if isinstance(setting, str):
        return ManualClock(datetime.fromisoformat(setting))
    return setting
