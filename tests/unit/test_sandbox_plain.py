"""Plain expressions are answered without a round trip to the sandbox process, with exactly the
answer the process gives; anything else, and every error, still comes from the process."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from engine.bpm.clock import ManualClock
from engine.bpm.sandbox import Sandbox, UnsafeScript
from engine.bpm.sandbox.plain import MAX_CONCATENATION, evaluate_plain, is_plain
from engine.bpm.sandbox.pool import SandboxPool

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
DATA: dict[str, Any] = {
    "decision": "aprobar",
    "instancia": "Junta",
    "fecha_sesion": "2026-12-04",
    "numero": 3,
    "monto": Decimal("10.50"),
    "dia": date(2026, 12, 4),
    "ninguno": None,
    "lista": [1, "dos", {"tres": 3}],
    "par": (1, 2),
    "vistos_buenos": {"completos": True, "organismo": "otorgado"},
    "vacio": "",
}


class CountingPool(SandboxPool):
    """A real pool of sandbox processes that counts the requests it is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[str] = []

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request["source"])
        return super().call(request)


@pytest.fixture
def pool() -> CountingPool:
    return CountingPool()


@pytest.fixture
def sandbox(pool: CountingPool) -> Sandbox:
    return Sandbox(ManualClock(NOW), pool)


PLAIN = [
    'decision == "aprobar"',
    'decision != "aprobar"',
    "decision",
    "numero",
    "monto",
    "dia",
    "lista",
    "par",
    '"Delegación: " + instancia',
    '"Usted representará al Alcalde en " + instancia + " el " + fecha_sesion',
    'decision in ["aprobar", "devolver"]',
    'decision not in ("aprobar",)',
    'vistos_buenos["completos"]',
    'not vistos_buenos["completos"]',
    "lista[2]",
    "lista[-1]",
    "ninguno is None",
    "ninguno is not None",
    "numero > 2 and numero < 10",
    "1 < numero < 3",
    "vacio or instancia",
    "vacio and instancia",
    "-numero",
    "numero + 1.5",
    "numero - 1",
    "lista + [4]",
    "par + (3,)",
    '"x" if numero > 2 else "y"',
    "[decision, numero]",
    "True",
    "None",
    "today()",
    "add_business_days(fecha_sesion, 3)",
    "business_datetime(add_business_days(fecha_sesion, 2))",
    "is_business_day(fecha_sesion)",
    "spanish_date(fecha_sesion)",
]


@pytest.mark.parametrize("source", PLAIN)
def test_a_plain_expression_gets_the_sandbox_answer_without_a_round_trip(
    sandbox: Sandbox, pool: CountingPool, source: str
) -> None:
    from_process = sandbox._call("eval", source, dict(DATA))["result"]
    pool.requests.clear()
    answered = sandbox.evaluate(source, DATA)
    assert pool.requests == []
    assert answered == from_process
    assert type(answered) is type(from_process)


NOT_PLAIN_OR_FAILING = {
    "a call of a builtin": ("len(lista)", 3),
    "a division": ("numero / 2", 1.5),
    "an attribute": ("instancia.upper()", "JUNTA"),
    "a comprehension": ("[x for x in par]", [1, 2]),
    "a multiplication": ("numero * 2", 6),
    "a slice": ("lista[0:1]", [1]),
    "identity of two data values": ("decision is instancia", False),
    "a span of business days": ("business_days_between(fecha_sesion, '2026-12-31')", 17),
    "more business days than bounded": ("add_business_days(fecha_sesion, 4000)", None),
    "business days from data": ("add_business_days(fecha_sesion, numero)", "2026-12-10"),
    "decimal plus integer": ("monto + 1", Decimal("11.50")),
}


@pytest.mark.parametrize(
    ("source", "expected"), NOT_PLAIN_OR_FAILING.values(), ids=NOT_PLAIN_OR_FAILING.keys()
)
def test_anything_else_still_goes_to_the_sandbox_process(
    sandbox: Sandbox, pool: CountingPool, source: str, expected: Any
) -> None:
    result = sandbox.evaluate(source, DATA)
    assert pool.requests == [source]
    if expected is not None:
        assert result == expected


ERRORS = {
    "a missing name": ("falta == 1", NameError, "falta"),
    "a mismatched concatenation": ("instancia + numero", TypeError, "concatenate"),
    "a missing key": ('vistos_buenos["falta"]', KeyError, "falta"),
    "an index out of range": ("lista[9]", IndexError, "out of range"),
    "a mismatched comparison": ("numero < instancia", TypeError, "not supported"),
    "not a date": ("spanish_date(instancia)", ValueError, "Invalid isoformat"),
}


@pytest.mark.parametrize(("source", "kind", "message"), ERRORS.values(), ids=ERRORS.keys())
def test_a_plain_expression_that_fails_fails_as_in_the_sandbox_process(
    sandbox: Sandbox, pool: CountingPool, source: str, kind: type[Exception], message: str
) -> None:
    assert is_plain(source)
    with pytest.raises(kind, match=message):
        sandbox.evaluate(source, DATA)
    assert pool.requests == [source]


def test_refused_code_is_refused_before_anything_else(sandbox: Sandbox) -> None:
    with pytest.raises(UnsafeScript):
        sandbox.evaluate("_secreto == 1", {"_secreto": 1})
    with pytest.raises(UnsafeScript):
        sandbox.evaluate("type == 1", {})


def test_data_that_shadows_a_function_is_refused_by_the_sandbox_process(
    sandbox: Sandbox, pool: CountingPool
) -> None:
    with pytest.raises(UnsafeScript, match="nombres reservados"):
        sandbox.evaluate('decision == "aprobar"', {**DATA, "today": "ayer"})
    assert len(pool.requests) == 1


def test_data_that_cannot_be_sent_fails_as_before(sandbox: Sandbox) -> None:
    with pytest.raises(TypeError, match="no se puede guardar"):
        sandbox.evaluate("decision", {**DATA, "objeto": object()})


def test_a_concatenation_past_the_bound_is_left_to_the_process_and_its_limits(
    sandbox: Sandbox, pool: CountingPool
) -> None:
    half = "a" * (MAX_CONCATENATION // 2 + 1)
    assert sandbox.evaluate("texto + texto", {"texto": half}) == half * 2
    assert len(pool.requests) == 1


def test_the_answer_is_a_copy_not_the_case_data(sandbox: Sandbox) -> None:
    data = {"lista": [1, 2]}
    answered = sandbox.evaluate("lista", data)
    answered.append(3)
    assert data == {"lista": [1, 2]}


def test_today_is_the_engine_clock() -> None:
    assert evaluate_plain("today()", {}, datetime(2027, 1, 2, 4, tzinfo=UTC)) == (
        True,
        "2027-01-01",  # 23:00 in Bogotá
    )


def test_most_expressions_of_the_delegation_procedure_are_plain() -> None:
    """What the round trips saved are: a P001 case's gateways, lanes, titles and timers."""
    from pathlib import Path

    from lxml import etree

    bpmn = Path(__file__).resolve().parents[2] / "processes" / "bpmn" / "P001_delegaciones.bpmn"
    tree = etree.parse(str(bpmn))
    conditions = [node.text or "" for node in tree.iter("{*}conditionExpression", "{*}timeDate")]
    assert conditions
    assert all(is_plain(source) for source in conditions), [
        source for source in conditions if not is_plain(source)
    ]
