"""Moving a running case to another deployed version of its procedure.

SpiffWorkflow aligns two specs (`SpecDiff`: by element id first, then by structure) and moves a
workflow onto the new one (`migrate_workflow`: its ready and waiting branches are reset and
predicted again from the new diagram; completed history is kept). What it leaves to us is
whether a move is safe for this case: `migration_refusals` says so, in words an analyst can act
on, and `migrate_to` does the move only after that check found nothing.

A case is refused, unchanged, when an element it is at (a task in the inbox, a waiting timer,
a running call activity) is missing from the target or of another kind, when the target form
of a task in the inbox does not accept the case's data, when it is inside a called process,
subprocess or multi-instance task that the target changed, or when its saved history holds an
element the target no longer has (the state could not be read back).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.bpm import spiff_state
from engine.bpm.definition_cache import DeployedDefinition
from engine.bpm.forms import held_data_errors

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_RESET = TaskState.READY | TaskState.WAITING

KIND_WORDS = {
    "userTask": "una tarea de usuario",
    "manualTask": "una tarea manual",
    "serviceTask": "una tarea de servicio",
    "scriptTask": "una tarea de guion",
    "sendTask": "una tarea de envío",
    "receiveTask": "una tarea de recepción",
    "businessRuleTask": "una tarea de regla de negocio",
    "task": "una tarea",
    "callActivity": "una actividad de llamada",
    "subProcess": "un subproceso",
    "transaction": "una transacción",
    "intermediateCatchEvent": "un evento intermedio de espera",
    "intermediateThrowEvent": "un evento intermedio de envío",
    "boundaryEvent": "un evento de borde",
    "startEvent": "un evento de inicio",
    "endEvent": "un evento de fin",
    "exclusiveGateway": "una compuerta exclusiva",
    "parallelGateway": "una compuerta paralela",
    "inclusiveGateway": "una compuerta inclusiva",
    "eventBasedGateway": "una compuerta de eventos",
}


def active_elements(workflow: BpmnWorkflow) -> list[tuple[str, str]]:
    """(process key, element id) of every BPMN element the case is at, in tree order."""
    return [
        (task.workflow.spec.name, task.task_spec.bpmn_id)
        for task in workflow.get_tasks(state=ACTIVE)
        if task.task_spec.bpmn_id
    ]


def migration_refusals(
    workflow: BpmnWorkflow, source: DeployedDefinition, target: DeployedDefinition
) -> list[str]:
    """Why this case cannot move from `source` to `target`, one sentence each; empty: it can."""
    target_spec, target_subprocesses = spiff_state.spec_objects(target.spec)
    registry = spiff_state.spec_registry()
    try:
        spec_diff = SpecDiff(registry, workflow.spec, target_spec)
        diff = WorkflowDiff(workflow, spec_diff)
    except (KeyError, AttributeError) as error:  # a spec SpiffWorkflow cannot align
        return [f"no se pudo comparar el estado del caso con la versión {target.version} ({error})"]
    refusals: list[str] = []
    changed_subprocesses = _changed_subprocesses(workflow, target_subprocesses, registry)
    for task in workflow.get_tasks(state=ACTIVE):
        element_id = task.task_spec.bpmn_id
        if not element_id:
            continue
        process = task.workflow.spec.name
        name = _name(source, process, element_id)
        if task.workflow is not workflow:
            if process in changed_subprocesses:
                refusals.append(
                    f"'{name}' está dentro de '{process}', {changed_subprocesses[process]} "
                    f"en la versión {target.version}: un caso no cambia de versión a mitad de "
                    "un proceso llamado o subproceso modificado"
                )
            continue
        refusals.extend(_element_refusals(task, name, source, target, diff, spec_diff))
    refusals.extend(_history_refusals(workflow, diff, target))
    return list(dict.fromkeys(refusals))


def migrate_to(workflow: BpmnWorkflow, target: DeployedDefinition) -> None:
    """Move the workflow onto `target`'s spec; `migration_refusals` must have found nothing.

    The workflow must carry the engine's script engine: the reset branches are predicted again,
    and a waiting timer evaluates its expression. Each reset task keeps its data and its
    internal data (a timer's due time, a join's arrivals): the case keeps its deadlines.
    """
    target_spec, target_subprocesses = spiff_state.spec_objects(target.spec)
    diff = WorkflowDiff(workflow, SpecDiff(spiff_state.spec_registry(), workflow.spec, target_spec))
    kept = {
        task.id: (task.data, dict(task.internal_data))
        for task in workflow.get_tasks(state=_RESET, skip_subprocesses=True)
    }
    history = [task for task in diff.removed if _is_shared_history(workflow, task)]
    migrate_workflow(diff, workflow, target_spec)
    for task in history:
        task.task_spec = target_spec.start
    for task_id, (data, internal) in kept.items():
        task = workflow.tasks.get(task_id)
        if task is not None:
            task.data, task.internal_data = data, internal
    workflow.subprocess_specs = target_subprocesses
    for subprocess in workflow.subprocesses.values():
        spec = target_subprocesses[subprocess.spec.name]
        subprocess.spec = spec
        for task in subprocess.tasks.values():
            task.task_spec = spec.task_specs[task.task_spec.name]


def _element_refusals(
    task: Any,
    name: str,
    source: DeployedDefinition,
    target: DeployedDefinition,
    diff: WorkflowDiff,
    spec_diff: SpecDiff,
) -> Iterable[str]:
    changes = spec_diff.comparisons.get(task.task_spec) or []
    process = task.workflow.spec.name
    element_id = task.task_spec.bpmn_id
    before = source.elements.get(process, {}).get(element_id, {})
    after = target.elements.get(process, {}).get(element_id)
    if after is None or diff.alignment.get(task) is None:
        yield f"'{name}' ({element_id}) está activa en el caso y no existe en la versión {target.version}"
        return
    if after.get("kind") != before.get("kind") or "typename" in changes:
        yield (
            f"'{name}' es {KIND_WORDS.get(before.get('kind', ''), before.get('kind'))} en la "
            f"versión {source.version} y {KIND_WORDS.get(after.get('kind', ''), after.get('kind'))} "
            f"en la versión {target.version}"
        )
        return
    if _is_multi_instance(task) and changes:
        yield (
            f"'{name}' es una tarea multiinstancia en curso que cambió en la versión "
            f"{target.version}: sus instancias no se pueden trasladar"
        )
    if task.state == TaskState.READY and after.get("kind") in ("userTask", "manualTask"):
        yield from _form_refusals(task, after, target)


def _form_refusals(task: Any, element: dict[str, Any], target: DeployedDefinition) -> Iterable[str]:
    """The target form must exist and accept what the case already holds for its fields."""
    name = element.get("name") or element["id"]
    form = element.get("properties", {}).get("formJsonSchemaFilename")
    if not form:
        return
    schema = target.forms.get(form)
    if not isinstance(schema, dict):
        yield f"el formulario '{form}' de '{name}' no está en la versión {target.version}"
        return
    for field, (value, message) in held_data_errors(schema, task.data).items():
        yield (
            f"el formulario de '{name}' en la versión {target.version} no acepta el dato "
            f"'{field}' que el caso ya tiene ({value!r}): {message}"
        )


def _history_refusals(
    workflow: BpmnWorkflow, diff: WorkflowDiff, target: DeployedDefinition
) -> Iterable[str]:
    """Tasks kept in the saved tree whose element the target lacks, other than the history
    every active task comes from (see `_is_shared_history`) and the branches the move predicts
    again: the saved state would name a spec the target cannot restore."""
    reset = list(workflow.get_tasks(state=_RESET, skip_subprocesses=True))
    for task in diff.removed:
        if task.has_state(ACTIVE) or any(task.is_descendant_of(r) for r in reset):
            continue
        if _is_shared_history(workflow, task):
            continue
        yield (
            f"el caso conserva el elemento '{task.task_spec.bpmn_name or task.task_spec.name}' "
            f"({task.task_spec.bpmn_id or task.task_spec.name}), que no existe en la versión "
            f"{target.version}, en una rama que sigue abierta"
        )


def _is_shared_history(workflow: BpmnWorkflow, task: Any) -> bool:
    """A finished task every active task descends from: the trail the case came by (the saved
    tree keeps it so joins and loops see a completed predecessor). Its own record lives in the
    audit trail; in the state it only needs a spec the target has."""
    if not task.has_state(TaskState.FINISHED_MASK):
        return False
    active = [t for t in workflow.get_tasks(state=ACTIVE, skip_subprocesses=True)]
    return bool(active) and all(t.is_descendant_of(task) for t in active)


def _changed_subprocesses(
    workflow: BpmnWorkflow, target_subprocesses: dict[str, Any], registry: Any
) -> dict[str, str]:
    """Running called processes and subprocesses that the target lacks or changed, with why."""
    changed: dict[str, str] = {}
    for subprocess in workflow.subprocesses.values():
        name = subprocess.spec.name
        new = target_subprocesses.get(name)
        if new is None:
            changed[name] = "que no existe"
        elif registry.convert(new) != registry.convert(subprocess.spec):
            changed[name] = "que cambió"
    return changed


def _is_multi_instance(task: Any) -> bool:
    parent = task.parent
    return isinstance(task.task_spec, LoopTask) or (
        parent is not None and isinstance(parent.task_spec, LoopTask)
    )


def _name(definition: DeployedDefinition, process: str, element_id: str) -> str:
    element = definition.elements.get(process, {}).get(element_id, {})
    return str(element.get("name") or element_id)
