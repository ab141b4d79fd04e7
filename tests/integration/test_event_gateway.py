"""Event-based gateways: refused at deploy with a message naming the element, never a raw
SpiffWorkflow error (the engine does not run them yet: see docs/engine-decisions.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine, InvalidDefinition

CONSTRUCTS = Path(__file__).resolve().parent.parent / "data" / "constructs"


def test_a_user_task_after_an_event_based_gateway_is_refused_naming_both(engine: Engine) -> None:
    with pytest.raises(InvalidDefinition) as refused:
        engine.deploy([CONSTRUCTS / "C_EVENT_TASK.bpmn"], "analista")
    problems = refused.value.problems
    assert any(
        "elemento 'evento'" in p and "'tarea' es una tarea de usuario" in p for p in problems
    )
    assert not any("AttributeError" in p for p in problems), problems


def test_an_event_based_gateway_with_timers_is_refused_as_not_supported(engine: Engine) -> None:
    [problem] = engine.validate([CONSTRUCTS / "C_EVENT.bpmn"])
    assert "elemento 'evento'" in problem
    assert "aún no ejecuta compuertas basadas en eventos" in problem
