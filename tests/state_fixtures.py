"""Committed case states (tests/data/states/v<format>/): how they are made and how they go on.

Each fixture is a real case driven through the engine's commands to a representative point,
saved as the engine stores it: `<name>.state` (the `cases.state` bytes), `<name>.json` (how the
case was started, its data, and the steps that continue it) and `<process>.spec.json` (the
definition's `spec`, stored once per deployed version, as the engine does). A test loads every committed state with the
current code and continues the case, so a SpiffWorkflow upgrade or a change of our own format
that cannot read them fails the suite. When the state format changes, write the new format's
fixtures into a new directory and keep the old ones:

    .venv/bin/python -m tests.state_fixtures tests/data/states/v2
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine import Engine, ManualClock, fire_due_timers
from engine.people.directory import ensure_groups, load_demo_users
from handlers import service_registry
from storage.database import create_database_engine, session_factory
from storage.migrate import upgrade_to_head
from storage.models import Case
from tests.conftest import BOGOTA, BPMN
from tests.helpers import complete
from tests.integration.test_p001_paths import FICHA, INVITATION, PROPOSAL

STATES = Path(__file__).resolve().parent / "data" / "states"
# Every fixture case was driven with the clock at this instant (the suite's default clock).
STARTED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=BOGOTA)


def meta_of(state_file: Path) -> dict[str, Any]:
    """How a committed state's case was started and goes on (its `<name>.json`)."""
    meta: dict[str, Any] = json.loads(state_file.with_suffix(".json").read_text())
    return meta


def spec_of(state_file: Path) -> str:
    """The deployed spec a committed state's case runs on, as the definition stores it."""
    return (state_file.parent / f"{meta_of(state_file)['process']}.spec.json").read_text()


# {"complete": element, "as": user, "data": {...}}, or {"clock": instant, "fires": n}: move the
# clock and fire the due timers, which must advance n cases.
Step = dict[str, Any]

APPROVAL = {"decision_secretario": "aprobar"}
RESOLUCION = {
    "tipo_acto": "resolucion",
    "clase_acto": "general",
    "asunto": "Comité de convivencia escolar de la Secretaría de Educación",
    "organismo_productor": "secretaria_educacion",
    "borrador": "data:application/pdf;base64,JVBERi0xLjQKJcfsj6IK",
}
VB_ORGANISMO = {"visto_bueno_organismo": "otorgado"}
DAGJP_NEGADO = {"visto_bueno_dagjp": "negado", "observaciones_dagjp": "Falta citar la Ley 1620"}
AJUSTE = {
    "decision_correccion": "ajustado",
    "descripcion_ajustes": "Se cita la Ley 1620 de 2013",
    "borrador_ajustado": "data:application/pdf;base64,JVBERi0xLjUK",
}


@dataclass(frozen=True)
class StateFixture:
    """A case: how it starts, the steps that bring it to the saved point, the steps after it."""

    process: str
    starter: str
    start: dict[str, Any]
    before: list[Step]
    after: list[Step]
    open_after: list[str]
    notes: str = ""


