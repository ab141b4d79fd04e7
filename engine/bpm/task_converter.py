"""SpiffWorkflow's task converter, the same dictionaries in fewer calls.

Every command restores a case's tasks and saves them again. SpiffWorkflow's `TaskConverter`
sends every value through its registry's generic walk (a type lookup and a call with keyword
arguments per value, its `DeepMerge` per task) and builds each restored task's data with a
merge written for any two dictionaries. Here the walk is skipped for what it would return
unchanged (texts, numbers, booleans, None, and dictionaries and lists of them) and the parent's
data is copied as that merge copies it into an empty dictionary. The dictionaries are the ones
`TaskConverter` writes and reads, key for key (`tests/unit/test_task_converter.py` compares
them on real cases): a state saved by either converter is read by both.
"""

from __future__ import annotations

from copy import copy
from functools import lru_cache
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.util.task import TaskState

_PRIMITIVES = frozenset({str, int, float, bool, type(None)})
_COPIED = (dict, list, set)  # what DeepMerge copies (shallowly) rather than shares


class QuickTaskConverter(TaskConverter):  # type: ignore[misc]
    def to_dict(self, task: Any) -> dict[str, Any]:
        parent = task.workflow.tasks.get(task._parent)
        data = task.data
        if parent is None:
            kept, delta = data, {}
        else:
            # DeepMerge.get_updated_keys and get_deleted_keys, against the parent's data.
            before = parent.data
            kept = {}
            delta = {
                "updates": {k: v for k, v in data.items() if k not in before or v != before[k]},
                "deletions": [k for k in before if k not in data],
            }
        return {
            "id": id_text(task.id),
            "parent": id_text(task._parent) if parent is not None else None,
            "children": [id_text(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task._state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self._converted(task.internal_data),
            "data": kept,
            "delta": delta,
        }

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Any:
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=parsed_id(dct["id"]))
        task._parent = parsed_id(dct["parent"]) if dct["parent"] is not None else None
        task._children = [parsed_id(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self._restored(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        parent = workflow.tasks.get(task._parent)
        if delta and parent is not None:
            # DeepMerge.merge({}, parent.data): every key, dicts, lists and sets copied.
            data = {k: copy(v) if isinstance(v, _COPIED) else v for k, v in parent.data.items()}
            data.update(self._restored(delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                data.pop(key, None)
        else:
            data = self._restored(dct["data"])
        task.data = data
        return task

    def _converted(self, value: dict[str, Any]) -> Any:
        """`registry.convert(value)`, for a task's internal data."""
        try:
            return _plain_copy(value)
        except _NotPlain:
            return self.registry.convert(value)

    def _restored(self, value: Any) -> Any:
        """`registry.restore(value)`."""
        try:
            return _plain_copy(value)
        except _NotPlain:
            return self.registry.restore(value)


# Parsing a UUID is most of restoring a task (every id is read as the task's, its parent's and a
# child's, and again by the next command), and writing one as text costs as much (a save writes
# each id as its task's key and id and among its parent's children, as the last save did): both
# are kept, the parsed ids shared as UUIDs are immutable.
KEPT_IDS = 20_000


@lru_cache(maxsize=KEPT_IDS)
def parsed_id(text: str) -> UUID:
    """`UUID(text)`, parsed once."""
    return UUID(text)


@lru_cache(maxsize=KEPT_IDS)
def id_text(task_id: UUID) -> str:
    """`str(task_id)`, written once."""
    return str(task_id)


class _NotPlain(Exception):
    """A value the registry's walk would change: it does the work."""


def _plain_copy(value: Any) -> Any:
    """A copy of `value` made only of texts, numbers, booleans and None, in dictionaries (with
    no `typename`, the registry's mark) and lists: what the registry's walk returns for it."""
    kind = type(value)
    if kind in _PRIMITIVES:
        return value
    if kind is dict:
        if "typename" in value:
            raise _NotPlain
        return {key: _plain_copy(item) for key, item in value.items()}
    if kind is list:
        return [_plain_copy(item) for item in value]
    raise _NotPlain
