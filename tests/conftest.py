"""Fixtures: a fresh database per test (SQLite file or a PostgreSQL schema), an engine with a
manual clock, the demo directory, and the procedures deployed."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from engine import Engine, ManualClock
from engine.people.directory import ensure_groups, load_demo_users
from handlers import service_registry
from storage.database import create_database_engine, session_factory
from storage.migrate import upgrade_to_head

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
BPMN = PROCESSES / "bpmn"
POSTGRES_URL = os.environ.get(
    "BUENGOBIERNO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BOGOTA = ZoneInfo("America/Bogota")


DATABASE_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[DatabaseEngine]:
    """A migrated, empty database of `kind`; PostgreSQL runs in a schema of its own."""
    if kind == "sqlite":
        engine = create_database_engine(f"sqlite:///{folder / 'test.sqlite3'}")
        upgrade_to_head(engine)
        yield engine
        engine.dispose()
        return
    schema = f"bg_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_database_engine(POSTGRES_URL, schema=schema)
    try:
        upgrade_to_head(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=DATABASE_KINDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DatabaseEngine]:
    """A migrated, empty database of each kind, per test."""
    with fresh_database(request.param, tmp_path) as engine:
        yield engine


def with_directory(database: DatabaseEngine) -> sessionmaker[Session]:
    """Sessions of `database`, with the groups and the demo users loaded."""
    factory = session_factory(database)
    with factory() as session, session.begin():
        ensure_groups(session)
        load_demo_users(session)
    return factory


@pytest.fixture
def sessions(database: DatabaseEngine) -> sessionmaker[Session]:
    return with_directory(database)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 12, 1, 9, 0, tzinfo=BOGOTA))


@pytest.fixture
def engine(sessions: sessionmaker[Session], clock: ManualClock) -> Engine:
    return Engine(sessions, services=service_registry(), clock=clock)


@pytest.fixture
def p001(engine: Engine) -> Engine:
    engine.deploy([BPMN / "P001_delegaciones.bpmn"], "admin")
    return engine