FIXTURES: dict[str, StateFixture] = {
    "p001_mid_way": StateFixture(
        "P001",
        "despacho",
        INVITATION,
        before=[{"complete": "proponer_delegado", "as": "despacho", "data": PROPOSAL}],
        after=[{"complete": "aprobar_delegacion", "as": "secretario", "data": APPROVAL}],
        open_after=["diligenciar_ficha"],
        notes="P001 waiting for the secretary's approval of the proposed delegate.",
    ),
    "p001_waiting_timer": StateFixture(
        "P001",
        "despacho",
        INVITATION,
        before=[
            {"complete": "proponer_delegado", "as": "despacho", "data": PROPOSAL},
            {"complete": "aprobar_delegacion", "as": "secretario", "data": APPROVAL},
        ],
        # The reminder (one business day before the ficha's term) fires, the task stays open.
        after=[{"clock": "2026-12-09T09:00:00-05:00", "fires": 1}],
        open_after=["diligenciar_ficha"],
        notes="P001 ficha open with its reminder and expiry boundary timers waiting.",
    ),
    "p001_in_call_activity": StateFixture(
        "P001",
        "despacho",
        INVITATION,
        before=[
            {"complete": "proponer_delegado", "as": "despacho", "data": PROPOSAL},
            {"complete": "aprobar_delegacion", "as": "secretario", "data": APPROVAL},
            {"complete": "diligenciar_ficha", "as": "delegada", "data": FICHA},
        ],
        after=[{"complete": "reportar_avance", "as": "salud", "data": {"avance": "Enviado"}}],
        open_after=["reportar_avance", "verificar_compromiso"],
        notes="P001 inside P005 (call activity, multi-instance): one report per commitment.",
    ),
    "p003_correction_loop": StateFixture(
        "P003",
        "despacho",
        RESOLUCION,
        before=[
            {"complete": "visto_bueno_organismo", "as": "educacion", "data": VB_ORGANISMO},
            {"complete": "visto_bueno_dagjp", "as": "juridica", "data": DAGJP_NEGADO},
            {"complete": "corregir_acto", "as": "educacion", "data": AJUSTE},
            {"complete": "visto_bueno_organismo", "as": "educacion", "data": VB_ORGANISMO},
            {"complete": "visto_bueno_dagjp", "as": "juridica", "data": DAGJP_NEGADO},
        ],
        after=[{"complete": "corregir_acto", "as": "educacion", "data": AJUSTE}],
        open_after=["visto_bueno_organismo", "visto_bueno_dagjp"],
        notes="P003 in its second round of the correction loop, the correction open.",
    ),
}


def run_steps(engine: Engine, clock: ManualClock, business_key: str, steps: list[Step]) -> None:
    """Drive a case through steps: complete a task as a user, or move the clock and fire timers."""
    for step in steps:
        if "clock" in step:
            clock.set(datetime.fromisoformat(step["clock"]))
            fired = fire_due_timers(engine)
            assert fired == step["fires"], (
                f"{fired} timers fired at {step['clock']}, not {step['fires']}"
            )
        else:
            complete(engine, business_key, step["complete"], step["as"], step["data"])


def write_fixture(engine: Engine, clock: ManualClock, name: str, directory: Path) -> None:
    fixture = FIXTURES[name]
    clock.set(STARTED_AT)
    key = engine.start(fixture.process, fixture.starter, fixture.start)
    run_steps(engine, clock, key, fixture.before)
    with engine.sessions() as session:
        case = session.scalars(select(Case).where(Case.business_key == key)).one()
        (directory / f"{name}.state").write_bytes(case.state)
        (directory / f"{fixture.process}.spec.json").write_text(case.definition.spec)
        meta = {
            "notes": fixture.notes,
            "process": fixture.process,
            "starter": fixture.starter,
            "start": fixture.start,
            "data": case.data,
            "after": fixture.after,
            "open_after": fixture.open_after,
        }
    (directory / f"{name}.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")


def fresh_engine(database_file: Path) -> tuple[Engine, ManualClock]:
    """An engine on a new SQLite file with the demo directory and every procedure deployed."""
    database = create_database_engine(f"sqlite:///{database_file}")
    upgrade_to_head(database)
    sessions = session_factory(database)
    with sessions() as session, session.begin():
        ensure_groups(session)
        load_demo_users(session)
    clock = ManualClock(STARTED_AT)
    engine = Engine(sessions, services=service_registry(), clock=clock)
    engine.deploy(sorted(BPMN.glob("*.bpmn")), "admin")
    return engine, clock


def write_all(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        engine, clock = fresh_engine(Path(scratch) / "fixtures.sqlite3")
        for name in FIXTURES:
            write_fixture(engine, clock, name, directory)


if __name__ == "__main__":
    write_all(Path(sys.argv[1]))
