"""A form whose `x-unavailable-when` is malformed, or reads a variable the process never puts in
the case data, is refused before it is deployed; P004 as it ships deploys."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine import Engine, InvalidDefinition
from engine.bpm.unavailable_options import KEYWORD
from tests.conftest import BPMN, PROCESSES

CONVOCATION = "P004.convocatoria.schema.json"
P004 = "P004_proyectos_acuerdo.bpmn"


def _continue_option(schema: dict[str, Any]) -> dict[str, Any]:
    options: list[dict[str, Any]] = schema["properties"]["decision_sin_comite"]["oneOf"]
    return next(o for o in options if o.get("const") == "continuar" or KEYWORD in o)


def _p004_with(tmp_path: Path, change: Callable[[dict[str, Any]], object]) -> Path:
    shutil.copytree(PROCESSES / "forms", tmp_path / "forms")
    shutil.copytree(BPMN, tmp_path / "bpmn")
    form = tmp_path / "forms" / CONVOCATION
    schema = json.loads(form.read_text(encoding="utf-8"))
    change(schema)
    form.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    return tmp_path / "bpmn" / P004


def test_p004_as_shipped_declares_the_rule_and_validates(engine: Engine) -> None:
    assert (BPMN / P004).exists()
    assert engine.validate([BPMN / P004]) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda s: _continue_option(s)[KEYWORD]["any"].__setitem__("concepto_juridco", "x"),
            "x-unavailable-when lee la variable 'concepto_juridco', que ningún formulario",
        ),
        (
            lambda s: _continue_option(s).pop("const"),
            'x-unavailable-when: la opción no tiene "const"',
        ),
        (
            lambda s: _continue_option(s)[KEYWORD].pop("reason"),
            'x-unavailable-when › reason: falta "reason"',
        ),
    ],
)
def test_a_wrong_use_is_refused_by_the_linter(
    engine: Engine, tmp_path: Path, change: Callable[[dict[str, Any]], object], expected: str
) -> None:
    diagram = _p004_with(tmp_path, change)
    problems = engine.validate([diagram])
    assert any(expected in problem and CONVOCATION in problem for problem in problems), problems
    with pytest.raises(InvalidDefinition, match="x-unavailable-when"):
        engine.deploy([diagram], "analista")
