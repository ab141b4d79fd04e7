"""Fixtures: a database of its own per test (a copy of a template SQLite file or PostgreSQL
database built once per session), an engine with a manual clock, the demo directory, and the
procedures deployed."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy.orm import Session, sessionmaker

from engine import Engine, ManualClock
from engine.people import passwords
from handlers import service_registry
from storage.database import session_factory
from tests.database_templates import (
    DIRECTORY,
    MIGRATED,
    P001,
    P001_THEN_PROCEDURES,
    PROCEDURES,
    DatabaseTemplates,
    load_directory,
)

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
BPMN = PROCESSES / "bpmn"
POSTGRES_URL = os.environ.get(
    "BUENGOBIERNO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BOGOTA = ZoneInfo("America/Bogota")
TESTS_START_AT = datetime(2026, 12, 1, 9, 0, tzinfo=BOGOTA)
P001_DIAGRAM = BPMN / "P001_delegaciones.bpmn"
_TEMPLATES = pytest.StashKey[DatabaseTemplates]()

# argon2's cost is the point of it in production and pure waste in a test: with the production
# parameters each sign-in took 50-200 ms of the 2 cores, and the suite signs in thousands of
# times. The tests hash and verify with the same argon2id at its smallest cost instead
# (tests/unit/test_password_hashing.py checks the production default).
passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


class _SharedTemplateCode(BytecodeCache):
    """The compiled Jinja templates, shared by every application of the test process.

    Each test builds its own application, and each application's Jinja environment compiled
    every template it rendered again (some 50 ms a test). A bucket is keyed by the template's
    name and file and checks its source's checksum, so an edited template is compiled anew.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _SharedTemplateCode()}


DATABASE_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def url_of(database: DatabaseEngine) -> str:
    """The URL of a test's database, password included, for a CLI run or a worker process."""
    return database.url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_templates(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabaseTemplates]:
    """The session's template databases, built on first use (so changes to migrations or
    diagrams count from the next session on)."""
    templates = DatabaseTemplates(
        tmp_path_factory.mktemp("templates"), POSTGRES_URL, BPMN, TESTS_START_AT
    )
    request.config.stash[_TEMPLATES] = templates
    yield templates
    templates.close()


def _contents_needed(fixturenames: list[str]) -> str:
    # The most the test's fixtures will load; a copy of that template saves them doing it.
    if "p001_then_procedures" in fixturenames:
        return P001_THEN_PROCEDURES
    if "procedures" in fixturenames:
        return PROCEDURES
    if "p001" in fixturenames:
        return P001
    if "sessions" in fixturenames:
        return DIRECTORY
    return MIGRATED


@pytest.fixture(params=DATABASE_KINDS)
def database(
    request: pytest.FixtureRequest, tmp_path: Path, database_templates: DatabaseTemplates
) -> Iterator[DatabaseEngine]:
    """A migrated database of each kind, per test, of its own: a copy of the session's template
    (with the directory and P001 already in it when the test's fixtures ask for them)."""
    contents = _contents_needed(request.fixturenames)
    with database_templates.copy(request.param, contents, tmp_path) as engine:
        yield engine


def with_directory(database: DatabaseEngine) -> sessionmaker[Session]:
    """Sessions of `database`, with the groups and the demo users loaded."""
    load_directory(database)
    return session_factory(database)


@pytest.fixture
def sessions(
    database: DatabaseEngine, database_templates: DatabaseTemplates
) -> sessionmaker[Session]:
    if database_templates.holds(database, DIRECTORY):
        return session_factory(database)
    return with_directory(database)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(TESTS_START_AT)


@pytest.fixture
def engine(sessions: sessionmaker[Session], clock: ManualClock) -> Engine:
    return Engine(sessions, services=service_registry(), clock=clock)


@pytest.fixture
def p001(engine: Engine, database: DatabaseEngine, database_templates: DatabaseTemplates) -> Engine:
    if not database_templates.holds(database, P001):
        engine.deploy([P001_DIAGRAM], "admin")
    return engine


@pytest.fixture
def procedures(
    engine: Engine, database: DatabaseEngine, database_templates: DatabaseTemplates
) -> Engine:
    """The engine with every procedure of processes/bpmn deployed."""
    if not database_templates.holds(database, PROCEDURES):
        engine.deploy([BPMN], "analista")
    return engine


@pytest.fixture
def p001_then_procedures(
    engine: Engine, database: DatabaseEngine, database_templates: DatabaseTemplates
) -> Engine:
    """The engine with P001 deployed, then every procedure of processes/bpmn, both by admin (as
    `make run` does: P001 calls P003 and P005)."""
    if not database_templates.holds(database, P001_THEN_PROCEDURES):
        if not database_templates.holds(database, P001):
            engine.deploy([P001_DIAGRAM], "admin")
        engine.deploy([BPMN], "admin")
    return engine


# Files whose every test is slow (a browser, worker processes): scheduled before the rest, so
# that the many quick files fill the workers' last minutes instead of one of these.
_SLOW_FOLDERS = ("tests/browser/", "tests/reliability/")
# Files that run on one worker together: the readers of the session's scenario run (made once
# per worker and kind; test_scenarios checks that every reader is listed).
SHARED_WORKER = {
    "tests/integration/test_scenarios.py": "scenario run",
    "tests/integration/test_quality.py": "scenario run",
    "tests/integration/test_commitments.py": "scenario run",
}


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which answers for every mode
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile` (pyproject.toml), a file's module fixtures built once on one worker, and
    besides: the SHARED_WORKER files share theirs, and the slowest folders' files go first,
    then the files with the most tests. (Not `loadgroup`: pytest-xdist 3.8 cannot rename the
    items of pytest 9, so its `xdist_group` marks are lost.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FilesAndSharedWorkers(LoadFileScheduling):  # type: ignore[misc]
        _ordered = False

        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return SHARED_WORKER.get(file, file)

        def _assign_work_unit(self, node: Any) -> None:
            if not self._ordered:  # the first call: the queue is complete
                self._ordered = True
                self.workqueue = OrderedDict(sorted(self.workqueue.items(), key=_heaviest_first))
            super()._assign_work_unit(node)

    return FilesAndSharedWorkers(config, log)


def _heaviest_first(unit: tuple[str, dict[str, bool]]) -> tuple[bool, int]:
    first = next(iter(unit[1]))
    return (not first.startswith(_SLOW_FOLDERS), -len(unit[1]))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    templates = terminalreporter.config.stash.get(_TEMPLATES, None)
    if templates is not None:
        terminalreporter.write_line(f"database templates: {templates.summary()}")
