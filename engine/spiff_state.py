"""Serialized workflow state: the spec stored once per definition, the live tree kept small.

A case's snapshot holds only its task tree. After every command the tree is re-rooted at the
parent of the lowest common ancestor of the unfinished tasks, and the completed rest is dropped:
history lives in our own rows (audit events, task rows), so a case with a thousand completed
steps loads and steps as fast as a new one.
"""

from __future__ import annotations

import json
import zlib
from functools import lru_cache
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState


class _SharedSpecWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Restores a workflow around spec objects already restored (and cached) for its definition."""

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        workflow = self.target_class(
            dct.pop("spec"), dct.pop("subprocess_specs"), deserializing=True
        )
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_CONFIG = {**SPIFF_CONFIG, BpmnWorkflow: _SharedSpecWorkflowConverter}
_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))
STATE_FORMAT = 1


def serialize_spec(spec: Any, subprocess_specs: dict[str, Any]) -> str:
    registry = _SERIALIZER.registry
    return json.dumps(
        {
            "spec": registry.convert(spec),
            "subprocess_specs": {name: registry.convert(s) for name, s in subprocess_specs.items()},
        }
    )


@lru_cache(maxsize=64)
def _spec_parts(spec_json: str) -> tuple[Any, dict[str, Any]]:
    # Specs are immutable once deployed, so restored objects are shared between cases.
    parts = json.loads(spec_json)
    registry = _SERIALIZER.registry
    return registry.restore(parts["spec"]), {
        name: registry.restore(s) for name, s in parts["subprocess_specs"].items()
    }


def new_workflow(spec_json: str) -> BpmnWorkflow:
    spec, subprocess_specs = _spec_parts(spec_json)
    return BpmnWorkflow(spec, subprocess_specs)


def dump_workflow(workflow: BpmnWorkflow) -> bytes:
    _prune_finished_history(workflow)
    state = _SERIALIZER.to_dict(workflow)
    state.pop("spec")
    state.pop("subprocess_specs")
    state["format"] = STATE_FORMAT
    return zlib.compress(json.dumps(state, separators=(",", ":")).encode(), 1)


def load_workflow(state: bytes, spec_json: str) -> BpmnWorkflow:
    parts = json.loads(zlib.decompress(state))
    parts.pop("format", None)
    spec, subprocess_specs = _spec_parts(spec_json)
    parts["spec"] = spec
    parts["subprocess_specs"] = subprocess_specs
    workflow: BpmnWorkflow = _SERIALIZER.from_dict(parts)
    return workflow


def _prune_finished_history(workflow: BpmnWorkflow) -> None:
    unfinished = [t for t in workflow.task_tree if not t.has_state(TaskState.FINISHED_MASK)]
    if not unfinished:
        return
    ancestor = _lowest_common_ancestor(unfinished)
    # Keep the ancestor's parent so joins and loops still see a completed predecessor.
    new_root = ancestor.parent if ancestor.parent is not None else ancestor
    if new_root is workflow.task_tree:
        return
    kept: set[UUID] = {task.id for task in new_root}
    for task_id in list(workflow.tasks):
        if task_id not in kept:
            del workflow.tasks[task_id]
    _drop_orphan_subprocesses(workflow)
    new_root.data = dict(new_root.data)
    new_root._parent = None
    if new_root is not ancestor:
        new_root._children = [ancestor.id]
    workflow.task_tree = new_root
    if workflow.last_task is not None and workflow.last_task.id not in kept:
        workflow.last_task = None


def _drop_orphan_subprocesses(workflow: BpmnWorkflow) -> None:
    """Remove subprocess states whose owning task (at any depth) was pruned."""
    while True:
        owners = set(workflow.tasks).union(*(sp.tasks for sp in workflow.subprocesses.values()))
        orphans = [task_id for task_id in workflow.subprocesses if task_id not in owners]
        if not orphans:
            return
        for task_id in orphans:
            del workflow.subprocesses[task_id]


def _lowest_common_ancestor(tasks: list[Any]) -> Any:
    paths = []
    for task in tasks:
        path = []
        node = task
        while node is not None:
            path.append(node)
            node = node.parent
        paths.append(path[::-1])
    ancestor = paths[0][0]
    for depth in range(min(len(path) for path in paths)):
        candidates = {path[depth].id for path in paths}
        if len(candidates) != 1:
            break
        ancestor = paths[0][depth]
    return ancestor
