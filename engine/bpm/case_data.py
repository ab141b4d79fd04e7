"""The case's data model, in one place: case variables and multi-instance locals.

Case variables have the process's scope (Camunda's process variables). A form's fields become
case variables when it is submitted: from then on every branch of the process sees them (every
unfinished task of the process, at any depth of embedded subprocesses), and of two writes the
last committed wins. SpiffWorkflow by itself gives each branch a copy of the data taken at the
split and lets the last branch to reach a join bring its copy; sharing each submission with
every unfinished task makes the copies agree.

A multi-instance activity's instances have local variables: the input item, the output item and
the fields of the forms submitted inside an instance. They stay in the instance and reach the
case only through the output collection, which starts empty each time the activity starts
(it is the activity's result, not an accumulation over rounds). An activity updating its input
collection in place (input and output the same variable) keeps it.

A called process (call activity) is another process: it gets a copy of the case variables when
it starts and works on its own case variables until it ends (SpiffWorkflow then copies them
back into the caller).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

_PREPARED: set[int] = set()  # ids of the (shared, cached) multi-instance specs already hooked
# Process specs whose task specs were all looked at (every command prepares its workflow).
_PREPARED_PROCESSES: weakref.WeakSet[Any] = weakref.WeakSet()
_SHADOWED = "shadowed_case_variables"  # an activity's internal data: case variables its items hide


def prepare(workflow: BpmnWorkflow) -> None:
    """Hook the multi-instance activities of `workflow`'s definition (once per spec object)."""
    specs = [workflow.spec, *workflow.subprocess_specs.values()]
    for process in specs:
        if process in _PREPARED_PROCESSES:
            continue
        for spec in process.task_specs.values():
            if isinstance(spec, MultiInstanceTask) and id(spec) not in _PREPARED:
                spec.update_event.connect(_start_activation)
                spec.completed_event.connect(_end_activation)
                _PREPARED.add(id(spec))
        _PREPARED_PROCESSES.add(process)


def share_submission(task: Any, fields: Mapping[str, Any]) -> None:
    """A form's fields, submitted on `task` (already in its data): case variables for every
    branch of its scope, or locals of the multi-instance instance it belongs to."""
    if _instance_parent(task) is not None:
        return  # a multi-instance user task: its form is the instance's own
    scope = _scope_root(task.workflow)
    for target in list(_unfinished_tasks(task.workflow.top_workflow, scope)):
        if target is task:
            continue
        local = _local_names(target, scope)
        shared = {name: value for name, value in fields.items() if name not in local}
        target.data.update(shared)
        if isinstance(target.task_spec, MultiInstanceTask):  # a case variable its items hide
            hidden = _item_names(target.task_spec)
            stash = target.internal_data.setdefault(_SHADOWED, {})
            stash.update({name: value for name, value in fields.items() if name in hidden})
        # A waiting catch event takes its parent's data again each time SpiffWorkflow updates
        # it (a boundary timer's token when it fires): its finished parent must agree too. Only
        # there: other finished tasks keep the data they finished with.
        parent = target.parent
        if (
            isinstance(target.task_spec, CatchingEvent)
            and target.has_state(TaskState.WAITING)
            and parent is not None
            and not parent.has_state(TaskState.NOT_FINISHED_MASK)
        ):
            parent.data.update(shared)


def case_view(task: Any) -> dict[str, Any]:
    """The data `task` sees, without the locals of the multi-instance instances around it."""
    instance = _nearest_instance(task)
    if instance is None:
        return {**task.data, **(task.internal_data.get(_SHADOWED) or {})}
    return case_view(instance.parent)


