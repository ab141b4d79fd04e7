"""Analyst-readable scenarios: start a case, then "as user U complete task T with data D",
checking the open tasks, the case data (policy outcomes) and the end state after each step.

A scenario file (YAML) holds one procedure's scenarios:

    procedure: P001
    scenarios:
      - name: Delegación puntual aprobada
        clock: 2026-12-01T09:00:00-05:00          # optional: the engine's clock at start
        start: {as: despacho, data: {...}}
        steps:
          - {as: despacho, complete: proponer_delegado, data: {...}, expect: {tasks: [aprobar_delegacion]}}
          - {clock: 2026-12-09T08:00:00-05:00, expect: {tasks: [diligenciar_ficha]}}   # fires due timers
          - {as: salud, complete: aprobar_delegacion, data: {}, expect: {error: Forbidden}}
        end: {status: completed, data: {decision_secretario: aprobar}, commitments: 2}

`expect.tasks` lists the open task elements (order ignored); `expect.data` is a subset of the
case data; `expect.error` names the EngineError the step must raise (nothing changes then).
`index` picks among several open tasks of one element (multi-instance), counting from 0.
`start: {as: U, data: D, expect: {error: Forbidden}}` checks that a start is refused (no case).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from engine.bpm.bpmn_xml import NS, parse_xml
from engine.bpm.clock import ManualClock
from engine.bpm.deployment import latest_definitions
from engine.commands.facade import Engine
from engine.errors import EngineError
from engine.jobs.runner import fire_due_timers
from storage.models import AuditEvent, Case, Commitment, Definition, Task


class _StringDatesLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: form data keeps dates as the ISO strings forms expect."""


_StringDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}


@dataclass
class Scenario:
    procedure: str
    name: str
    source: Path
    start: dict[str, Any]
    steps: list[dict[str, Any]]
    end: dict[str, Any]
    clock: str | None = None


@dataclass
class ScenarioResult:
    scenario: Scenario
    business_key: str | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def load_scenarios(paths: Iterable[Path]) -> list[Scenario]:
    scenarios = []
    for path in paths:
        files = sorted(path.glob("*.y*ml")) if path.is_dir() else [path]
        for file in files:
            document = yaml.load(file.read_text(encoding="utf-8"), Loader=_StringDatesLoader)
            procedure = str(document["procedure"])
            for item in document["scenarios"]:
                scenarios.append(
                    Scenario(
                        procedure=procedure,
                        name=str(item["name"]),
                        source=file,
                        start=dict(item["start"]),
                        steps=list(item.get("steps") or []),
                        end=dict(item.get("end") or {}),
                        clock=item.get("clock"),
                    )
                )
    return scenarios


def run_scenario(engine: Engine, clock: ManualClock, scenario: Scenario) -> ScenarioResult:
    """Drive one scenario through the engine's commands; collect every unmet expectation."""
    result = ScenarioResult(scenario)
    if scenario.clock:
        clock.set(_instant(scenario.clock))
    refused = (scenario.start.get("expect") or {}).get("error")
    try:
        key = engine.start(
            scenario.procedure, scenario.start["as"], scenario.start.get("data") or {}
        )
    except EngineError as error:
        if refused != type(error).__name__:
            result.failures.append(f"inicio: {type(error).__name__}: {error}")
        return result
    if refused:
        result.failures.append(f"inicio: se esperaba el error {refused} y el caso {key} se creó")
        return result
    result.business_key = key
    for number, step in enumerate(scenario.steps, start=1):
        label = f"paso {number} ({step.get('complete') or step.get('clock')})"
        failure = _run_step(engine, clock, key, step)
        if failure:
            result.failures.append(f"{label}: {failure}")
            return result
        result.failures.extend(
            f"{label}: {f}" for f in _check(engine, key, step.get("expect") or {})
        )
        if result.failures:
            return result
    result.failures.extend(f"final: {f}" for f in _check(engine, key, scenario.end))
    return result


def _run_step(engine: Engine, clock: ManualClock, key: str, step: Mapping[str, Any]) -> str | None:
    expected_error = (step.get("expect") or {}).get("error")
    try:
        if "clock" in step:
            clock.set(_instant(str(step["clock"])))
            fire_due_timers(engine)
        else:
            task = _open_task(engine, key, str(step["complete"]), int(step.get("index", 0)))
            if task is None:
                return f"la tarea '{step['complete']}' no está abierta (abiertas: {open_elements(engine, key)})"
            engine.complete(task, str(step["as"]), dict(step.get("data") or {}))
    except EngineError as error:
        if expected_error == type(error).__name__:
            return None
        return f"{type(error).__name__}: {error}"
    if expected_error:
        return f"se esperaba el error {expected_error} y el paso se aceptó"
    return None


