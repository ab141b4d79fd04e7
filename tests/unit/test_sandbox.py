"""Analysts' expressions and scripts: ordinary Python works, every known escape is refused,
and CPU and memory bombs are stopped by the operating system, with nothing leaked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.bpm.clock import ManualClock
from engine.bpm.sandbox import (
    Sandbox,
    ScriptLimitExceeded,
    UnsafeScript,
    compile_checked,
)
from engine.bpm.sandbox.pool import SandboxProcess


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(ManualClock(datetime(2026, 12, 4, 15, 0, tzinfo=UTC)))


ESCAPES = {
    "generator frame walk": "(x for x in [1]).gi_frame.f_back.f_globals['sys']",
    "generator code": "(x for x in [1]).gi_code",
    "coroutine frame": "[c.cr_frame for c in []]",
    "traceback frame": "[e.tb_frame for e in []]",
    "frame globals": "[f.f_globals for f in []]",
    "format string dunder walk": "'{0.__globals__[os]}'.format(today)",
    "format_map": "'{x.__class__}'.format_map({'x': 1})",
    "str.format on the class": "str.format('{0.__globals__}', today)",
    "dunder class": "().__class__.__bases__[0].__subclasses__()",
    "dunder mro in comprehension": "[c for c in ().__class__.__mro__]",
    "function globals": "today.__globals__",
    "dunder name": "__import__('os').system('id')",
    "private name": "_private",
    "getattr": "getattr(today, '__globals__')",
    "vars": "vars(today)",
    "type": "type(1)",
    "globals": "globals()",
    "eval": "eval('1')",
    "exec": "exec('x = 1')",
    "compile": "compile('1', 'x', 'eval')",
    "open": "open('/etc/passwd').read()",
    "builtin format": "format(today, '')",
}


@pytest.mark.parametrize("source", ESCAPES.values(), ids=ESCAPES.keys())
def test_escapes_are_refused_at_lint_and_at_runtime(sandbox: Sandbox, source: str) -> None:
    with pytest.raises(UnsafeScript):
        compile_checked(source, "eval")
    with pytest.raises(UnsafeScript):
        sandbox.evaluate(source, {})


STATEMENTS = {
    "import": "import os",
    "from import": "from os import path",
    "global": "global x\nx = 1",
    "class": "class A: pass",
    "generator function": "def g():\n    yield 1",
    "async": "async def f():\n    pass",
}


@pytest.mark.parametrize("script", STATEMENTS.values(), ids=STATEMENTS.keys())
def test_statements_outside_the_allowed_set_are_refused(sandbox: Sandbox, script: str) -> None:
    with pytest.raises(UnsafeScript):
        sandbox.execute(script, {})


RUNTIME_GUARDS = {
    "attributes of a function": "today.func",
    "attributes of a type": "date.today()",
    "attributes of a generator": "[g.send for g in [(x for x in [1])]]",
    "attributes of a builtin": "len.name",
    "attributes of an exception": "[e.args for e in [ValueError('x')]]",
}


@pytest.mark.parametrize("source", RUNTIME_GUARDS.values(), ids=RUNTIME_GUARDS.keys())
def test_attributes_of_anything_but_plain_data_are_unreadable(
    sandbox: Sandbox, source: str
) -> None:
    with pytest.raises(AttributeError, match="no se permite leer"):
        sandbox.evaluate(source, {})


def test_an_endless_loop_is_stopped_by_cpu_time(sandbox: Sandbox) -> None:
    with pytest.raises(ScriptLimitExceeded, match=r"límite de tiempo de (2|11) s"):
        sandbox.execute("x = 0\nwhile True:\n    x = x + 1", {})


def test_c_level_work_is_stopped_by_cpu_time(sandbox: Sandbox) -> None:
    with pytest.raises(ScriptLimitExceeded, match="límite de tiempo"):
        sandbox.evaluate("sum(range(10000000000))", {})


@pytest.mark.parametrize("source", ["'a' * 6000000000", "list(range(10 ** 9))", "2 ** 10 ** 10"])
def test_allocation_bombs_are_stopped_by_the_memory_cap(sandbox: Sandbox, source: str) -> None:
    with pytest.raises(ScriptLimitExceeded, match="límite de"):
        sandbox.evaluate(source, {})


def test_the_sandbox_works_again_after_a_limit_ended_its_process(sandbox: Sandbox) -> None:
    with pytest.raises(ScriptLimitExceeded):
        sandbox.evaluate("'a' * 6000000000", {})
    assert sandbox.evaluate("len([1, 1])", {}) == 2  # not plain: answered by a new process


def test_a_script_that_fails_changes_no_data(sandbox: Sandbox) -> None:
    data = {"total": 1}
    with pytest.raises(ZeroDivisionError):
        sandbox.execute("total = 5\nx = 1 / 0", data)
    assert data == {"total": 1}


def test_the_sandbox_process_inherits_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even code that got out of the guards would find no secret key or database URL."""
    monkeypatch.setenv("BUENGOBIERNO_SECRET_KEY", "do-not-leak")
    process = SandboxProcess(cpu_seconds=2, memory_bytes=64 * 2**20)
    try:
        environment = Path(f"/proc/{process.pid}/environ").read_bytes()
    finally:
        process.close()
    assert b"do-not-leak" not in environment
    assert b"BUENGOBIERNO" not in environment


def test_ordinary_analyst_python_keeps_working(sandbox: Sandbox) -> None:
    data = {"fecha_sesion": "2026-12-04", "compromisos": [1, 2, 3], "temporal": "x"}
    sandbox.execute(
        "vence = add_business_days(fecha_sesion, 3)\n"
        "total = len(compromisos)\n"
        "dobles = [c * 2 for c in compromisos if isinstance(c, int)]\n"
        "cuenta = 0\n"
        "for c in compromisos:\n"
        "    cuenta += c\n"
        "resumen = {}\n"
        "resumen['texto'] = f'{total} compromisos, vence {vence}'\n"
        "a, b = compromisos[0], compromisos[-1]\n"
        "manana = (date.fromisoformat(fecha_sesion) + timedelta(days=1)).isoformat()\n"
        "del temporal\n",
        data,
    )
    assert data["vence"] == "2026-12-10"
    assert data["dobles"] == [2, 4, 6]
    assert data["cuenta"] == 6
    assert data["resumen"] == {"texto": "3 compromisos, vence 2026-12-10"}
    assert (data["a"], data["b"]) == (1, 3)
    assert data["manana"] == "2026-12-05"
    assert "temporal" not in data
    assert sandbox.evaluate("today()", {}) == "2026-12-04"
    assert sandbox.evaluate("business_datetime('2026-12-09')", {}) == "2026-12-09T08:00:00-05:00"


def test_dates_made_by_a_script_stay_dates(sandbox: Sandbox) -> None:
    data: dict[str, object] = {}
    sandbox.execute("limite = datetime.fromisoformat('2026-12-04T10:00:00+00:00')", data)
    assert data["limite"] == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def test_a_value_case_data_cannot_hold_is_a_clear_error(sandbox: Sandbox) -> None:
    with pytest.raises(TypeError, match="no se puede guardar"):
        sandbox.execute("pendientes = (x for x in [1])", {})


def test_data_cannot_shadow_business_functions(sandbox: Sandbox) -> None:
    with pytest.raises(UnsafeScript):
        sandbox.evaluate("today", {"today": "ayer"})
