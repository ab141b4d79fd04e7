"""Template databases: each kind of test database is migrated, and loaded with what the tests
ask for, once per test session; every test then gets its own copy of it.

SQLite copies the template's file; PostgreSQL copies a template database with
`CREATE DATABASE ... TEMPLATE`. A copy shares nothing with the template or with other copies,
so a test sees only what it writes. The templates live as long as the session (in one process,
or one pytest-xdist worker), so a changed migration or diagram is picked up by the next run.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import create_engine, make_url, text

from engine import Engine, ManualClock
from engine.people.directory import ensure_groups, load_demo_users
from handlers import service_registry
from storage.database import create_database_engine, session_factory
from storage.migrate import upgrade_to_head

# What a template holds, each level on top of the one before.
MIGRATED = "migrated"
DIRECTORY = "directory"
P001 = "p001"
PROCEDURES = "procedures"  # every procedure of the folder, P001 among them
# Beside PROCEDURES: P001, then every procedure, both deployed by admin (as `make run` does).
P001_THEN_PROCEDURES = "p001-then-procedures"
CONTENTS = (MIGRATED, DIRECTORY, P001, PROCEDURES, P001_THEN_PROCEDURES)
# What a copy of each template holds, itself included.
_HOLDS = {
    MIGRATED: {MIGRATED},
    DIRECTORY: {MIGRATED, DIRECTORY},
    P001: {MIGRATED, DIRECTORY, P001},
    PROCEDURES: {MIGRATED, DIRECTORY, P001, PROCEDURES},
    P001_THEN_PROCEDURES: {MIGRATED, DIRECTORY, P001, P001_THEN_PROCEDURES},
}


@dataclass
class BuildCounts:
    """How often the session migrated, loaded the directory, deployed and copied."""

    migrations: int = 0
    directories: int = 0
    deploys: int = 0  # of P001 alone or of every procedure
    copies: dict[str, int] = field(default_factory=dict)


def load_directory(database: DatabaseEngine) -> None:
    """The groups and the demo users."""
    with session_factory(database)() as session, session.begin():
        ensure_groups(session)
        load_demo_users(session)


class DatabaseTemplates:
    """Builds a template per (kind, contents) on first use and hands out copies of it."""

    def __init__(self, folder: Path, postgres_url: str, bpmn: Path, deployed_at: datetime) -> None:
        self.folder = folder
        self.postgres_url = make_url(postgres_url)
        self.bpmn = bpmn
        # The start of the tests' clock: the diagrams are deployed when the tests would have.
        self.deployed_at = deployed_at
        self.counts = BuildCounts()
        # Names the session's PostgreSQL databases, unique per session: concurrent sessions
        # (other checkouts, xdist workers) share the server and never touch each other's.
        self.tag = uuid.uuid4().hex[:10]
        self._sqlite_templates: dict[str, Path] = {}
        self._postgres_templates: dict[str, str] = {}
        self._admin_engine: DatabaseEngine | None = None
        self._contents: WeakKeyDictionary[DatabaseEngine, str] = WeakKeyDictionary()

    @contextmanager
    def copy(self, kind: str, contents: str, folder: Path) -> Iterator[DatabaseEngine]:
        """A database of `kind` (sqlite, postgresql) of its own holding `contents`."""
        if contents not in CONTENTS:
            raise ValueError(f"unknown template contents {contents!r}: one of {CONTENTS}")
        key = f"{kind}/{contents}"
        self.counts.copies[key] = self.counts.copies.get(key, 0) + 1
        if kind == "sqlite":
            copying = self._sqlite_copy(contents, folder)
        elif kind == "postgresql":
            copying = self._postgres_copy(contents)
        else:
            raise ValueError(f"unknown database kind {kind!r}")
        with copying as database:
            self._contents[database] = contents
            yield database

    def holds(self, database: DatabaseEngine, contents: str) -> bool:
        """Whether `database` is a copy of a template holding `contents` (or more)."""
        held = self._contents.get(database)
        return held is not None and contents in _HOLDS[held]

    def close(self) -> None:
        """Drop the PostgreSQL templates (the SQLite ones go with pytest's temporary folder)."""
        for name in self._postgres_templates.values():
            self._admin(f'DROP DATABASE IF EXISTS "{name}"')
        self._postgres_templates.clear()
        if self._admin_engine is not None:
            self._admin_engine.dispose()

    def summary(self) -> str:
        copies = ", ".join(f"{key} {count}" for key, count in sorted(self.counts.copies.items()))
        return (
            f"{self.counts.migrations} migrations, {self.counts.directories} directory loads, "
            f"{self.counts.deploys} deploys; copies: {copies or 'none'}"
        )

    # -- building -------------------------------------------------------------------------------

    def _fill(self, database: DatabaseEngine, contents: str) -> None:
        upgrade_to_head(database)
        self.counts.migrations += 1
        if contents == MIGRATED:
            return
        load_directory(database)
        self.counts.directories += 1
        if contents == DIRECTORY:
            return
        clock = ManualClock(self.deployed_at)
        engine = Engine(session_factory(database), services=service_registry(), clock=clock)
        if contents in (P001, P001_THEN_PROCEDURES):
            engine.deploy([self.bpmn / "P001_delegaciones.bpmn"], "admin")
            self.counts.deploys += 1
        if contents == PROCEDURES:
            engine.deploy([self.bpmn], "analista")
            self.counts.deploys += 1
        elif contents == P001_THEN_PROCEDURES:
            engine.deploy([self.bpmn], "admin")
            self.counts.deploys += 1

    # -- SQLite ---------------------------------------------------------------------------------

    def _sqlite_template(self, contents: str) -> Path:
        if contents not in self._sqlite_templates:
            path = self.folder / f"template-{contents}.sqlite3"
            database = create_database_engine(f"sqlite:///{path}")
            try:
                self._fill(database, contents)
                # Everything into the main file, so that copying it copies the whole database.
                connection = database.raw_connection()
                try:
                    connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    connection.close()
            except BaseException:
                database.dispose()
                path.unlink(missing_ok=True)
                raise
            database.dispose()
            self._sqlite_templates[contents] = path
        return self._sqlite_templates[contents]

    @contextmanager
    def _sqlite_copy(self, contents: str, folder: Path) -> Iterator[DatabaseEngine]:
        template = self._sqlite_template(contents)
        path = folder / "test.sqlite3"
        shutil.copyfile(template, path)
        for suffix in ("-wal", "-shm"):
            # Normally gone after the checkpoint and the last close; copied if SQLite kept them.
            if Path(f"{template}{suffix}").exists():
                shutil.copyfile(f"{template}{suffix}", f"{path}{suffix}")
        database = create_database_engine(f"sqlite:///{path}")
        try:
            yield database
        finally:
            database.dispose()

    # -- PostgreSQL -----------------------------------------------------------------------------

    def _postgres_url(self, name: str) -> str:
        return self.postgres_url.set(database=name).render_as_string(hide_password=False)

    def _admin(self, statement: str) -> None:
        # CREATE/DROP DATABASE cannot run inside a transaction block: an autocommit engine.
        if self._admin_engine is None:
            self._admin_engine = create_engine(self.postgres_url, isolation_level="AUTOCOMMIT")
        with self._admin_engine.connect() as connection:
            connection.execute(text(statement))

    def _postgres_database(self, name: str) -> DatabaseEngine:
        # search_path pinned to public: tests hand `SHOW search_path` on to the CLI and workers.
        return create_database_engine(self._postgres_url(name), schema="public")

    def _postgres_template(self, contents: str) -> str:
        if contents not in self._postgres_templates:
            name = f"bg_template_{self.tag}_{contents}"
            # template0: nobody is ever connected to it, which CREATE DATABASE requires.
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE template0')
            database = self._postgres_database(name)
            try:
                self._fill(database, contents)
            except BaseException:
                database.dispose()
                self._admin(f'DROP DATABASE "{name}" WITH (FORCE)')
                raise
            database.dispose()
            # No connection may reach a template while it is copied: forbid them.
            self._admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            self._postgres_templates[contents] = name
        return self._postgres_templates[contents]

    @contextmanager
    def _postgres_copy(self, contents: str) -> Iterator[DatabaseEngine]:
        template = self._postgres_template(contents)
        name = f"bg_test_{self.tag}_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        database = self._postgres_database(name)
        try:
            yield database
        finally:
            database.dispose()
            # FORCE: a worker process or thread a test left behind must not keep it alive.
            self._admin(f'DROP DATABASE "{name}" WITH (FORCE)')
