"""The suite's template databases: built once per session, copied per test, and a copy is a
database of its own that no other test sees."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from engine import Engine, ManualClock
from handlers import service_registry
from storage.database import session_factory
from storage.models import Definition, User
from tests.conftest import BPMN, DATABASE_KINDS, POSTGRES_URL, TESTS_START_AT
from tests.database_templates import (
    CONTENTS,
    DIRECTORY,
    MIGRATED,
    P001,
    P001_THEN_PROCEDURES,
    PROCEDURES,
    DatabaseTemplates,
)


@pytest.fixture
def templates(tmp_path: Path) -> DatabaseTemplates:
    """Templates of this test alone, so that it can count what they build."""
    folder = tmp_path / "templates"
    folder.mkdir()
    return DatabaseTemplates(folder, POSTGRES_URL, BPMN, TESTS_START_AT)


def _held(database: DatabaseEngine) -> tuple[int, list[str]]:
    """How many users and which deployed processes `database` holds."""
    with session_factory(database)() as session:
        users = session.scalar(select(func.count()).select_from(User)) or 0
        processes = sorted(set(session.scalars(select(Definition.key))))
    return users, processes


def _folder(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


@pytest.mark.parametrize("kind", DATABASE_KINDS)
def test_a_template_is_built_once_and_copied_for_every_test(
    templates: DatabaseTemplates, tmp_path: Path, kind: str
) -> None:
    try:
        for copy in range(3):
            with templates.copy(kind, P001, _folder(tmp_path, f"copy{copy}")) as database:
                assert _held(database)[1] == ["P001"]
        assert (templates.counts.migrations, templates.counts.deploys) == (1, 1)
        assert templates.counts.copies == {f"{kind}/{P001}": 3}
    finally:
        templates.close()


@pytest.mark.parametrize("kind", DATABASE_KINDS)
def test_a_copy_holds_what_its_template_was_built_with(
    templates: DatabaseTemplates, tmp_path: Path, kind: str
) -> None:
    held = {}
    try:
        for contents in CONTENTS:
            with templates.copy(kind, contents, _folder(tmp_path, contents)) as database:
                users, processes = _held(database)
                held[contents] = (users > 0, processes)
                assert templates.holds(database, contents)
    finally:
        templates.close()
    every_procedure = sorted(path.name.split("_")[0] for path in BPMN.glob("*.bpmn"))
    assert held == {
        MIGRATED: (False, []),
        DIRECTORY: (True, []),
        P001: (True, ["P001"]),
        PROCEDURES: (True, every_procedure),
        P001_THEN_PROCEDURES: (True, every_procedure),
    }


@pytest.mark.parametrize("kind", DATABASE_KINDS)
def test_what_a_test_writes_stays_in_its_own_copy(
    templates: DatabaseTemplates, tmp_path: Path, kind: str
) -> None:
    try:
        with templates.copy(kind, P001, _folder(tmp_path, "writer")) as writer:
            clock = ManualClock(TESTS_START_AT)
            engine = Engine(session_factory(writer), services=service_registry(), clock=clock)
            engine.start("P001", "despacho", _INVITATION)
            with templates.copy(kind, P001, _folder(tmp_path, "neighbour")) as neighbour:
                assert _cases(writer) == 1
                assert _cases(neighbour) == 0
        with templates.copy(kind, P001, _folder(tmp_path, "next")) as next_test:
            assert _cases(next_test) == 0
    finally:
        templates.close()


@pytest.mark.postgres
def test_a_postgresql_copy_is_dropped_after_its_test_and_the_templates_after_the_session(
    templates: DatabaseTemplates, tmp_path: Path
) -> None:
    with templates.copy("postgresql", MIGRATED, tmp_path) as database:
        name = database.url.database
        assert name in _postgres_databases()
    assert name not in _postgres_databases()
    assert any(n.startswith("bg_template_") for n in _postgres_databases())
    templates.close()
    assert not [n for n in _postgres_databases() if n.startswith(f"bg_template_{templates.tag}")]


def test_fixtures_copy_the_template_with_what_the_test_uses(
    database: DatabaseEngine, sessions: sessionmaker[Session], p001: Engine
) -> None:
    users, processes = _held(database)
    assert users > 0 and processes == ["P001"]


def test_the_procedures_fixture_copies_the_template_with_every_procedure(
    database: DatabaseEngine, procedures: Engine
) -> None:
    assert len(_held(database)[1]) == len(list(BPMN.glob("*.bpmn")))


def test_a_test_of_the_bare_database_gets_no_directory(database: DatabaseEngine) -> None:
    assert _held(database) == (0, [])


_INVITATION = {
    "instancia": "Junta Directiva de EMCALI",
    "asunto": "Sesión ordinaria de diciembre",
    "fecha_sesion": "2026-12-04",
    "tipo_delegacion": "puntual",
}


def _cases(database: DatabaseEngine) -> int:
    with database.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM cases")).scalar_one())


def _postgres_databases() -> set[str]:
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.connect() as connection:
            return set(connection.scalars(text("SELECT datname FROM pg_database")))
    finally:
        admin.dispose()
