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

from engine import Clock, Engine, ManualClock, SystemClock
from engine.audit import load_audit_key
from handlers import service_registry
from storage.database import create_database_engine, database_url_from_environment, session_factory
from web import filters, security
from web.extensions import babel, csrf, limiter, login_manager

PROCESSES_DIRECTORY = Path("processes")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None, *, engine: Engine | None = None) -> Flask:
    """The web application; tests hand in their own `engine` (with its clock and database)."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE_URL=database_url_from_environment(),
        DATABASE_SCHEMA=None,
        PROCESSES_DIRECTORY=str(PROCESSES_DIRECTORY),
        SECRET_KEY="dev-only-change-me",
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
        LOGIN_RATE_LIMIT="10 per minute; 100 per hour",
        RATELIMIT_STORAGE_URI="memory://",
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
    limiter.init_app(app)

    login_manager.unauthorized_handler(_unauthorized)


def _unauthorized() -> ResponseReturnValue:
    if request.path.startswith("/api/"):
        message = _("Debe iniciar sesión")
        return {"error": message, "message": message}, 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _register_blueprints(app: Flask) -> None:
    from web import api, assets, auth, cases, errors, health, inbox, mailbox, quality, start, tasks

    for module in (errors, assets, health, auth, inbox, tasks, start, cases, mailbox, quality, api):
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