def running_results(top: BpmnWorkflow) -> dict[str, Any]:
    """The output collections of the multi-instance activities running now (outside any
    instance): the activity's result so far, empty when it starts, whatever the case data
    held before (last round's results are not this round's)."""
    results: dict[str, Any] = {}
    for workflow in [top, *top.subprocesses.values()]:
        for task in workflow.tasks.values():
            spec = task.task_spec
            if (
                isinstance(spec, MultiInstanceTask)
                and task.has_state(TaskState.STARTED)
                and spec.data_output is not None
                and spec.data_output.bpmn_id in task.data
                and _nearest_instance(task) is None
            ):
                results[spec.data_output.bpmn_id] = task.data[spec.data_output.bpmn_id]
    return results


# -- multi-instance ---------------------------------------------------------------------------


def _start_activation(workflow: Any, task: Any) -> None:
    """Called by SpiffWorkflow as a multi-instance activity starts, its data just inherited."""
    spec = task.task_spec
    # The items are the instances' locals, never the activity's: a case variable of the same
    # name, inherited again at each update (before a sequential activity's next instance),
    # would make SpiffWorkflow refuse the instance ("output item ... already exists").
    hidden = {name: task.data.pop(name) for name in _item_names(spec) if name in task.data}
    if task.internal_data.get("merged"):
        return  # already running (a later update of the same activation)
    task.internal_data[_SHADOWED] = hidden  # the case variables, back when the activity ends
    output, data_input = spec.data_output, spec.data_input
    if output is not None and (data_input is None or data_input.bpmn_id != output.bpmn_id):
        task.data.pop(output.bpmn_id, None)


def _end_activation(workflow: Any, task: Any) -> None:
    """Called by SpiffWorkflow as a multi-instance activity completes, before its successors
    take its data: the case variables its items hid are visible again."""
    task.data.update(task.internal_data.pop(_SHADOWED, None) or {})


def _item_names(spec: Any) -> set[str]:
    return {item.bpmn_id for item in (spec.input_item, spec.output_item) if item is not None}


def _instance_parent(task: Any) -> Any:
    """The multi-instance activity whose instance `task` is, if it is one."""
    parent = task.parent
    if (
        parent is not None
        and isinstance(parent.task_spec, MultiInstanceTask)
        and parent.task_spec.task_spec == task.task_spec.name
    ):
        return parent
    return None


def _owner(workflow: Any) -> Any:
    """The task that runs a subprocess's workflow (None for the top-level process)."""
    if workflow.parent_task_id is None:
        return None
    return workflow.top_workflow.get_task_from_id(workflow.parent_task_id)


def _nearest_instance(task: Any) -> Any:
    """The closest multi-instance instance holding `task` (itself included), else None."""
    current = task
    while current is not None:
        if _instance_parent(current) is not None:
            return current
        owner = _owner(current.workflow)
        if owner is None or isinstance(owner.task_spec, CallActivity):
            return None
        current = owner
    return None


def _is_scope(workflow: Any) -> bool:
    owner = _owner(workflow)
    return (
        owner is None
        or isinstance(owner.task_spec, CallActivity)
        or _instance_parent(owner) is not None
    )


def _scope_root(workflow: Any) -> Any:
    """The workflow whose variables a task of `workflow` writes: the process, a called
    process, or a multi-instance subprocess's instance."""
    while not _is_scope(workflow):
        workflow = _owner(workflow).workflow
    return workflow


def _unfinished_tasks(top: BpmnWorkflow, scope: Any) -> Iterator[Any]:
    for workflow in [top, *top.subprocesses.values()]:
        if _scope_root(workflow) is scope:
            yield from workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK)


def _local_names(task: Any, scope: Any) -> set[str]:
    """Names local to multi-instance instances between `task` and `scope`."""
    names: set[str] = set()
    current = task
    if isinstance(task.task_spec, MultiInstanceTask):
        names.update(_item_names(task.task_spec))
    while current is not None:
        parent = _instance_parent(current)
        if parent is not None:
            spec = parent.task_spec
            names.update(item.bpmn_id for item in (spec.input_item, spec.output_item) if item)
        if current.workflow is scope:
            break
        current = _owner(current.workflow)
    return names
