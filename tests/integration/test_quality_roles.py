"""The roles a diagram declares for the quality office are checked before it deploys: a renamed
form field or a dropped role is a lint error naming the element, never a silent zero."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import Engine, InvalidDefinition
from storage.models import Definition
from tests.conftest import BPMN, PROCESSES

P003 = BPMN / "P003_actos_administrativos.bpmn"


def _deploy_changed(engine: Engine, tmp_path: Path, old: str, new: str) -> None:
    source = P003.read_text()
    assert old in source
    (tmp_path / "bpmn").mkdir()
    (tmp_path / "bpmn" / P003.name).write_text(source.replace(old, new))
    shutil.copytree(PROCESSES / "forms", tmp_path / "forms")
    engine.deploy([tmp_path / "bpmn" / P003.name], "analista")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'name="qualityField" value="decision_alcalde"',
            'name="qualityField" value="decision_del_alcalde"',
            "elemento 'firmar_acto': qualityField='decision_del_alcalde' no es un campo del "
            "formulario 'P003.firma.schema.json'",
        ),
        (
            'name="qualityValue" value="firmar"',
            'name="qualityValue" value="firmado"',
            "elemento 'firmar_acto': qualityValue='firmado' no es una opción del campo "
            "'decision_alcalde' (devolver, firmar)",
        ),
        (
            'name="qualityRole" value="firma_acto"',
            'name="qualityRole" value="firma"',
            "elemento 'firmar_acto': el rol de calidad 'firma' no existe",
        ),
        (
            '<spiffworkflow:property name="qualityRole" value="devolucion_acto" />',
            "",
            "el procedimiento P003 no declara el rol de calidad 'devolucion_acto'",
        ),
    ],
)
def test_a_broken_quality_declaration_refuses_the_deployment(
    engine: Engine, tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(InvalidDefinition) as refused:
        _deploy_changed(engine, tmp_path, old, new)
    assert any(message in problem for problem in refused.value.problems), refused.value.problems
    with engine.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Definition)) == 0


def test_every_procedure_in_processes_declares_what_its_indicators_read(engine: Engine) -> None:
    deployed = engine.deploy([BPMN], "analista")
    assert len(deployed) == 8
