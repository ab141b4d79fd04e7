"""`values.sendable` says exactly whether `values.encode` takes a value: a plain expression
answers only for case data the sandbox process could have been sent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.bpm.sandbox import values


class Text(str):
    pass


class Number(int):
    pass


class Fecha(date):
    pass


# Texts of every kind, and with lone surrogates (they cannot cross the pipe).
TEXTS = st.one_of(
    st.text(max_size=6),
    st.text(st.characters(categories=["Cs", "Ll"]), min_size=1, max_size=4),
)
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    TEXTS,
    TEXTS.map(Text),
    st.integers().map(Number),
    st.dates(),
    st.dates().map(lambda d: Fecha(d.year, d.month, d.day)),  # not a date to the pipe
    st.datetimes(timezones=st.just(UTC)),
    st.times(),
    st.timedeltas(),
    st.decimals(allow_nan=False),
    st.just(len),  # a function: unstorable
)
KEYS = st.one_of(TEXTS, TEXTS.map(Text), st.integers(), st.none())
HASHABLE = st.one_of(st.none(), st.booleans(), st.integers(), TEXTS)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(KEYS, inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.frozensets(HASHABLE, max_size=3),
        st.sets(HASHABLE, max_size=3),
    ),
    max_leaves=20,
)


def _encodes(value: Any) -> bool:
    try:
        values.encode(value)
    except (values.UnstorableValue, UnicodeEncodeError):
        return False
    return True


@settings(max_examples=800, deadline=None)
@given(VALUES)
def test_sendable_is_what_the_encoding_takes(value: Any) -> None:
    assert values.sendable(value) == _encodes(value)


def test_case_data_of_every_kind_is_sendable() -> None:
    data = {
        "texto": "Año ñandú",
        "numero": 3,
        "monto": Decimal("10.50"),
        "dia": date(2026, 12, 4),
        "momento": datetime(2026, 12, 4, 15, 0, tzinfo=UTC),
        "hora": time(9, 30),
        "plazo": timedelta(days=3),
        "lista": [1, "dos", {"tres": 3, Text("cuatro"): (4, {5})}],
        "ninguno": None,
    }
    assert values.sendable(data) and _encodes(data)


def test_a_lone_surrogate_a_key_that_is_not_text_or_a_function_is_not_sendable() -> None:
    for data in (
        {"texto": "\udc80"},
        {"\udc80": 1},
        {1: "uno"},
        {"f": [len]},
        {"d": Fecha(2026, 1, 1)},
    ):
        assert not values.sendable({"anidado": [data]})
