"""Small drivers for tests: find a case's open task by element, complete it as a user."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine import Engine
from engine.bpm.clock import ManualClock
from storage.models import AuditEvent, Case, Task
from tests.conftest import BPMN, PROCESSES


def open_tasks(engine: Engine, business_key: str) -> list[Task]:
    with engine.sessions() as session:
        return list(
            session.scalars(
                select(Task)
                .join(Case)
                .where(Case.business_key == business_key, Task.state == "open")
                .order_by(Task.id)
            )
        )


def open_elements(engine: Engine, business_key: str) -> list[str]:
    return [task.element_id for task in open_tasks(engine, business_key)]


def task_for(engine: Engine, business_key: str, element_id: str) -> Task:
    matches = [t for t in open_tasks(engine, business_key) if t.element_id == element_id]
    assert matches, (
        f"{element_id} is not open in {business_key}: {open_elements(engine, business_key)}"
    )
    return matches[0]


def complete(
    engine: Engine, business_key: str, element_id: str, user: str, data: dict[str, Any]
) -> None:
    engine.complete(task_for(engine, business_key, element_id).id, user, data)


# A one-off delegation's written communication (P001's comunicar_delegacion, Ley 489 art. 10).
OFICIO = {
    "numero_oficio": "202641730100021",
    "fecha_oficio": "2026-12-01",
    "oficio_delegacion": "data:application/pdf;base64,JVBERi0xLjQK",
}


def communicate_delegation(engine: Engine, business_key: str, user: str = "despacho") -> None:
    """Despacho de Gobierno records the oficio of a one-off (or reassigned) delegation."""
    complete(engine, business_key, "comunicar_delegacion", user, OFICIO)


def hold_session(
    engine: Engine, business_key: str, user: str = "delegada", day: str = "2026-12-04"
) -> None:
    """The delegate reports the session held on `day`; the engine's clock moves to that
    afternoon first when it is earlier, because a session cannot be reported before it happens.
    A one-off delegation whose oficio is still to be recorded gets it first (`OFICIO`): the
    delegate is notified only after it."""
    if "comunicar_delegacion" in open_elements(engine, business_key):
        communicate_delegation(engine, business_key)
    held_at = datetime.combine(date.fromisoformat(day), time(17), ZoneInfo("America/Bogota"))
    if isinstance(engine.clock, ManualClock) and engine.clock.now() < held_at:
        engine.clock.set(held_at)
    complete(
        engine,
        business_key,
        "confirmar_sesion",
        user,
        {"novedad_sesion": "realizada", "fecha_realizacion": day},
    )


def case_row(engine: Engine, business_key: str) -> Case:
    with engine.sessions() as session:
        case = session.scalars(select(Case).where(Case.business_key == business_key)).one()
        session.expunge(case)
        return case


def audit_actions(engine: Engine, business_key: str) -> list[str]:
    with engine.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .join(Case, Case.id == AuditEvent.case_id)
                .where(Case.business_key == business_key)
                .order_by(AuditEvent.seq)
            )
        )


def follow_commitments(
    engine: Engine, business_key: str, status: str = "cumplido", verifier: str = "despacho"
) -> list[str | None]:
    """Work P005's follow-up inside the case: each commitment's responsible reports progress,
    Despacho de Gobierno verifies it with `status`. Returns the report tasks' assignees."""
    reports = [t for t in open_tasks(engine, business_key) if t.element_id == "reportar_avance"]
    for report in reports:
        assert report.assignee is not None
        engine.complete(report.id, report.assignee, {"avance": "Avance reportado"})
        verification = task_for(engine, business_key, "verificar_compromiso")
        assert verification.candidate_group == "despacho_gobierno"
        engine.complete(verification.id, verifier, {"estado_compromiso": status})
    return [report.assignee for report in reports]


def race(*actions: Callable[[], Any]) -> list[BaseException | None]:
    """Run the actions at the same instant in threads; each one's exception or None."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[BaseException | None] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            action()
        except BaseException as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def deploy_edited_p001(engine: Engine, tmp_path: Path, original: str, replacement: str) -> None:
    """Deploy P001 with its first `original` text replaced (and the processes it calls), from a
    copy of processes/ under `tmp_path`: a diagram an analyst edited."""
    folder = tmp_path / "processes" / "bpmn"
    folder.mkdir(parents=True)
    shutil.copytree(PROCESSES / "forms", tmp_path / "processes" / "forms")
    for called in ("P003_actos_administrativos.bpmn", "P005_seguimiento_compromisos.bpmn"):
        shutil.copy(BPMN / called, folder)
    diagram = (BPMN / "P001_delegaciones.bpmn").read_text(encoding="utf-8")
    assert original in diagram
    (folder / "P001_delegaciones.bpmn").write_text(
        diagram.replace(original, replacement, 1), encoding="utf-8"
    )
    engine.deploy([folder / "P001_delegaciones.bpmn"], "admin")
