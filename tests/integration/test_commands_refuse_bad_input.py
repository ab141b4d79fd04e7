"""Bad input (invalid form data, wrong user, cancelled case, failing handler) changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine import (
    Conflict,
    Engine,
    Forbidden,
    HandlerContext,
    Incident,
    ManualClock,
    ServiceRegistry,
    ValidationError,
)
from handlers import acts, commitments, viability
from storage.models import AuditEvent, Case, Task
from tests.conftest import BPMN
from tests.helpers import (
    OFICIO,
    audit_actions,
    case_row,
    complete,
    hold_session,
    open_elements,
    task_for,
)
from tests.integration.test_p001_paths import FICHA, PROPOSAL, start


def _snapshot(engine: Engine) -> tuple[Any, ...]:
    with engine.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(AuditEvent)),
            tuple(session.scalars(select(Case.version).order_by(Case.id))),
            tuple(session.execute(select(Task.id, Task.state, Task.assignee).order_by(Task.id))),
        )


def test_form_data_violating_the_schema_lists_field_errors_and_changes_nothing(
    p001: Engine,
) -> None:
    key = start(p001)
    before = _snapshot(p001)
    with pytest.raises(ValidationError) as error:
        complete(p001, key, "proponer_delegado", "despacho", {"delegado": 42, "justificacion": "x"})
    assert error.value.field_errors == {
        "cargo_delegado": "este campo es obligatorio",
        "delegado": "el tipo de dato no es válido",
    }
    assert _snapshot(p001) == before


def test_commitments_need_a_valid_due_date(p001: Engine) -> None:
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    hold_session(p001, key)
    bad = {
        **FICHA,
        "compromisos": [{"descripcion": "x", "responsable": "salud", "fecha_limite": "31/12/2026"}],
    }
    with pytest.raises(ValidationError) as error:
        complete(p001, key, "diligenciar_ficha", "delegada", bad)
    assert "compromisos.0.fecha_limite" in error.value.field_errors


@pytest.mark.parametrize("intruder", ["salud", "alcalde", "calidad"])
def test_a_user_outside_the_group_is_forbidden_and_nothing_changes(
    p001: Engine, intruder: str
) -> None:
    key = start(p001)
    before = _snapshot(p001)
    task = task_for(p001, key, "proponer_delegado")
    with pytest.raises(Forbidden):
        p001.claim(task.id, intruder)
    with pytest.raises(Forbidden):
        p001.complete(task.id, intruder, PROPOSAL)
    assert _snapshot(p001) == before


def test_only_the_named_delegate_may_file_the_ficha(p001: Engine) -> None:
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    hold_session(p001, key)
    with pytest.raises(Forbidden):
        complete(
            p001, key, "diligenciar_ficha", "cultura", FICHA
        )  # same organism, not the delegate
    complete(p001, key, "diligenciar_ficha", "delegada", FICHA)


def test_a_task_claimed_by_a_colleague_cannot_be_completed_by_another_member(p001: Engine) -> None:
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    p001.claim(task.id, "despacho2")
    with pytest.raises(Forbidden, match="asignada a despacho2"):
        p001.complete(task.id, "despacho", PROPOSAL)
    p001.unclaim(task.id, "despacho2")
    p001.complete(task.id, "despacho", PROPOSAL)


def test_coordinators_reassign_within_their_group_others_cannot(p001: Engine) -> None:
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    with pytest.raises(Forbidden):
        p001.reassign(task.id, "despacho2", "despacho")
    with pytest.raises(Conflict, match="no pertenece"):
        p001.reassign(task.id, "despacho", "salud")
    p001.reassign(task.id, "despacho", "despacho2")
    assert task_for(p001, key, "proponer_delegado").assignee == "despacho2"
    assert "task_reassigned" in audit_actions(p001, key)


def test_a_cancelled_case_closes_its_tasks_and_refuses_completion(p001: Engine) -> None:
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    with pytest.raises(Forbidden):
        p001.cancel(key, "salud", "no soy del despacho")
    p001.cancel(key, "despacho", "La sesión fue aplazada sin fecha")
    assert case_row(p001, key).status == "cancelled"
    assert open_elements(p001, key) == []
    with pytest.raises(Conflict, match="cancelada"):
        p001.complete(task.id, "despacho", PROPOSAL)
    assert audit_actions(p001, key)[-2:] == ["case_cancelled", "task_cancelled"]
    assert p001.verify_audit(key) == []


def _registry_with_broken_notify() -> ServiceRegistry:
    registry = ServiceRegistry()
    for module in (commitments, acts, viability):
        module.register(registry)

    @registry.register("notify")
    def broken_notify(context: HandlerContext) -> dict[str, Any]:
        raise ConnectionError("servidor de correo caído")

    return registry


def test_a_failing_handler_is_an_incident_on_the_case_and_the_step_is_not_half_written(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    engine = Engine(sessions, services=_registry_with_broken_notify(), clock=clock)
    engine.deploy([BPMN / "P001_delegaciones.bpmn"], "admin")
    key = start(engine)
    complete(engine, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(engine, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    oficio = task_for(engine, key, "comunicar_delegacion")

    with pytest.raises(Incident, match=r"notificar_delegado.*servidor de correo caído"):
        engine.complete(oficio.id, "despacho", OFICIO)

    assert open_elements(engine, key) == ["comunicar_delegacion"]
    case = case_row(engine, key)
    assert case.status == "running"
    assert "servidor de correo caído" in (case.last_error or "")
    assert audit_actions(engine, key)[-1] == "incident"
    assert engine.verify_audit(key) == []


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"fecha_sesion": "2027-06-30"}, "fecha_sesion"),
        ({"today": "x"}, "today"),
        ({"compromisos": [{"descripcion": "x"}]}, "compromisos"),
    ],
)
def test_a_field_the_form_does_not_define_is_refused_and_changes_nothing(
    p001: Engine, extra: dict[str, Any], field: str
) -> None:
    """Adding the session date to the delegate proposal would move the ficha's legal deadline;
    adding `today` would block every later expression of the case."""
    key = start(p001)
    before = _snapshot(p001)
    data_before = case_row(p001, key).data
    with pytest.raises(ValidationError) as error:
        complete(p001, key, "proponer_delegado", "despacho", {**PROPOSAL, **extra})
    assert error.value.field_errors == {field: "campo no permitido en este formulario"}
    assert _snapshot(p001) == before
    assert case_row(p001, key).data == data_before


def test_a_nested_field_the_form_does_not_define_is_refused(p001: Engine) -> None:
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    hold_session(p001, key)
    row = {"descripcion": "x", "responsable": "salud", "fecha_limite": "2026-12-31", "x": 1}
    with pytest.raises(ValidationError) as error:
        complete(p001, key, "diligenciar_ficha", "delegada", {**FICHA, "compromisos": [row]})
    assert error.value.field_errors == {"compromisos.0.x": "campo no permitido en este formulario"}


def test_start_data_outside_the_start_form_is_refused(p001: Engine) -> None:
    with pytest.raises(ValidationError, match="estado: campo no permitido"):
        p001.start(
            "P001",
            "despacho",
            {"instancia": "Junta", "asunto": "S", "fecha_sesion": "2026-12-04",
             "tipo_delegacion": "puntual", "estado": "completed"},
        )  # fmt: skip
    with p001.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
