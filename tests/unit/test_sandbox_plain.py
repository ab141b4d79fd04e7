"""Plain expressions are answered without a round trip to the sandbox process, with exactly the
answer the process gives; anything else, and every error, still comes from the process."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from engine.bpm.clock import ManualClock
from engine.bpm.sandbox import Sandbox, UnsafeScript, values
from engine.bpm.sandbox.plain import (
    MAX_BUSINESS_DAYS,
    MAX_CONCATENATION,
    evaluate_plain,
    execute_plain,
    is_plain,
    is_plain_script,
)
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
    "add_business_days(fecha_sesion, numero)",
    "business_datetime(add_business_days(fecha_sesion, -numero))",
    "business_datetime(add_business_days(fecha_sesion, 2))",
    "is_business_day(fecha_sesion)",
    "spanish_date(fecha_sesion)",
    "max(today(), fecha_sesion)",
    "min(numero, 2, 5)",
    "max(today(), min(add_business_days(today(), 2), fecha_sesion))",
    "max(lista[0], True)",
    "int(numero)",
    'int(" 12 ")',
    "int(-2.7)",
    "int(True)",
    "max(0, int(numero))",
    "list(lista)",
    "list(par)",
    "list(vistos_buenos)",
    "list(instancia)",
    "list(vacio or lista)",
    "bool(vacio)",
    "bool(ninguno)",
    "bool(lista)",
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
    "decimal plus integer": ("monto + 1", Decimal("11.50")),
    "the largest of one iterable": ("max(par)", 2),
    "max with a key": ("max(numero, 2, key=abs)", 3),
    "int in a base": ('int("12", 8)', 10),
    "int of a decimal": ("int(monto)", 10),
    "list of nothing": ("list()", []),
    "bool of a decimal": ("bool(monto)", True),
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
    "values that do not compare": ("max(numero, instancia)", TypeError, "not supported"),
    "not a number": ("int(instancia)", ValueError, "invalid literal"),
    "nothing to convert": ("int(ninguno)", TypeError, "NoneType"),
    "a date is not a number": ("int(dia)", TypeError, "datetime.date"),
    "an infinite float": ("int(1e308 + 1e308)", OverflowError, "infinity"),
    "nothing to list": ("list(numero)", TypeError, "not iterable"),
}


@pytest.mark.parametrize(("source", "kind", "message"), ERRORS.values(), ids=ERRORS.keys())
def test_a_plain_expression_that_fails_fails_as_in_the_sandbox_process(
    sandbox: Sandbox, pool: CountingPool, source: str, kind: type[Exception], message: str
) -> None:
    assert is_plain(source)
    with pytest.raises(kind, match=message):
        sandbox.evaluate(source, DATA)
    assert pool.requests == [source]


def test_case_data_under_a_builtins_name_is_what_the_process_calls(
    sandbox: Sandbox, pool: CountingPool
) -> None:
    with pytest.raises(TypeError, match="not callable"):
        sandbox.evaluate("max(numero, 2)", {**DATA, "max": 1})
    with pytest.raises(TypeError, match="not callable"):
        sandbox.evaluate("int(numero)", {**DATA, "int": 1})
    assert pool.requests == ["max(numero, 2)", "int(numero)"]


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


UNSENDABLE = {
    "an object": object(),
    "a key that is not a text": {1: "uno"},
    "a lone surrogate": "\ud800",
    "a nested function": [{"f": len}],
    "a subclass of a date": type("Fecha", (date,), {})(2026, 12, 4),
}


@pytest.mark.parametrize("value", UNSENDABLE.values(), ids=UNSENDABLE.keys())
def test_data_the_pipe_refuses_is_left_to_the_process(
    sandbox: Sandbox, pool: CountingPool, value: Any
) -> None:
    with pytest.raises(Exception) as from_process:
        values.encode({"valor": value})
    with pytest.raises(type(from_process.value)):
        sandbox.evaluate("decision", {**DATA, "valor": value})
    assert pool.requests == ["decision"]


def test_what_the_pipe_takes_is_answered_here(sandbox: Sandbox, pool: CountingPool) -> None:
    data = {**DATA, "texto": "Año ñandú", "conjunto": {1, 2}, "anidado": {"a": [(1, "b")]}}
    values.encode(data)
    assert values.sendable(data)
    assert sandbox.evaluate("decision", data) == "aprobar"
    assert pool.requests == []


CROSSING = {
    "a boolean": True,
    "an integer": 10**40,
    "a float": -0.0,
    "infinity": float("inf"),
    "None": None,
    "a text": "aprobar",
    "a text beyond ASCII": "Año ñandú",
    "an empty text": "",
    "a list": [1, "dos", (3,)],
    "a tuple": (1, 2),
    "a date": date(2026, 12, 4),
    "a dictionary": {"a": {"b": [1]}},
}


@pytest.mark.parametrize("value", CROSSING.values(), ids=CROSSING.keys())
def test_a_value_crosses_the_pipe_as_encoding_and_decoding_it_would(value: Any) -> None:
    crossed = values.crossed(value)
    through = values.decode(values.encode(value))
    assert crossed == through
    assert type(crossed) is type(through)


def test_not_a_number_crosses_as_the_one_nan_the_encoding_gives() -> None:
    assert values.crossed(float("nan")) is values.decode(values.encode(float("nan")))


def test_an_integer_too_long_to_write_does_not_cross_the_pipe() -> None:
    huge = 10**4300
    with pytest.raises(ValueError):
        values.encode(huge)
    with pytest.raises(ValueError):
        values.crossed(huge)
    longest = 10**4199
    assert values.crossed(longest) == values.decode(values.encode(longest))


def test_a_comparison_with_an_integer_too_long_to_send_is_left_to_the_process() -> None:
    assert evaluate_plain("b == 0", {"b": 10**4300}, NOW) == (False, None)


def test_a_dict_subclass_is_checked_as_the_copy_the_process_is_sent() -> None:
    class Hiding(dict[str, Any]):
        def items(self) -> Any:
            return [(k, v) for k, v in super().items() if not k.startswith("_")]

    assert evaluate_plain("a", Hiding(a=1, _f=len), NOW) == (False, None)


def test_a_text_the_pipe_refuses_does_not_cross_it() -> None:
    with pytest.raises(UnicodeEncodeError):
        values.encode("\ud800")
    with pytest.raises(UnicodeEncodeError):
        values.crossed("\ud800")


def test_a_read_text_the_pipe_refuses_is_left_to_the_process(
    sandbox: Sandbox, pool: CountingPool
) -> None:
    with pytest.raises(UnicodeEncodeError):
        sandbox.evaluate("texto", {"texto": "\ud800"})
    assert pool.requests == ["texto"]


def test_a_concatenation_past_the_bound_is_left_to_the_process_and_its_limits(
    sandbox: Sandbox, pool: CountingPool
) -> None:
    half = "a" * (MAX_CONCATENATION // 2 + 1)
    assert sandbox.evaluate("texto + texto", {"texto": half}) == half * 2
    assert len(pool.requests) == 1


def test_a_list_past_the_bound_is_left_to_the_process(sandbox: Sandbox, pool: CountingPool) -> None:
    long = "a" * (MAX_CONCATENATION + 1)
    assert sandbox.evaluate("list(texto)", {"texto": long}) == list(long)
    assert len(pool.requests) == 1


@pytest.mark.parametrize("days", [MAX_BUSINESS_DAYS + 1, -MAX_BUSINESS_DAYS - 1, True])
def test_business_days_from_data_past_the_bound_or_not_an_integer_are_left_to_the_process(
    sandbox: Sandbox, pool: CountingPool, days: Any
) -> None:
    source = "add_business_days(fecha_sesion, dias)"
    from_process = sandbox._call("eval", source, {"fecha_sesion": "2026-12-04", "dias": days})
    pool.requests.clear()
    assert (
        sandbox.evaluate(source, {"fecha_sesion": "2026-12-04", "dias": days})
        == (from_process["result"])
    )
    assert pool.requests == [source]


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


PLAIN_SCRIPTS = [
    'documento = "Oficio " + instancia + " del " + fecha_sesion',
    "pass",
    'if decision == "aplazada":\n    fecha_sesion = "2027-01-04"\n'
    'if decision == "aprobar":\n    anterior = fecha_sesion\n    fecha_sesion = "2026-12-11"',
    "if numero > 5:\n    tamano = 'grande'\nelif numero > 2:\n    tamano = 'mediano'\n"
    "else:\n    tamano = 'pequeno'",
    "copia = lista\notra = [copia, par]",
    "vence = max(today(), min(add_business_days(today(), 2), fecha_sesion))",
    "numero = numero + 1\nsiguiente = numero + 1",
    "decision = None",
    # P005's normalisation before it registers commitments, on data the forms send.
    "try:\n    dias = max(0, int(numero))\nexcept Exception:\n    dias = 0\n"
    "try:\n    copia = list(lista or [])\nexcept Exception:\n    copia = []",
    "try:\n    activo = bool(vistos_buenos)\nexcept Exception:\n    activo = False",
]


@pytest.mark.parametrize("script", PLAIN_SCRIPTS)
def test_a_plain_script_leaves_the_data_the_process_leaves_without_a_round_trip(
    sandbox: Sandbox, pool: CountingPool, script: str
) -> None:
    from_process = sandbox._call("exec", script, dict(DATA))["data"]
    pool.requests.clear()
    data = dict(DATA)
    sandbox.execute(script, data)
    assert pool.requests == []
    assert data == from_process
    assert list(data) == list(from_process)  # new names after the case's, in order
    assert {name: type(value) for name, value in data.items()} == {
        name: type(value) for name, value in from_process.items()
    }


NOT_PLAIN_SCRIPTS = {
    "a loop": "total = 0\nfor x in par:\n    total = total + x",
    "an augmented assignment": "numero += 1",
    "a method call": "lista.append(4)",
    "an unpacking": "a, b = par",
    "a chained assignment": "a = b = 1",
    "an item assignment": 'vistos_buenos["completos"] = False',
    "a try with an else": "try:\n    a = 1\nexcept Exception:\n    a = 0\nelse:\n    b = 2",
    "a try with a finally": "try:\n    a = 1\nfinally:\n    b = 2",
    "a narrower handler": "try:\n    a = int(numero)\nexcept ValueError:\n    a = 0",
    "a named handler": "try:\n    a = int(numero)\nexcept Exception as error:\n    a = 0",
    "a handler that is not plain": "try:\n    a = 1\nexcept Exception:\n    a = len(lista)",
    "a builtin call": "largo = len(lista)",
}


@pytest.mark.parametrize("script", NOT_PLAIN_SCRIPTS.values(), ids=NOT_PLAIN_SCRIPTS.keys())
def test_any_other_script_still_runs_in_the_sandbox_process(
    sandbox: Sandbox, pool: CountingPool, script: str
) -> None:
    from_process = sandbox._call("exec", script, dict(DATA))["data"]
    pool.requests.clear()
    data = dict(DATA)
    sandbox.execute(script, data)
    assert pool.requests == [script]
    assert data == from_process


def test_a_plain_script_that_fails_fails_as_in_the_process_and_changes_nothing(
    sandbox: Sandbox, pool: CountingPool
) -> None:
    data = dict(DATA)
    with pytest.raises(NameError, match="falta"):
        sandbox.execute('decision = "otra"\nvalor = falta + 1', data)
    assert pool.requests == ['decision = "otra"\nvalor = falta + 1']
    assert data == DATA


GUARDED_FAILURES = {
    "the handler runs": "try:\n    a = int(instancia)\nexcept Exception:\n    a = 0",
    "what ran before the error stays": (
        "try:\n    a = 1\n    b = int(instancia)\n    c = 3\nexcept Exception:\n    d = 4"
    ),
    "a missing name": "try:\n    a = int(falta)\nexcept Exception:\n    a = 0",
    "an infinite float": "try:\n    a = int(1e308 + 1e308)\nexcept Exception:\n    a = -1",
    "nested": (
        "try:\n    try:\n        a = falta\n    except Exception:\n        b = int(instancia)\n"
        "except Exception:\n    c = 2"
    ),
}


@pytest.mark.parametrize("script", GUARDED_FAILURES.values(), ids=GUARDED_FAILURES.keys())
def test_an_error_the_process_would_raise_runs_the_handler_here(
    sandbox: Sandbox, pool: CountingPool, script: str
) -> None:
    from_process = sandbox._call("exec", script, dict(DATA))["data"]
    pool.requests.clear()
    data = dict(DATA)
    sandbox.execute(script, data)
    assert pool.requests == []
    assert data == from_process
    assert list(data) == list(from_process)


GUARDED_FOR_THE_PROCESS = {
    "data under the handler's name": ("try:\n    a = 1\nexcept Exception:\n    a = 0", 1),
    "an error only the process words": (
        "try:\n    a = numero < instancia\nexcept Exception:\n    a = 0",
        0,
    ),
    "a builtin read as a value": ("try:\n    a = len\nexcept Exception:\n    a = 0", None),
    "a text of more digits than a limit may allow": (
        f"try:\n    a = int('{'1' * 641}')\nexcept Exception:\n    a = 0",
        int("1" * 641),
    ),
}


@pytest.mark.parametrize(
    ("script", "a"), GUARDED_FOR_THE_PROCESS.values(), ids=GUARDED_FOR_THE_PROCESS.keys()
)
def test_any_other_error_in_a_try_leaves_the_script_to_the_process(
    sandbox: Sandbox, pool: CountingPool, script: str, a: Any
) -> None:
    case_data = {**DATA, "Exception": 1} if "a = 1\n" in script else dict(DATA)
    data = dict(case_data)
    sandbox.execute(script, data)
    assert is_plain_script(script)
    assert pool.requests == [script]
    assert data.get("a") == a


def test_outside_a_try_an_error_is_still_the_processs_to_report(
    sandbox: Sandbox, pool: CountingPool
) -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        sandbox.execute("a = int(instancia)", dict(DATA))
    assert pool.requests == ["a = int(instancia)"]


def test_a_plain_script_never_aliases_the_case_data(sandbox: Sandbox) -> None:
    data = {"lista": [1, 2]}
    sandbox.execute("copia = lista", data)
    data["copia"].append(3)
    assert data["lista"] == [1, 2]


def test_a_plain_script_does_not_assign_reserved_names(pool: CountingPool) -> None:
    """Names the process would drop or refuse (functions, builtins, guards) are its to handle."""
    for script in ("today = 1", "max = 2", "_oculto = 3"):
        assert execute_plain(script, DATA, NOW) is None


def test_the_scripts_a_delegation_case_runs_are_plain() -> None:
    """P001's own scripts and the normalisation P005 runs before registering the commitments
    of the session P001 calls it for: a delegation case sends nothing to the process."""
    from pathlib import Path

    from lxml import etree

    folder = Path(__file__).resolve().parents[2] / "processes" / "bpmn"
    tree = etree.parse(str(folder / "P001_delegaciones.bpmn"))
    scripts = [node.text or "" for node in tree.iter("{*}script", "{*}preScript", "{*}postScript")]
    assert len(scripts) >= 4
    registration = etree.parse(str(folder / "P005_seguimiento_compromisos.bpmn")).find(
        ".//{*}serviceTask[@id='registrar_compromisos']//{*}preScript"
    )
    assert registration is not None and "except Exception" in (registration.text or "")
    scripts.append(registration.text or "")
    assert all(is_plain_script(script) for script in scripts), [
        script for script in scripts if not is_plain_script(script)
    ]
