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
from tests.state_fixtures import STATES

CURRENT = sorted((STATES / f"v{spiff_state.STATE_FORMAT}").glob("*.state"))
REGISTRY = spiff_state._SERIALIZER.registry
QUICK: QuickTaskConverter = REGISTRY.convert_to_dict["Task"].args[1].__self__


def spec_of(state_file: Path) -> str:
    process = json.loads(state_file.with_suffix(".json").read_text())["process"]
    return (state_file.parent / f"{process}.spec.json").read_text()


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


def test_data_the_walk_must_convert_round_trips_as_spiffworkflow_would() -> None:
    workflow = loaded(CURRENT[0])
    root = workflow.task_tree
    child = next(t for t in every_task(workflow) if t.parent is root)
    instant = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
    root.data = {"aprobado": True, "lista": [1, {"a": "b"}], "borrar": 1, "marca": {"x": 1}}
    child.data = {
        "aprobado": 1,  # equal to True: not an update, for both converters
        "lista": [1, {"a": "c"}],
        "marca": {"typename": "no es un tipo", "x": 1},
        "cuando": instant,
    }
    child.internal_data = {"event_value": "2026-12-02", "at": instant, "id": UUID(int=7)}
    quick, stock = QUICK.to_dict(child), stock_to_dict(child)
    assert quick == stock
    assert quick["delta"]["deletions"] == ["borrar"]
    assert quick["internal_data"]["at"] == {"value": instant.isoformat(), "typename": "datetime"}
    assert quick["delta"]["updates"]["marca"] is child.data["marca"]  # not copied, by either


def test_a_callable_in_internal_data_is_left_out_as_spiffworkflow_leaves_it_out() -> None:
    workflow = loaded(CURRENT[0])
    task = workflow.task_tree
    task.internal_data = {"keep": 1, "drop": len}
    assert QUICK.to_dict(task)["internal_data"] == stock_to_dict(task)["internal_data"]
    assert QUICK.to_dict(task)["internal_data"] == {"keep": 1}


def test_an_id_is_parsed_once_and_the_parsed_ids_kept_are_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = str(UUID(int=12345))
    assert task_converter.parsed_id(text) == UUID(text)
    assert task_converter.parsed_id(text) is task_converter.parsed_id(text)
    monkeypatch.setattr(task_converter, "_PARSED_IDS", {})
    monkeypatch.setattr(task_converter, "_MAX_PARSED_IDS", 3)
    for number in range(10):
        assert task_converter.parsed_id(str(UUID(int=number))) == UUID(int=number)
        assert len(task_converter._PARSED_IDS) <= 3