def _check(engine: Engine, key: str, expect: Mapping[str, Any]) -> list[str]:
    failures = []
    with engine.sessions() as session:
        case = session.scalars(select(Case).where(Case.business_key == key)).one()
        if "tasks" in expect:
            actual = sorted(open_elements(engine, key))
            if actual != sorted(expect["tasks"]):
                failures.append(f"tareas abiertas {actual}, se esperaban {sorted(expect['tasks'])}")
        if "status" in expect and case.status != expect["status"]:
            failures.append(f"estado '{case.status}', se esperaba '{expect['status']}'")
        for name, value in (expect.get("data") or {}).items():
            if not _contains(case.data.get(name), value):
                failures.append(f"dato '{name}' = {case.data.get(name)!r}, se esperaba {value!r}")
        if "commitments" in expect:
            count = session.scalar(
                select(func.count()).select_from(Commitment).where(Commitment.case_id == case.id)
            )
            if count != expect["commitments"]:
                failures.append(
                    f"{count} compromisos registrados, se esperaban {expect['commitments']}"
                )
    return failures


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            _contains(actual.get(k), v) for k, v in expected.items()
        )
    return bool(actual == expected)


def _instant(text: str) -> datetime:
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise ValueError(f"la hora '{text}' necesita zona horaria (p. ej. -05:00)")
    return instant


def _open_task(engine: Engine, key: str, element: str, index: int) -> int | None:
    with engine.sessions() as session:
        ids = list(
            session.scalars(
                select(Task.id)
                .join(Case)
                .where(Case.business_key == key, Task.element_id == element, Task.state == "open")
                .order_by(Task.id)
            )
        )
    return ids[index] if index < len(ids) else None


def open_elements(engine: Engine, key: str) -> list[str]:
    with engine.sessions() as session:
        return list(
            session.scalars(
                select(Task.element_id)
                .join(Case)
                .where(Case.business_key == key, Task.state == "open")
                .order_by(Task.id)
            )
        )


@dataclass(frozen=True)
class Flow:
    id: str
    source: str
    target: str


def untaken_flows(engine: Engine) -> dict[str, list[Flow]]:
    """Per deployed procedure (latest version), the sequence flows no case has taken."""
    with engine.sessions() as session:
        definitions = latest_definitions(session)
        untaken: dict[str, list[Flow]] = {}
        for key, definition in sorted(definitions.items()):
            flows, parallel = _flows(definition.bpmn_xml, key)
            taken = _taken_pairs(session, key, parallel, flows)
            untaken[key] = [flow for flow in flows if (flow.source, flow.target) not in taken]
    return untaken


def _flows(bpmn_xml: str, key: str) -> tuple[list[Flow], set[str]]:
    tree = parse_xml(bpmn_xml.encode(), key)
    process = tree.getroot().find(f"bpmn:process[@id='{key}']", NS)
    if process is None:
        return [], set()
    flows = [
        Flow(flow.get("id", ""), flow.get("sourceRef", ""), flow.get("targetRef", ""))
        for flow in process.iterfind(".//bpmn:sequenceFlow", NS)
    ]
    parallel = {
        gateway.get("id", "") for gateway in process.iterfind(".//bpmn:parallelGateway", NS)
    }
    return flows, parallel


def _taken_pairs(
    session: Any, key: str, parallel: set[str], flows: list[Flow]
) -> set[tuple[str, str]]:
    # An event counts for the process that holds its element: the case's own procedure, or the
    # called process it names (P003's flows taken inside a P001 case count for P003, not P001).
    events = session.execute(
        select(AuditEvent.element_id, AuditEvent.payload, Definition.key)
        .join(Case, Case.id == AuditEvent.case_id)
        .join(Definition, Definition.id == Case.definition_id)
        .where(AuditEvent.action.in_(["element_completed", "task_completed"]))
    )
    taken: set[tuple[str, str]] = set()
    for element, payload, case_key in events:
        if (payload.get("process") or case_key) != key:
            continue
        if payload.get("from"):
            taken.add((payload["from"], element))
        if element in parallel:
            # A parallel join fires only when every incoming flow has delivered its token.
            taken.update((flow.source, flow.target) for flow in flows if flow.target == element)
    return taken


__all__ = [
    "Flow",
    "Scenario",
    "ScenarioResult",
    "load_scenarios",
    "run_scenario",
    "untaken_flows",
]
