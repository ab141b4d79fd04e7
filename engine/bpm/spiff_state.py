"""Serialized workflow state: the spec stored once per definition, the live tree kept small.

A case's snapshot holds only its task tree. After every command the tree is re-rooted at the
parent of the lowest common ancestor of the unfinished tasks, and the completed rest is dropped:
history lives in our own rows (audit events, task rows), so a case with a thousand completed
steps loads and steps as fast as a new one.
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    MultipleEventDefinitionConverter,
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import (
    MIGRATIONS as SPIFF_MIGRATIONS,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.bpm.state_format import (
    FORMAT_1_SPIFF_VERSION,
    FORMAT_KEY,
    SPIFF_VERSION,
    SPIFF_VERSION_KEY,
    STATE_FORMAT,
    upgrade,
)
from engine.bpm.task_converter import QuickTaskConverter, id_text, parsed_id
from engine.errors import UnreadableState


class _SharedSpecWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Restores a workflow around spec objects already restored (and cached) for its definition,
    and saves one without its specs: they are stored once per definition, and converting them
    on every save was a tenth of a command's time."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def mapping_to_dict(self, mapping: dict[Any, Any], **kwargs: Any) -> dict[str, Any]:
        """SpiffWorkflow's, with each task id's text written once (`id_text`)."""
        convert = self.registry.convert
        return {
            id_text(key) if type(key) is UUID else str(key): convert(value, **kwargs)
            for key, value in mapping.items()
        }

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        workflow = self.target_class(
            dct.pop("spec"), dct.pop("subprocess_specs"), deserializing=True
        )
        workflow.tasks = self.mapping_from_dict(dct["tasks"], parsed_id, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(parsed_id(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class _ClockTimeDate(TimeDateEventDefinition):  # type: ignore[misc]
    """A timeDate timer that fires when the engine says so (by its clock), never by wall time."""

    def due(self, my_task: Any) -> str:
        return str(my_task.workflow.script_engine.evaluate(my_task, self.expression))

    def has_fired(self, my_task: Any) -> bool:
        if my_task._get_internal_data("event_value") is None:
            my_task._set_internal_data(event_value=self.due(my_task))
        return bool(my_task._get_internal_data("event_fired", False))


class _ClockDuration(DurationTimerEventDefinition):  # type: ignore[misc]
    """A timeDuration timer measured from the engine's clock."""

    def due(self, my_task: Any) -> str:
        expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
        duration = self.get_timedelta_from_start(self.parse_iso_duration(expression))
        return str((my_task.workflow.script_engine.clock.now() + duration).isoformat())

    def has_fired(self, my_task: Any) -> bool:
        if my_task._get_internal_data("event_value") is None:
            my_task._set_internal_data(event_value=self.due(my_task))
        return bool(my_task._get_internal_data("event_fired", False))


_GATEWAY_DUE = "timers_due"  # an event-based gateway's internal data: each timer's due instant
_GATEWAY_FIRED = "timer_fired"  # the name of the gateway's timer the engine fired


class _ClockGatewayEvents(MultipleEventDefinition):  # type: ignore[misc]
    """An event-based gateway's events. SpiffWorkflow moves its catch events' definitions onto
    the gateway's task, where its own timers would share one due instant (the first timer's)
    and all fire together: here each timer has its own, by the engine's clock, and only the
    one the engine fires (the earliest due) is seen, so the gateway takes one path."""

    def timers(self) -> list[Any]:
        return [d for d in self.event_definitions if isinstance(d, TimerEventDefinition)]

    def has_fired(self, my_task: Any) -> bool:
        dues = dict(my_task._get_internal_data(_GATEWAY_DUE) or {})
        for timer in self.timers():
            if timer.name not in dues:
                dues[timer.name] = timer.due(my_task)
        my_task._set_internal_data(**{_GATEWAY_DUE: dues})
        fired = my_task._get_internal_data(_GATEWAY_FIRED)
        seen = list(my_task.internal_data.get("seen_events", []))
        for timer in self.timers():
            if timer.name == fired and not any(e.event_definition == timer for e in seen):
                seen.append(BpmnEvent(timer))
        my_task.internal_data["seen_events"] = seen
        return len(seen) > 0

    def reset(self, my_task: Any) -> None:
        my_task.internal_data.pop(_GATEWAY_DUE, None)
        my_task.internal_data.pop(_GATEWAY_FIRED, None)
        super().reset(my_task)


_CONFIG = {
    **SPIFF_CONFIG,
    BpmnWorkflow: _SharedSpecWorkflowConverter,
    Task: QuickTaskConverter,
}
_REGISTRY = BpmnWorkflowSerializer.configure(_CONFIG)
# Restore timer definitions as the engine's own (same serialized name, so states stay portable).
for _timer_class, _spiff_class in (
    (_ClockTimeDate, TimeDateEventDefinition),
    (_ClockDuration, DurationTimerEventDefinition),
):
    TimerConditionalEventDefinitionConverter(
        _timer_class, _REGISTRY, typename=_spiff_class.__name__
    )
