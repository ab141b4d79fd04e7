"""Migrating running cases to another version of their procedure: the pre-check per case in
plain words, the dry run that changes nothing, and the batch, each case its own command with
an event in its own audit chain."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from engine import Engine, Forbidden, ManualClock, fire_due_timers
from storage.models import AuditEvent, Case, Definition, Job, Task, WorkbenchEvent
from tests.conftest import PROCESSES
from tests.helpers import audit_actions, complete, hold_session, open_elements, open_tasks
from tests.integration.test_p001_paths import PROPOSAL, start
from tests.p001_versions import (
    P001_XML,
    RENAMED,
    WITHOUT_PROPOSAL,
    called_processes,
    deploy_version,
)


@pytest.fixture
def p001(p001: Engine) -> Engine:
    """P001 with the processes it calls deployed on their own: a draft of P001 calls them."""
    p001.deploy(called_processes(), "admin")
    return p001


def snapshot(engine: Engine, business_key: str) -> tuple[object, ...]:
    """Everything a migration could change about a case."""
    with engine.sessions() as session:
        case = session.scalars(select(Case).where(Case.business_key == business_key)).one()
        rows = session.execute(
            select(Task.id, Task.name, Task.state).where(Task.case_id == case.id).order_by(Task.id)
        ).all()
        jobs = session.execute(select(Job.id, Job.due_at).where(Job.case_id == case.id)).all()
        return (case.definition_id, case.state, case.version, case.audit_seq, rows, jobs)


def version_of(engine: Engine, business_key: str) -> int:
    with engine.sessions() as session:
        return int(
            session.scalar(
                select(Definition.version)
                .join(Case, Case.definition_id == Definition.id)
                .where(Case.business_key == business_key)
            )
        )


def test_a_version_1_case_moved_to_version_2_continues_there_with_the_renamed_task(
    p001: Engine,
) -> None:
    key = start(p001)
    assert deploy_version(p001, RENAMED) == 2

    report = p001.migrate("P001", 2, "analista")

    assert [c.business_key for c in report.migrated] == [key] and report.refused == []
    assert version_of(p001, key) == 2
    [task] = open_tasks(p001, key)
    assert (task.element_id, task.name) == ("proponer_delegado", "Postular delegado")
    assert key in {t.case for t in p001.tasks("despacho")}
    with p001.sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case_migrated")
        ).one()
    assert event.actor == "analista" and event.definition_version == 2
    assert (event.payload["from_version"], event.payload["to_version"]) == (1, 2)
    assert p001.verify_audit(key) == []
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    assert open_elements(p001, key) == ["aprobar_delegacion"]


def test_a_case_whose_active_task_was_removed_is_refused_with_the_reason_and_unchanged(
    p001: Engine,
) -> None:
    key = start(p001)
    deploy_version(p001, WITHOUT_PROPOSAL)
    before = snapshot(p001, key)

    report = p001.migrate("P001", 2, "analista")

    assert report.migrated == []
    [refused] = report.refused
    assert refused.business_key == key
    assert refused.refusals == (
        "'Proponer delegado' (proponer_delegado) está activa en el caso y no existe en la versión 2",
    )
    assert snapshot(p001, key) == before
    assert "case_migrated" not in audit_actions(p001, key)


def test_a_case_past_the_removed_task_moves_and_goes_on(p001: Engine) -> None:
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    deploy_version(p001, WITHOUT_PROPOSAL)

    assert [c.business_key for c in p001.migrate("P001", 2, "analista").migrated] == [key]

    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    hold_session(p001, key)
    assert open_elements(p001, key) == ["diligenciar_ficha"]


def test_the_dry_run_reports_each_case_in_words_and_changes_nothing(p001: Engine) -> None:
    at_proposal = start(p001)
    at_approval = start(p001)
    complete(p001, at_approval, "proponer_delegado", "despacho", PROPOSAL)
    deploy_version(p001, WITHOUT_PROPOSAL)
    before = [snapshot(p001, at_proposal), snapshot(p001, at_approval)]

    report = p001.check_migration("P001", 2, "analista")

    assert report.dry_run
    assert [(c.business_key, c.at, c.migratable) for c in report.cases] == [
        (at_proposal, ("Proponer delegado",), False),
        (at_approval, ("Aprobar delegación",), True),
    ]
    assert [snapshot(p001, at_proposal), snapshot(p001, at_approval)] == before
    with p001.sessions() as session:
        logged = session.scalars(select(WorkbenchEvent.action)).all()
    assert logged[-1] == "migration_checked"


def test_a_form_that_no_longer_accepts_the_case_data_refuses_the_case(p001: Engine) -> None:
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    returned = {"decision_secretario": "devolver", "observaciones_secretario": "Otro perfil"}
    complete(p001, key, "aprobar_delegacion", "secretario", returned)
    forms_folder = PROCESSES / "forms"
    forms = {f.name: json.loads(f.read_text()) for f in forms_folder.glob("P001.*.json")}
    forms["P001.propuesta.schema.json"]["properties"]["cargo_delegado"]["maxLength"] = 10
    deploy_version(p001, P001_XML, forms)

    [check] = p001.check_migration("P001", 2, "analista").cases

    assert check.refusals == (
        "el formulario de 'Proponer delegado' en la versión 2 no acepta el dato "
        "'cargo_delegado' que el caso ya tiene ('Subsecretaria de Cultura'): es demasiado largo",
    )


def test_waiting_timers_keep_their_due_time_and_still_fire(
    p001: Engine, clock: ManualClock
) -> None:
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    hold_session(p001, key)
    jobs = snapshot(p001, key)[5]
    deploy_version(p001, RENAMED)

    assert len(p001.migrate("P001", 2, "analista").migrated) == 1

    assert snapshot(p001, key)[5] == jobs
    clock.set(datetime.fromisoformat("2026-12-10T08:00:00-05:00"))
    assert fire_due_timers(p001) == 1
    assert audit_actions(p001, key)[-1] in ("timer_fired", "task_created", "element_completed")


@pytest.mark.parametrize("username", ["despacho", "secretario", "calidad"])
def test_only_analysts_and_administrators_migrate(p001: Engine, username: str) -> None:
    key = start(p001)
    deploy_version(p001, RENAMED)
    before = snapshot(p001, key)
    with pytest.raises(Forbidden):
        p001.check_migration("P001", 2, username)
    with pytest.raises(Forbidden):
        p001.migrate("P001", 2, username)
    assert snapshot(p001, key) == before
    assert len(p001.migrate("P001", 2, "admin").migrated) == 1


def test_a_finished_case_or_one_already_there_is_refused_by_name(p001: Engine) -> None:
    key = start(p001)
    deploy_version(p001, RENAMED)
    p001.cancel(key, "despacho", "La sesión se aplazó")

    report = p001.migrate("P001", 2, "analista", cases=[key, "P001-2026-09999"])

    assert {c.business_key: c.refusals for c in report.refused} == {
        key: ("el caso está anulado: solo se migran casos en curso",),
        "P001-2026-09999": ("el caso P001-2026-09999 no existe",),
    }
