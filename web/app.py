"""The application factory: configuration, the engine, blueprints."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask

from engine import Clock, Engine, ManualClock, SystemClock
from handlers import service_registry
from storage.database import create_database_engine, database_url_from_environment, session_factory

PROCESSES_DIRECTORY = Path("processes")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE_URL=database_url_from_environment(),
        DATABASE_SCHEMA=None,
        PROCESSES_DIRECTORY=str(PROCESSES_DIRECTORY),
        SECRET_KEY="dev-only-change-me",
        SMTP_URL=None,
        BASE_URL="http://127.0.0.1:5000",
        CLOCK=None,
    )
    app.config.from_prefixed_env("BUENGOBIERNO")
    if config:
        app.config.update(config)
    clock = _clock(app.config["CLOCK"])
    database = create_database_engine(
        app.config["DATABASE_URL"], schema=app.config["DATABASE_SCHEMA"]
    )
    app.extensions["database"] = database
    app.extensions["engine"] = Engine(
        session_factory(database), services=service_registry(), clock=clock
    )

    from web import health

    app.register_blueprint(health.blueprint)
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