MultipleEventDefinitionConverter(
    _ClockGatewayEvents, _REGISTRY, typename=MultipleEventDefinition.__name__
)
_SERIALIZER = BpmnWorkflowSerializer(_REGISTRY)


def is_timer(task: Any) -> bool:
    """A timer catch event, or an event-based gateway with a timer among its events."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, _ClockGatewayEvents):
        return bool(definition.timers())
    return isinstance(definition, TimerEventDefinition)


def _instant(value: Any) -> datetime:
    instant = datetime.fromisoformat(str(value))
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _next_gateway_timer(task: Any) -> tuple[str, datetime] | None:
    """The gateway's timer due first (its name and instant), None until they are evaluated."""
    dues = task._get_internal_data(_GATEWAY_DUE) or {}
    order = [timer.name for timer in task.task_spec.event_definition.timers()]
    timed = [(_instant(dues[name]), order.index(name), name) for name in order if name in dues]
    if not timed:
        return None
    at, _, name = min(timed)
    return name, at


def timer_due_at(task: Any) -> datetime | None:
    """When a waiting timer task fires (None until the engine has evaluated it)."""
    if isinstance(task.task_spec.event_definition, _ClockGatewayEvents):
        upcoming = _next_gateway_timer(task)
        return upcoming[1] if upcoming else None
    value = task._get_internal_data("event_value")
    return None if value is None else _instant(value)


def timer_element(task: Any) -> str:
    """The element of the timer that fires next on `task`: the catch event after an
    event-based gateway (its events are on the gateway's task), else the task's own."""
    spec = task.task_spec
    if isinstance(spec.event_definition, _ClockGatewayEvents):
        upcoming = _next_gateway_timer(task)
        for definition, output in zip(
            spec.event_definition.event_definitions, spec.outputs, strict=True
        ):
            if upcoming and definition.name == upcoming[0]:
                return str(output.bpmn_id)
    return str(spec.bpmn_id)


def fire_timer(task: Any) -> None:
    """Fire a due timer; of an event-based gateway, the one due first (one path is taken)."""
    if isinstance(task.task_spec.event_definition, _ClockGatewayEvents):
        upcoming = _next_gateway_timer(task)
        if upcoming is not None:
            task._set_internal_data(**{_GATEWAY_FIRED: upcoming[0]})
        return
    task._set_internal_data(event_fired=True)


def serialize_spec(spec: Any, subprocess_specs: dict[str, Any]) -> str:
    registry = _SERIALIZER.registry
    return json.dumps(
        {
            SPIFF_VERSION_KEY: SPIFF_VERSION,
            "spec": registry.convert(spec),
            "subprocess_specs": {name: registry.convert(s) for name, s in subprocess_specs.items()},
        }
    )


@lru_cache(maxsize=64)
def _spec_parts(spec_json: str) -> tuple[Any, dict[str, Any]]:
    # Specs are immutable once deployed, so restored objects are shared between cases.
    parts = json.loads(spec_json)
    version = parts.pop(SPIFF_VERSION_KEY, FORMAT_1_SPIFF_VERSION)
    if version != SPIFF_VERSION:
        # A spec deployed under an older SpiffWorkflow, alone: no task refers to it yet.
        parts.update(tasks={}, subprocesses={})
        _migrate_spiff(parts, version, f"la definición {parts['spec'].get('name')}")
    return _restore_spec(parts)


