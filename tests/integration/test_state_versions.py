"""Saved case states stay readable: committed states of every format load and go on; an older
format is migrated, one this code does not know is refused and the case is left untouched."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from engine import Engine, ManualClock, UnreadableState, exit_code_for
from engine.authorization import SYSTEM
from engine.bpm.definition_cache import DefinitionCache
from engine.bpm.runtime import CaseRun
from engine.bpm.state_format import MIGRATIONS, SPIFF_VERSION, SPIFF_VERSION_KEY, STATE_FORMAT
from storage.models import AuditEvent, Case
from tests.helpers import open_elements, task_for
from tests.state_fixtures import FIXTURES, STARTED_AT, STATES, meta_of, run_steps, spec_of

COMMITTED = sorted(STATES.glob("v*/*.state"))
CURRENT = STATES / f"v{STATE_FORMAT}"
MID_WAY = CURRENT / "p001_mid_way.state"
# SpiffWorkflow 3.2 ships migrations for serializer versions 1.0 to 1.4.
OLDER_SPIFF = "1.4"


def fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def decoded(state: bytes) -> dict[str, Any]:
    parts: dict[str, Any] = json.loads(zlib.decompress(state))
    return parts


def relabelled_state(state_file: Path, **changes: object) -> bytes:
    parts = {**decoded(state_file.read_bytes()), **changes}
    return zlib.compress(json.dumps({k: v for k, v in parts.items() if v is not None}).encode())


def relabelled_spec(state_file: Path, version: str) -> str:
    return json.dumps({**json.loads(spec_of(state_file)), SPIFF_VERSION_KEY: version})


def install(
    engine: Engine,
    clock: ManualClock,
    state_file: Path,
    state: bytes | None = None,
    spec: str | None = None,
) -> str:
    """A running case whose definition spec and state are the committed ones, inbox rebuilt."""
    meta = meta_of(state_file)
    clock.set(STARTED_AT)
    key = engine.start(meta["process"], meta["starter"], meta["start"])
    with engine.unit_of_work() as session:
        case = session.scalars(select(Case).where(Case.business_key == key)).one()
        case.definition.spec = spec or spec_of(state_file)
        case.state = state or state_file.read_bytes()
        case.data = meta["data"]
        session.flush()
        # A deployed spec never changes in production, so the engine caches it: this test
        # replaced one, and drops the cache.
        engine.definitions = DefinitionCache()
        run = CaseRun(session, case, SYSTEM, clock, engine.services, definitions=engine.definitions)
        run.take_rows_from_database()
        run.sync_tasks()
        run.sync_timer_jobs()
        run.save()
    return key


def overwrite_state(engine: Engine, key: str, state: bytes) -> None:
    with engine.unit_of_work() as session:
        case = session.scalars(select(Case).where(Case.business_key == key)).one()
        case.state = state


def stored(engine: Engine, key: str) -> tuple[bytes, int, int, list[str]]:
    """What a refused command must leave alone: state, version, audit trail, open tasks."""
    with engine.sessions() as session:
        case = session.scalars(select(Case).where(Case.business_key == key)).one()
        events = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case.id)
        )
        return case.state, case.version, int(events or 0), open_elements(engine, key)


def continue_case(engine: Engine, clock: ManualClock, key: str, state_file: Path) -> None:
    run_steps(engine, clock, key, meta_of(state_file)["after"])


def test_committed_states_of_the_current_format_cover_every_representative_case() -> None:
    assert sorted(path.stem for path in CURRENT.glob("*.state")) == sorted(FIXTURES)
    assert {path.parent.name for path in COMMITTED} >= {"v1", f"v{STATE_FORMAT}"}


def test_current_fixtures_were_written_by_the_installed_spiffworkflow_serializer() -> None:
    # A SpiffWorkflow upgrade that changes its serializer version fails here first.
    versions = {decoded(p.read_bytes())[SPIFF_VERSION_KEY] for p in CURRENT.glob("*.state")}
    specs = {json.loads(p.read_text())[SPIFF_VERSION_KEY] for p in CURRENT.glob("*.spec.json")}

    assert versions | specs == {SPIFF_VERSION}


def test_every_older_format_has_a_migration_to_the_next() -> None:
    assert sorted(MIGRATIONS) == list(range(1, STATE_FORMAT))


@pytest.mark.parametrize("state_file", COMMITTED, ids=fixture_id)
def test_committed_state_loads_and_the_case_goes_on(
    procedures: Engine, clock: ManualClock, state_file: Path
) -> None:
    key = install(procedures, clock, state_file)

    continue_case(procedures, clock, key, state_file)

    assert open_elements(procedures, key) == meta_of(state_file)["open_after"]


def test_saved_state_carries_our_format_and_spiffworkflows_serializer_version(
    procedures: Engine,
) -> None:
    key = procedures.start("P001", "despacho", meta_of(MID_WAY)["start"])

    state = decoded(stored(procedures, key)[0])

    assert (state["format"], state[SPIFF_VERSION_KEY]) == (STATE_FORMAT, SPIFF_VERSION)


@pytest.mark.parametrize("state_file", sorted(STATES.glob("v1/*.state")), ids=fixture_id)
def test_format_1_state_is_migrated_to_the_current_format(
    procedures: Engine, clock: ManualClock, state_file: Path
) -> None:
    assert "format" in decoded(state_file.read_bytes())
    assert SPIFF_VERSION_KEY not in decoded(state_file.read_bytes())
    key = install(procedures, clock, state_file)

    state = decoded(stored(procedures, key)[0])

    assert (state["format"], state[SPIFF_VERSION_KEY]) == (STATE_FORMAT, SPIFF_VERSION)


def test_state_of_an_older_spiff_serializer_runs_spiffs_migrations_and_goes_on(
    procedures: Engine, clock: ManualClock
) -> None:
    key = install(
        procedures,
        clock,
        MID_WAY,
        state=relabelled_state(MID_WAY, **{SPIFF_VERSION_KEY: OLDER_SPIFF}),
        spec=relabelled_spec(MID_WAY, OLDER_SPIFF),
    )

    continue_case(procedures, clock, key, MID_WAY)

    assert open_elements(procedures, key) == meta_of(MID_WAY)["open_after"]
    assert decoded(stored(procedures, key)[0])[SPIFF_VERSION_KEY] == SPIFF_VERSION


def test_spec_deployed_under_an_older_spiff_serializer_is_migrated_for_new_cases(
    procedures: Engine, clock: ManualClock
) -> None:
    key = install(procedures, clock, MID_WAY, spec=relabelled_spec(MID_WAY, OLDER_SPIFF))
    started = procedures.start("P001", "despacho", meta_of(MID_WAY)["start"])

    continue_case(procedures, clock, key, MID_WAY)

    assert open_elements(procedures, key) == meta_of(MID_WAY)["open_after"]
    assert open_elements(procedures, started) == ["proponer_delegado"]


REFUSED = {
    "newer_format": (relabelled_state(MID_WAY, format=STATE_FORMAT + 1), "más nuevo"),
    "unknown_format": (relabelled_state(MID_WAY, format="dos"), "desconocido"),
    "no_format": (relabelled_state(MID_WAY, format=None), "desconocido"),
    "newer_spiff_serializer": (relabelled_state(MID_WAY, **{SPIFF_VERSION_KEY: "9.0"}), "9.0"),
    "no_spiff_serializer": (relabelled_state(MID_WAY, **{SPIFF_VERSION_KEY: None}), "None"),
    "not_a_state": (b"not a state", "no se pudo leer"),
    # Saved by an older SpiffWorkflow but deployed under another one: no migration covers both.
    "spiff_versions_mixed": (relabelled_state(MID_WAY, **{SPIFF_VERSION_KEY: "1.3"}), "juntos"),
}


@pytest.mark.parametrize("refused", list(REFUSED))
def test_state_this_code_cannot_read_is_refused_naming_the_case_and_nothing_changes(
    procedures: Engine, clock: ManualClock, refused: str
) -> None:
    state, reason = REFUSED[refused]
    key = install(procedures, clock, MID_WAY)
    overwrite_state(procedures, key, state)
    before = stored(procedures, key)
    task = task_for(procedures, key, "aprobar_delegacion")

    with pytest.raises(UnreadableState) as refusal:
        procedures.complete(task.id, "secretario", {"decision_secretario": "aprobar"})

    assert key in str(refusal.value)
    assert reason in str(refusal.value)
    assert "no se cambió nada" in str(refusal.value)
    assert exit_code_for(refusal.value) == 12
    assert stored(procedures, key) == before


def test_spec_of_an_unknown_spiff_serializer_is_refused(
    procedures: Engine, clock: ManualClock
) -> None:
    key = install(procedures, clock, MID_WAY)
    with procedures.unit_of_work() as session:
        case = session.scalars(select(Case).where(Case.business_key == key)).one()
        case.definition.spec = relabelled_spec(MID_WAY, "9.0")
    procedures.definitions = DefinitionCache()  # the deployed spec was replaced: see install()
    before = stored(procedures, key)
    task = task_for(procedures, key, "aprobar_delegacion")

    with pytest.raises(UnreadableState, match=r"la definición P001 .* '9\.0'"):
        procedures.complete(task.id, "secretario", {"decision_secretario": "aprobar"})

    assert stored(procedures, key) == before


def test_failing_spiff_migration_is_refused_and_nothing_changes(
    procedures: Engine, clock: ManualClock
) -> None:
    # SpiffWorkflow 3.2's own 1.4 → 1.5 migration fails on any workflow with a subprocess.
    inside = CURRENT / "p001_in_call_activity.state"
    key = install(procedures, clock, inside)
    with procedures.unit_of_work() as session:
        case = session.scalars(select(Case).where(Case.business_key == key)).one()
        case.definition.spec = relabelled_spec(inside, OLDER_SPIFF)
        case.state = relabelled_state(inside, **{SPIFF_VERSION_KEY: OLDER_SPIFF})
    procedures.definitions = DefinitionCache()  # the deployed spec was replaced: see install()
    before = stored(procedures, key)
    task = task_for(procedures, key, "reportar_avance")

    with pytest.raises(
        UnreadableState, match=f"migración de SpiffWorkflow desde la versión {OLDER_SPIFF}"
    ):
        procedures.complete(task.id, "salud", {"avance": "Enviado"})

    assert stored(procedures, key) == before
