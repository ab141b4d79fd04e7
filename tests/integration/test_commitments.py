"""Policy 1: a meeting's commitments become tracked rows, followed to cumplido, reprogramado
(keeping the history of dates and reasons) or incumplido."""

from __future__ import annotations

from sqlalchemy import select

from engine import Engine
from storage.models import Case, Commitment
from tests.conftest import BPMN
from tests.helpers import open_tasks, task_for
from tests.integration.scenario_run import ScenarioRun


def test_meeting_commitments_are_tracked_rows_and_reprogramming_keeps_history(
    scenario_run: ScenarioRun,
) -> None:
    [result] = [
        result
        for (procedure, name), result in scenario_run.results.items()
        if procedure == "P005" and "tres compromisos" in name
    ]
    assert result.passed, result.failures

    with scenario_run.engine.sessions() as session:
        rows = session.scalars(
            select(Commitment)
            .join(Case)
            .where(Case.business_key == result.business_key)
            .order_by(Commitment.id)
        ).all()
    by_responsible = {row.responsible: row for row in rows}
    assert {row.origin for row in rows} == {"P005"}
    assert {responsible: row.status for responsible, row in by_responsible.items()} == {
        "salud": "cumplido",
        "movilidad": "cumplido",
        "educacion": "incumplido",
    }
    reprogrammed = by_responsible["movilidad"]
    statuses = [entry["status"] for entry in reprogrammed.history]
    assert statuses == ["pendiente", "reprogramado", "cumplido"]
    change = reprogrammed.history[1]
    assert change["reason"] and change["previous_due"] != change["new_due"]
    assert reprogrammed.due_date.isoformat() == change["new_due"]


def test_each_commitment_task_names_its_commitment(engine: Engine) -> None:
    """Issue 13, defect 9: "Reportar avance" rows of two commitments were identical."""
    engine.deploy([BPMN / "P005_seguimiento_compromisos.bpmn"], "admin")
    meeting = {
        "fecha_reunion": "2026-12-01",
        "asistentes": ["Ana Pérez"],
        "objetivo": "Seguimiento",
        "orden_del_dia": ["Compromisos"],
        "desarrollo": "Se acordaron dos compromisos.",
        "compromisos": [
            {
                "descripcion": "Enviar el informe",
                "responsable": "salud",
                "fecha_limite": "2026-12-15",
            },
            {
                "descripcion": "Citar la mesa",
                "responsable": "movilidad",
                "fecha_limite": "2026-12-18",
            },
        ],
    }
    key = engine.start("P005", "despacho", meeting)
    assert sorted(t.name for t in open_tasks(engine, key)) == [
        "Reportar avance: Citar la mesa (movilidad, vence el 18 de diciembre de 2026)",
        "Reportar avance: Enviar el informe (salud, vence el 15 de diciembre de 2026)",
    ]
    report = task_for(engine, key, "reportar_avance")
    engine.complete(report.id, report.assignee or "", {"avance": "Hecho"})
    (verification,) = [t for t in open_tasks(engine, key) if t.element_id == "verificar_compromiso"]
    assert verification.name.startswith("Verificar cumplimiento: ")
    assert verification.name.removeprefix("Verificar cumplimiento: ") == report.name.removeprefix(
        "Reportar avance: "
    )
