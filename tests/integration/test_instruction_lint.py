"""The linter renders every instruction with data generated from the forms of its process and
refuses one that fails or names a field nothing defines; the message names the element."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import Engine, InvalidDefinition
from storage.models import Definition
from tests.conftest import BPMN
from tests.helpers import deploy_edited_p001

PROPOSAL_INSTRUCTIONS = "Proponga el funcionario de **nivel directivo**"


def _deploy_p001_with(engine: Engine, tmp_path: Path, instructions: str) -> None:
    deploy_edited_p001(engine, tmp_path, PROPOSAL_INSTRUCTIONS, instructions)


def _definitions(engine: Engine) -> int:
    with engine.sessions() as session:
        return session.scalar(select(func.count(Definition.id))) or 0


@pytest.mark.parametrize(
    ("instructions", "message"),
    [
        ("Delegado para {{ instancia_equivocada }}", r"ningún formulario.*instancia_equivocada"),
        ("{% if instancia %}sin cerrar", r"no son una plantilla válida"),
        ("{{ fecha_sesion + 1 }}", r"no se pueden mostrar"),
        ("{{ instancia.__class__.__mro__ }}", r"no se pueden mostrar"),
    ],
    ids=["unknown_field", "syntax_error", "fails_with_form_data", "sandbox"],
)
def test_an_instruction_that_fails_or_names_an_unknown_field_is_refused(
    engine: Engine, tmp_path: Path, instructions: str, message: str
) -> None:
    with pytest.raises(InvalidDefinition, match=rf"elemento 'proponer_delegado': .*{message}"):
        _deploy_p001_with(engine, tmp_path, instructions)
    assert _definitions(engine) == 0


def test_an_instruction_over_form_fields_deploys(engine: Engine, tmp_path: Path) -> None:
    _deploy_p001_with(engine, tmp_path, "Delegado para **{{ instancia }}** ({{ fecha_sesion }})")
    assert _definitions(engine) > 0


def test_every_procedure_in_processes_passes_the_instruction_check(engine: Engine) -> None:
    engine.deploy(sorted(BPMN.glob("*.bpmn")), "admin")
    assert _definitions(engine) == len(list(BPMN.glob("*.bpmn")))
