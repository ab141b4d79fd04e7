"""The engine's task converter writes and reads SpiffWorkflow's task dictionaries, key for key.

Compared with SpiffWorkflow's own `TaskConverter` (its methods run on the same converter and
registry) on every task of the committed states of real cases, and on data the walk must not
skip (typed values, the registry's `typename` mark, callables, deletions).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from engine.bpm import spiff_state, task_converter
from engine.bpm.task_converter import QuickTaskConverter
from tests.state_fixtures import STATES, spec_of

CURRENT = sorted((STATES / f"v{spiff_state.STATE_FORMAT}").glob("*.state"))
REGISTRY = spiff_state._SERIALIZER.registry
QUICK: QuickTaskConverter = REGISTRY.convert_to_dict["Task"].args[1].__self__


def loaded(state_file: Path) -> BpmnWorkflow:
    return spiff_state.load_workflow(state_file.read_bytes(), spec_of(state_file), case="x")


def every_task(workflow: BpmnWorkflow) -> list[Any]:
    return [*workflow.tasks.values()] + [
        task for sub in workflow.subprocesses.values() for task in sub.tasks.values()
    ]


def stock_to_dict(task: Any) -> dict[str, Any]:
    result: dict[str, Any] = TaskConverter.to_dict(QUICK, task)
    return result


def as_saved(task: Any) -> str:
    """A restored task as it would be saved again (internal data may hold objects without
    equality, such as events: compared as the registry writes them)."""
    return json.dumps(
        {"task": stock_to_dict(task), "data": REGISTRY.convert(task.data)},
        sort_keys=True,
        default=str,
    )


def test_the_engine_uses_the_quick_converter_for_tasks() -> None:
    assert isinstance(QUICK, QuickTaskConverter)


@pytest.mark.parametrize("state_file", CURRENT, ids=lambda p: p.stem)
def test_every_task_of_a_real_case_is_written_as_spiffworkflow_writes_it(
    state_file: Path,
) -> None:
    workflow = loaded(state_file)
    tasks = every_task(workflow)
    assert len(tasks) > 3
    for task in tasks:
        assert QUICK.to_dict(task) == stock_to_dict(task), task.task_spec.name


@pytest.mark.parametrize("state_file", CURRENT, ids=lambda p: p.stem)
def test_every_task_of_a_real_case_is_read_as_spiffworkflow_reads_it(
    state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quick = loaded(state_file)
    monkeypatch.setitem(
        REGISTRY.convert_from_dict,
        "Task",
        partial(REGISTRY._obj_from_dict, partial(TaskConverter.from_dict, QUICK)),
    )
    stock = loaded(state_file)
    assert set(stock.tasks) == set(quick.tasks)
    for task in every_task(stock):
        owner = (
            stock if task.workflow is stock else stock.subprocesses[task.workflow.parent_task_id]
        )
        twin_owner = quick if owner is stock else quick.subprocesses[owner.parent_task_id]
        twin = twin_owner.tasks[task.id]
        assert as_saved(twin) == as_saved(task)
        assert twin.data == task.data
    # Waiting catch events are registered with the workflow's event manager on load.
    assert set(quick.event_manager.tasks) == set(stock.event_manager.tasks)


def tricky_child(workflow: BpmnWorkflow) -> Any:
    """A child of the root holding data the walk must not skip: typed values, the registry's
    `typename` mark, a value equal to its parent's but of another type, a deleted key."""
    root = workflow.task_tree
    child = next(t for t in every_task(workflow) if t.parent is root)
    root.data = {"aprobado": True, "lista": [1, {"a": "b"}], "borrar": 1, "marca": {"x": 1}}
    child.data = {
        "aprobado": 1,  # equal to True: not an update, for both converters
        "lista": [1, {"a": "c"}],
        # Plain data that looks like the registry's mark: SpiffWorkflow reads it back as the
        # type it names, and so must we.
        "marca": {"typename": "datetime", "value": INSTANT.isoformat()},
        "cuando": INSTANT,
    }
    child.internal_data = {"event_value": "2026-12-02", "at": INSTANT, "id": UUID(int=7)}
    return child


INSTANT = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)


def test_data_the_walk_must_convert_round_trips_as_spiffworkflow_would() -> None:
    child = tricky_child(loaded(CURRENT[0]))
    quick, stock = QUICK.to_dict(child), stock_to_dict(child)
    assert quick == stock
    assert quick["delta"]["deletions"] == ["borrar"]
    assert quick["internal_data"]["at"] == {"value": INSTANT.isoformat(), "typename": "datetime"}
    assert quick["delta"]["updates"]["marca"] is child.data["marca"]  # not copied, by either
    # Read back into twin workflows (the child's parent holds the same data in both).
    by_quick, by_stock = loaded(CURRENT[0]), loaded(CURRENT[0])
    tricky_child(by_quick), tricky_child(by_stock)
    read_quick = QUICK.from_dict(dict(quick), by_quick)
    read_stock = TaskConverter.from_dict(QUICK, dict(stock), by_stock)
    assert read_quick.data == read_stock.data
    assert read_quick.data["aprobado"] is True  # the parent's, as SpiffWorkflow restores it
    assert "borrar" not in read_quick.data
    assert read_quick.internal_data == read_stock.internal_data
    assert read_quick.internal_data["at"] == INSTANT
    assert read_quick.data["marca"] == INSTANT


def test_a_callable_in_internal_data_is_left_out_as_spiffworkflow_leaves_it_out() -> None:
    workflow = loaded(CURRENT[0])
    task = workflow.task_tree
    task.internal_data = {"keep": 1, "drop": len}
    assert QUICK.to_dict(task)["internal_data"] == stock_to_dict(task)["internal_data"]
    assert QUICK.to_dict(task)["internal_data"] == {"keep": 1}


def test_an_id_is_parsed_once_and_the_parsed_ids_kept_are_bounded() -> None:
    text = str(UUID(int=12345))
    assert task_converter.parsed_id(text) == UUID(text)
    assert task_converter.parsed_id(text) is task_converter.parsed_id(text)
    for number in range(task_converter.KEPT_IDS + 10):
        task_converter.parsed_id(str(UUID(int=number)))
    assert task_converter.parsed_id.cache_info().currsize == task_converter.KEPT_IDS


@pytest.mark.parametrize("state_file", CURRENT, ids=lambda path: path.stem)
def test_a_workflow_keys_its_tasks_and_subprocesses_by_their_ids_as_spiffworkflow_does(
    state_file: Path,
) -> None:
    workflow = loaded(state_file)
    written = spiff_state._SERIALIZER.to_dict(workflow)
    assert list(written["tasks"]) == [str(task_id) for task_id in workflow.tasks]
    assert list(written["subprocesses"]) == [str(task_id) for task_id in workflow.subprocesses]


def test_an_id_is_written_once_and_the_texts_kept_are_bounded() -> None:
    task_id = UUID(int=67890)
    assert task_converter.id_text(task_id) == str(task_id)
    assert task_converter.id_text(UUID(int=67890)) is task_converter.id_text(task_id)
    for number in range(task_converter.KEPT_IDS + 10):
        assert task_converter.id_text(UUID(int=number)) == str(UUID(int=number))
    assert task_converter.id_text.cache_info().currsize == task_converter.KEPT_IDS
