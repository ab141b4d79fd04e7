"""Issue 13: every user task of the eight procedures that has a legal or policy term carries its due date
(`dueDateExpression`, in business days); the few without one are named here, each with why."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from engine import Engine, ManualClock
from engine.bpm.bpmn_xml import Element, executable_processes, parse_xml, process_elements
from engine.bpm.definitions import forms_for
from engine.bpm.form_samples import sample_data
from engine.bpm.sandbox import Sandbox
from engine.commands.attachments import Upload
from tests.helpers import task_for
from tests.web.conftest import PDF, start_p001

BPMN = Path(__file__).resolve().parents[2] / "processes" / "bpmn"
PROCEDURES = ("P001", "P002", "P003", "P004", "P005", "P006", "P007", "P008")

# Tasks that record what another body does on its own calendar: no term binds the official.
WITHOUT_TERM = {
    # The Concejo debates when its session calendar says (Ley 136 de 1994, arts. 73 and 75);
    # Despacho de Gobierno only records the result.
    ("P004", "primer_debate"),
    ("P004", "segundo_debate"),
    # The Concejo studies the Mayor's objections in plenary (arts. 78-80): its time, not ours.
    ("P004", "tramitar_objeciones_concejo"),
    # The Tribunal Administrativo decides the objections of illegality (art. 80) when it rules.
    ("P004", "registrar_fallo_tribunal"),
    # The cooperation source (an embassy, an agency, a fund) decides when its call says; ORC
    # records the decision when it arrives.
    ("P007", "registrar_resultado"),
}


def _user_tasks(code: str) -> list[Element]:
    [path] = BPMN.glob(f"{code}_*.bpmn")
    [process] = executable_processes(parse_xml(path.read_bytes(), path.name))
    return [e for e in process_elements(process).values() if e.kind == "userTask"]


def _sample_case_data(code: str) -> dict[str, Any]:
    """Data generated from every form of the procedure (and of P001, which calls P003)."""
    data: dict[str, Any] = {}
    for caller in {"P001", code}:
        [path] = BPMN.glob(f"{caller}_*.bpmn")
        for schema in forms_for(path).values():
            if isinstance(schema, dict) and schema.get("type") == "object":
                data.update(sample_data(schema))
    data["plazo_sancion_dias"] = 5  # set by the second debate's script, not by a form
    # P005's multi-instance item: each commitment of the register, with its due date.
    data["compromiso"] = {
        "descripcion": "Informe",
        "responsable": "salud",
        "fecha_limite": "2026-12-18",
    }
    return data


@pytest.mark.parametrize("code", PROCEDURES)
def test_every_user_task_with_a_term_has_a_due_date(code: str) -> None:
    missing = [
        task.id
        for task in _user_tasks(code)
        if not task.properties.get("dueDateExpression") and (code, task.id) not in WITHOUT_TERM
    ]
    assert missing == [], f"{code}: tareas sin término (dueDateExpression): {missing}"


def test_the_allow_list_names_only_tasks_that_exist_and_have_no_term() -> None:
    for code, element_id in WITHOUT_TERM:
        [task] = [t for t in _user_tasks(code) if t.id == element_id]
        assert "dueDateExpression" not in task.properties


@pytest.mark.parametrize("code", PROCEDURES)
def test_every_due_date_expression_gives_a_date_and_its_term_is_explained(code: str) -> None:
    sandbox = Sandbox(ManualClock(datetime(2026, 12, 4, 15, 0, tzinfo=UTC)))
    data = _sample_case_data(code)
    for task in _user_tasks(code):
        expression = task.properties.get("dueDateExpression")
        if not expression:
            continue
        assert isinstance(date.fromisoformat(str(sandbox.evaluate(expression, data))), date)
        # Officials read the term; analysts read where it comes from (or that it is assumed).
        assert re.search(r"término|plazo|vence|días? hábil", task.documentation, re.I), task.id


def test_the_delegation_is_proposed_and_approved_before_the_session(p001: Engine) -> None:
    """Two business days, cut to the session's date: the delegate must know before it."""
    key = start_p001(p001, fecha_sesion="2026-12-04")  # the clock says 2026-12-01
    proposal = task_for(p001, key, "proponer_delegado")
    assert proposal.due_date == date(2026, 12, 3)
    late = start_p001(p001, fecha_sesion="2026-12-02")
    assert task_for(p001, late, "proponer_delegado").due_date == date(2026, 12, 2)


def test_the_vistos_buenos_of_an_act_are_due_in_five_business_days(engine: Engine) -> None:
    """They said "Sin fecha límite"; 2026-12-08 is a holiday, so five days from Tuesday the 1st
    end on Wednesday the 9th."""
    engine.deploy([BPMN / "P003_actos_administrativos.bpmn"], "admin")
    filing = {
        "tipo_acto": "decreto",
        "asunto": "Delegación",
        "organismo_productor": "secretaria_salud",
        "clase_acto": "general",
    }
    key = engine.start("P003", "despacho", filing, {"borrador": Upload("proyecto.pdf", PDF)})
    for element_id in ("visto_bueno_dagjp", "visto_bueno_organismo"):
        assert task_for(engine, key, element_id).due_date == date(2026, 12, 9)
