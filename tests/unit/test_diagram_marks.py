"""Which shapes of a case's own diagram are marked active for its open tasks."""

from __future__ import annotations

from typing import Any

from engine.read.diagram_marks import active_shapes


def element(element_id: str, container: str | None = None, calls: str | None = None) -> Any:
    return {"id": element_id, "container": container, "called_element": calls}


CATALOGUE = {
    "A": {
        "tarea": element("tarea"),
        "sub": element("sub"),
        "dentro": element("dentro", container="sub"),
        "llamar_b": element("llamar_b", container="sub", calls="B"),
        "llamar_a": element("llamar_a", calls="A"),  # a process that calls itself
    },
    "B": {"en_b": element("en_b"), "llamar_c": element("llamar_c", calls="C")},
    "C": {"en_c": element("en_c")},
}


def test_a_task_of_the_process_itself_is_marked_with_the_subprocesses_holding_it() -> None:
    assert active_shapes(CATALOGUE, "A", ["tarea"]) == ["tarea"]
    assert active_shapes(CATALOGUE, "A", ["dentro"]) == ["dentro", "sub"]


def test_a_task_of_a_called_process_marks_the_call_activity_at_every_depth_of_calls() -> None:
    assert active_shapes(CATALOGUE, "A", ["en_b"]) == ["llamar_b", "sub"]
    assert active_shapes(CATALOGUE, "A", ["en_c"]) == ["llamar_b", "sub"]


def test_marks_are_listed_once_in_the_order_first_reached() -> None:
    assert active_shapes(CATALOGUE, "A", ["en_c", "dentro", "en_b", "tarea"]) == [
        "llamar_b",
        "sub",
        "dentro",
        "tarea",
    ]


def test_an_element_no_process_has_marks_nothing_and_recursion_ends() -> None:
    assert active_shapes(CATALOGUE, "A", ["desconocido"]) == []
    assert active_shapes({}, "A", ["tarea"]) == []
