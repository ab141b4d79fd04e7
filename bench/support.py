"""What the benchmarks share: where PostgreSQL is, a schema of their own on it, and a database
migrated with the directory loaded (the groups and the demo users)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from engine.people.directory import ensure_groups, load_demo_users
from storage.database import create_database_engine, session_factory
from storage.migrate import upgrade_to_head

# The suite's server by default (tests/conftest.py reads the same variable).
POSTGRES_URL = os.environ.get(
    "BUENGOBIERNO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def postgres_schema() -> Iterator[tuple[str, DatabaseEngine]]:
    """A new schema on `POSTGRES_URL` and an engine bound to it; the schema is dropped after."""
    schema = f"bg_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = create_database_engine(POSTGRES_URL, schema=schema)
    try:
        yield schema, database
    finally:
        database.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def migrated_with_directory(database: DatabaseEngine) -> sessionmaker[Session]:
    """Migrate `database` and load the groups and the demo users; its sessions."""
    upgrade_to_head(database)
    sessions = session_factory(database)
    with sessions() as session, session.begin():
        ensure_groups(session)
        load_demo_users(session)
    return sessions
