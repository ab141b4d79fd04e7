"""Run the Alembic migrations programmatically: the same migrations on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS_DIRECTORY = Path(__file__).parent / "migrations"


def upgrade_to_head(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIRECTORY))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
