"""The application without its pages: configuration, the secret key, the engine.

Every `buengobierno` command but `serve` runs in it: the worker, restarted or run from cron with
`--once`, needs the engine and the settings, not the views, the sign-in machinery, LDAP or the
translations (`web.app.create_app` adds them on top of this one).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from engine import Clock, Engine, ManualClock, SystemClock
from engine.audit.trail import load_audit_key
from handlers import service_registry
from storage.database import create_database_engine, database_url_from_environment, session_factory
from web.secret_key import load_secret_key, require_secret_key

PROCESSES_DIRECTORY = Path("processes")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_engine_app(
    config: dict[str, Any] | None = None,
    *,
    engine: Engine | None = None,
    require_secret: bool = True,
) -> Flask:
    """The configured application and its engine, without blueprints or web extensions.

    Without a secret key it refuses to start unless `require_secret=False` (see `create_app`).
    """
    app = Flask("web.app")  # the name (root path, logger) of the full application
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
    return app


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