def _restore_spec(parts: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    registry = _SERIALIZER.registry
    return registry.restore(parts["spec"]), {
        name: registry.restore(s) for name, s in parts["subprocess_specs"].items()
    }


def spec_objects(spec_json: str) -> tuple[Any, dict[str, Any]]:
    """A deployed spec restored (shared, cached): the process spec and its subprocess specs."""
    return _spec_parts(spec_json)


def spec_registry() -> Any:
    """The serializer's registry: what SpiffWorkflow's spec diff compares task specs with."""
    return _SERIALIZER.registry


def new_workflow(spec_json: str) -> BpmnWorkflow:
    spec, subprocess_specs = _spec_parts(spec_json)
    return BpmnWorkflow(spec, subprocess_specs)


def dump_workflow(workflow: BpmnWorkflow) -> bytes:
    _prune_finished_history(workflow)
    state = _SERIALIZER.to_dict(workflow)
    state[FORMAT_KEY] = STATE_FORMAT
    state[SPIFF_VERSION_KEY] = SPIFF_VERSION
    return zlib.compress(json.dumps(state, separators=(",", ":")).encode(), 1)


def load_workflow(state: bytes, spec_json: str, *, case: str) -> BpmnWorkflow:
    """Restore a case's workflow (`case` names it in errors), upgrading an older saved state.

    Raises `UnreadableState`, having changed nothing, for a format or a SpiffWorkflow
    serializer version this code does not know, or a state that does not decode.
    """
    parts = _decode(state, case)
    upgrade(parts, case)
    parts.pop(FORMAT_KEY)
    version = parts.pop(SPIFF_VERSION_KEY, None)
    if version == SPIFF_VERSION:
        spec, subprocess_specs = _spec_parts(spec_json)
    else:
        spec, subprocess_specs = _migrate_with_spec(parts, version, spec_json, case)
    parts["spec"] = spec
    parts["subprocess_specs"] = subprocess_specs
    workflow: BpmnWorkflow = _SERIALIZER.from_dict(parts)
    return workflow


def _decode(state: bytes, case: str) -> dict[str, Any]:
    try:
        parts = json.loads(zlib.decompress(state))
    except (zlib.error, ValueError) as error:
        raise UnreadableState(
            f"el estado guardado del caso {case} no se pudo leer ({error}); no se cambió nada"
        ) from error
    if not isinstance(parts, dict):
        raise UnreadableState(
            f"el estado guardado del caso {case} no es un estado del motor; no se cambió nada"
        )
    return parts


def _migrate_with_spec(
    parts: dict[str, Any], version: object, spec_json: str, case: str
) -> tuple[Any, dict[str, Any]]:
    """Run SpiffWorkflow's migrations over a state saved by an older SpiffWorkflow.

    Its migrations change task specs and tasks together, so they run over the whole workflow
    dictionary: the state with its definition's spec as stored (not the shared, cached objects),
    which must be of the same serializer version.
    """
    stored_spec = json.loads(spec_json)
    spec_version = stored_spec.pop(SPIFF_VERSION_KEY, FORMAT_1_SPIFF_VERSION)
    if spec_version != version:
        _check_known(version, f"el caso {case}")
        raise UnreadableState(
            f"el caso {case} fue guardado con la versión {version} del serializador de "
            f"SpiffWorkflow y su definición con la {spec_version}: no se pueden migrar juntos; "
            "no se cambió nada"
        )
    parts.update(stored_spec)
    _migrate_spiff(parts, version, f"el caso {case}")
    return _restore_spec(parts)


def _check_known(version: object, what: str) -> None:
    if version == SPIFF_VERSION or version in SPIFF_MIGRATIONS:
        return
    raise UnreadableState(
        f"{what} está guardado con la versión {version!r} del serializador de SpiffWorkflow, "
        f"que esta versión (SpiffWorkflow con serializador {SPIFF_VERSION}) no sabe leer "
        "(¿más nueva?); no se cambió nada"
    )


def _migrate_spiff(parts: dict[str, Any], version: object, what: str) -> None:
    """SpiffWorkflow's own upgrade of its dictionary, as its `deserialize_json` runs it."""
    _check_known(version, what)
    parts[SPIFF_VERSION_KEY] = version
    try:
        _SERIALIZER.migrate(parts)
    except Exception as error:  # a migration over a state it did not foresee: refuse, unchanged
        raise UnreadableState(
            f"{what}: la migración de SpiffWorkflow desde la versión {version} falló ({error!r}); "
            "no se cambió nada"
        ) from error


def _prune_finished_history(workflow: BpmnWorkflow) -> None:
    tasks = workflow.tasks
    # Walked by ids (as SpiffWorkflow's iterator does, without its filtering per task): this
    # runs on every save.
    unfinished = [
        t for t in _subtree(tasks, workflow.task_tree) if not t.has_state(TaskState.FINISHED_MASK)
    ]
    if not unfinished:
        return
    ancestor = _lowest_common_ancestor(tasks, unfinished)
    # Keep the ancestor's parent so joins and loops still see a completed predecessor.
    parent = tasks.get(ancestor._parent)
    new_root = parent if parent is not None else ancestor
    if new_root is workflow.task_tree:
        return
    kept: set[UUID] = {task.id for task in _subtree(tasks, new_root)}
    for task_id in list(tasks):
        if task_id not in kept:
            del tasks[task_id]
    _drop_orphan_subprocesses(workflow)
    new_root.data = dict(new_root.data)
    new_root._parent = None
    if new_root is not ancestor:
        new_root._children = [ancestor.id]
    workflow.task_tree = new_root
    if workflow.last_task is not None and workflow.last_task.id not in kept:
        workflow.last_task = None


def _subtree(tasks: dict[UUID, Any], root: Any) -> list[Any]:
    """`root` and every task below it, depth first in the tree's order."""
    found = []
    pending = [root]
    while pending:
        task = pending.pop()
        found.append(task)
        pending.extend(tasks[child] for child in reversed(task._children) if child in tasks)
    return found


def _drop_orphan_subprocesses(workflow: BpmnWorkflow) -> None:
    """Remove subprocess states whose owning task (at any depth) was pruned."""
    while True:
        owners = set(workflow.tasks).union(*(sp.tasks for sp in workflow.subprocesses.values()))
        orphans = [task_id for task_id in workflow.subprocesses if task_id not in owners]
        if not orphans:
            return
        for task_id in orphans:
            del workflow.subprocesses[task_id]


def _lowest_common_ancestor(tasks: dict[UUID, Any], unfinished: list[Any]) -> Any:
    paths = []
    for task in unfinished:
        path = [task]
        parent = tasks.get(task._parent)
        while parent is not None:
            path.append(parent)
            parent = tasks.get(parent._parent)
        paths.append(path[::-1])
    ancestor = paths[0][0]
    for depth in range(min(len(path) for path in paths)):
        node = paths[0][depth]
        if any(path[depth] is not node for path in paths):
            break
        ancestor = node
    return ancestor
