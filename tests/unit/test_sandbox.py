"""Expressions and scripts written by analysts run without imports, dunders, I/O or endless loops."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.clock import ManualClock
from engine.sandbox import Sandbox, ScriptTimeout, UnsafeScript


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(ManualClock(datetime(2026, 12, 4, 15, 0, tzinfo=UTC)))


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('id')",
        "().__class__.__bases__[0].__subclasses__()",
        "open('/etc/passwd').read()",
        "[c for c in ().__class__.__mro__]",
        "2 ** 10 ** 10",
        "_private",
    ],
)
def test_escapes_are_refused_before_running(sandbox: Sandbox, source: str) -> None:
    with pytest.raises((UnsafeScript, NameError)):
        sandbox.evaluate(source, {})


@pytest.mark.parametrize(
    "script", ["import os", "from os import path", "global x\nx = 1", "class A: pass"]
)
def test_statements_outside_the_allowed_set_are_refused(sandbox: Sandbox, script: str) -> None:
    with pytest.raises(UnsafeScript):
        sandbox.execute(script, {})


def test_an_endless_loop_is_stopped(sandbox: Sandbox) -> None:
    with pytest.raises(ScriptTimeout):
        sandbox.execute("x = 0\nwhile True:\n    x = x + 1", {})


def test_scripts_assign_case_data_and_may_use_business_functions(sandbox: Sandbox) -> None:
    data = {"fecha_sesion": "2026-12-04", "compromisos": [1, 2, 3]}
    sandbox.execute("vence = add_business_days(fecha_sesion, 3)\ntotal = len(compromisos)", data)
    assert data["vence"] == "2026-12-10"
    assert data["total"] == 3
    assert sandbox.evaluate("today()", {}) == "2026-12-04"
    assert sandbox.evaluate("business_datetime('2026-12-09')", {}) == "2026-12-09T08:00:00-05:00"


def test_data_cannot_shadow_business_functions(sandbox: Sandbox) -> None:
    with pytest.raises(UnsafeScript):
        sandbox.evaluate("today", {"today": "ayer"})
