"""engine.bpm.schema_memo: computed once per schema object, never for another object."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.bpm import schema_memo
from engine.bpm.schema_memo import per_schema, per_schemas


def test_a_value_is_computed_once_per_schema_object_and_anew_for_an_equal_copy() -> None:
    calls: list[Mapping[str, Any]] = []

    @per_schema
    def title(schema: Mapping[str, Any]) -> str:
        calls.append(schema)
        return str(schema["title"])

    form = {"title": "Ficha"}
    copy = dict(form)
    assert [title(form), title(form), title(copy)] == ["Ficha", "Ficha", "Ficha"]
    assert [c is form for c in calls] == [True, False]


def test_the_least_recently_used_schema_is_computed_again_after_the_cache_is_full() -> None:
    calls: list[int] = []

    @per_schema
    def number(schema: Mapping[str, Any]) -> int:
        calls.append(schema["n"])
        return int(schema["n"])

    kept = [{"n": n} for n in range(schema_memo.KEPT + 1)]
    for schema in kept:
        number(schema)
    number(kept[-1])
    number(kept[0])
    assert calls == [*range(schema_memo.KEPT + 1), 0]


def test_a_value_is_computed_once_per_tuple_of_the_same_schema_objects() -> None:
    calls: list[int] = []

    @per_schemas
    def count(schemas: tuple[dict[str, int], ...]) -> int:
        calls.append(len(schemas))
        return sum(schema["n"] for schema in schemas)

    first, second = {"n": 1}, {"n": 2}
    assert count((first, second)) == 3
    assert count((first, second)) == 3
    assert calls == [2]
    assert count((second, first)) == 3  # another tuple
    assert count((first, {"n": 2})) == 3  # an equal copy is another object
    assert calls == [2, 2, 2]
