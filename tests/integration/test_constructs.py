"""The construct suite: every construct the linter accepts, inside a loop, worked through the
real engine (SQLite, its public commands) in random orders with random choices, the clock
moved for timers; BPMN's rules checked after every step against the oracles of
tests/integration/construct_oracles.py:

- a join fires only when every token of its current round has arrived (the open tasks are
  exactly those the oracle expects, no `ronda` before the last branch);
- each task runs as often as the choices imply (completed and cancelled tasks per element);
- no case ends with tokens left (no open task, no timer job, status completed);
- the case data is what docs/case-data.md predicts (last committed write of a process
  variable wins; multi-instance locals reach the case only through the output collection);
- in the first round (where SpiffWorkflow is right), the pruned, persisted case stays on the
  same path as the model kept whole in memory by SpiffWorkflow alone (`Whole`: same spec, same
  clock, the same completions and timer firings, no pruning, no serialization, no data model).

Seeded (hypothesis derandomized), 30 examples per construct; one database and one deploy
per module, each example a new case.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from engine import Engine, InvalidDefinition, ManualClock, fire_due_timers
from engine.bpm import spiff_state
from engine.bpm.sandbox import Sandbox
from engine.bpm.scripting import SandboxScriptEngine
from handlers import service_registry
from storage.database import session_factory
from storage.models import Case, Definition, Job, Task
from tests.conftest import BOGOTA
from tests.database_templates import DIRECTORY, DatabaseTemplates
from tests.integration import construct_oracles as oracles

CONSTRUCTS = Path(__file__).resolve().parent.parent / "data" / "constructs"
ORACLES: list[type[oracles.Oracle]] = [
    oracles.Exclusive,
    oracles.Parallel,
    oracles.ParallelSubprocess,
    oracles.Inclusive,
    oracles.Nested,
    oracles.Subprocess,
    oracles.MultiInstanceParallel,
    oracles.MultiInstanceSequential,
    oracles.CallActivity,
    oracles.EventGateway,
]
CALLED = ["C_CALLED"]  # deployed for C_CALL, run only through it
REFUSED = ["C_EVENT_TASK"]  # a task after an event-based gateway: the linter refuses it
ELSEWHERE = [
    "C_FAILS"
]  # forced SpiffWorkflow failures: tests/integration/test_workflow_failures.py
MAX_STEPS = 60
USER = "despacho"

CONSTRUCT_SETTINGS = settings(
    max_examples=30,
    derandomize=True,  # the same examples on every run: CI is reproducible
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each engine step is a transaction
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class Constructs:
    engine: Engine
    clock: ManualClock


@pytest.fixture(scope="module")
def constructs(
    tmp_path_factory: pytest.TempPathFactory, database_templates: DatabaseTemplates
) -> Iterator[Constructs]:
    folder = tmp_path_factory.mktemp("constructs")
    with database_templates.copy("sqlite", DIRECTORY, folder) as database:
        clock = ManualClock(datetime(2026, 12, 1, 9, 0, tzinfo=BOGOTA))
        engine = Engine(session_factory(database), services=service_registry(), clock=clock)
        models = [oracle.model for oracle in ORACLES] + CALLED
        engine.deploy([CONSTRUCTS / f"{model}.bpmn" for model in models], "analista")
        yield Constructs(engine, clock)


# -- what the engine shows ---------------------------------------------------------------


@dataclass
class Observed:
    open: list[Task]  # by element, then by creation
    completed: Counter[str]
    cancelled: Counter[str]
    status: str
    data: dict[str, Any]
    last_error: str | None
    jobs: int

    @property
    def open_elements(self) -> Counter[str]:
        return Counter(task.element_id for task in self.open)


def observe(engine: Engine, business_key: str) -> Observed:
    with engine.sessions() as session:
        case = session.scalars(select(Case).where(Case.business_key == business_key)).one()
        tasks = list(session.scalars(select(Task).where(Task.case_id == case.id)))
        jobs = session.scalar(select(func.count()).select_from(Job).where(Job.case_id == case.id))
        by_state = {
            state: Counter(t.element_id for t in tasks if t.state == state)
            for state in ("completed", "cancelled")
        }
        return Observed(
            open=sorted(
                (t for t in tasks if t.state == "open"), key=lambda t: (t.element_id, t.id)
            ),
            completed=by_state["completed"],
            cancelled=by_state["cancelled"],
            status=case.status,
            data=dict(case.data),
            last_error=case.last_error,
            jobs=int(jobs or 0),
        )


def check(seen: Observed, oracle: oracles.Oracle, history: list[str]) -> None:
    where = f"{oracle.model} round {oracle.round} after {history}"
    assert seen.last_error is None, f"{where}: {seen.last_error}"
    assert seen.open_elements == oracle.open, f"{where}: open tasks"
    assert seen.completed == oracle.completed, f"{where}: tasks completed"
    assert seen.cancelled == oracle.cancelled, f"{where}: tasks cancelled"
    assert seen.data == oracle.data, f"{where}: case data"
    if oracle.finished():
        assert seen.status == "completed", f"{where}: the case should have ended"
        assert seen.jobs == 0, f"{where}: timer jobs left after the end"
    else:
        assert seen.status == "running", f"{where}: the case ended with tokens left"


# -- the model kept whole in memory ------------------------------------------------------


class Whole:
    """The deployed spec run by SpiffWorkflow alone in memory: never pruned or serialized, no
    data sharing (`CaseRun.submit`'s data model); timers by the same clock."""

    def __init__(self, engine: Engine, clock: ManualClock, model: str) -> None:
        with engine.sessions() as session:
            spec = session.scalars(
                select(Definition.spec)
                .where(Definition.key == model)
                .order_by(Definition.version.desc())
                .limit(1)
            ).one()
        self.clock = clock
        self.workflow: BpmnWorkflow = spiff_state.new_workflow(spec)
        self.workflow.script_engine = SandboxScriptEngine(Sandbox(clock), self._no_services)
        self.workflow.do_engine_steps()

    @staticmethod
    def _no_services(task: Any, operator: str, params: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError(f"the construct models call no service ({operator})")

    def open_elements(self) -> Counter[str]:
        return Counter(
            task.task_spec.bpmn_id
            for task in self.workflow.get_tasks(state=TaskState.READY)
            if task.task_spec.manual
        )

    def complete(self, element: str, fields: dict[str, Any]) -> None:
        task = next(
            t
            for t in self.workflow.get_tasks(state=TaskState.READY)
            if t.task_spec.bpmn_id == element and t.task_spec.manual
        )
        task.data.update(fields)
        task.run()
        self.workflow.do_engine_steps()

    def fire_due_timers(self) -> None:
        now = self.clock.now()
        due = [
            task
            for task in self.workflow.get_tasks(state=TaskState.WAITING)
            if spiff_state.is_timer(task)
            and (at := spiff_state.timer_due_at(task)) is not None
            and at <= now
        ]
        for task in due:
            spiff_state.fire_timer(task)
        if due:
            self.workflow.refresh_timers()
        self.workflow.do_engine_steps()


def check_same_path(
    seen: Observed, whole: Whole, oracle: oracles.Oracle, history: list[str]
) -> None:
    where = f"{oracle.model} round 1 after {history}"
    assert seen.open_elements == whole.open_elements(), f"{where}: whole model's open tasks"
    assert (seen.status == "completed") == whole.workflow.is_completed(), f"{where}: end"


# -- the driver --------------------------------------------------------------------------

WAITS = [10, 20, 30, 45, 60]  # minutes: single timers, both at once, none


def run_case(constructs: Constructs, oracle: oracles.Oracle, data: st.DataObject) -> None:
    """Start a case, then until it ends: complete one open task (drawn) with a drawn form, or
    move the clock and fire the timers due; check every rule after each step."""
    engine = constructs.engine
    key = engine.start(oracle.model, USER, {})
    whole: Whole | None = Whole(engine, constructs.clock, oracle.model)
    history: list[str] = []
    check(observe(engine, key), oracle, history)
    for _ in range(MAX_STEPS):
        seen = observe(engine, key)
        if oracle.finished():
            return
        slots = len(seen.open) + (1 if oracle.can_wait() else 0)
        choice = data.draw(st.integers(0, slots - 1), label="step")
        if choice == len(seen.open):
            minutes = data.draw(st.sampled_from(WAITS), label="wait")
            constructs.clock.advance(timedelta(minutes=minutes))
            fire_due_timers(engine)
            if whole is not None:
                whole.fire_due_timers()
            oracle.waited(minutes)
            history.append(f"+{minutes}m")
        else:
            task = seen.open[choice]
            fields = data.draw(oracle.choices(task.element_id), label=task.element_id)
            engine.complete(task.id, USER, fields)
            if whole is not None:
                whole.complete(task.element_id, fields)
            oracle.submitted(task.element_id, fields)
            history.append(f"{task.element_id}{fields}")
        seen = observe(engine, key)
        check(seen, oracle, history)
        if whole is not None and oracle.round > 1:
            whole = None  # round two: SpiffWorkflow's joins count round one's leftovers
        if whole is not None:
            check_same_path(seen, whole, oracle, history)
    pytest.fail(f"{oracle.model} did not end in {MAX_STEPS} steps: {history}")


@pytest.mark.parametrize("oracle_type", ORACLES, ids=[oracle.model for oracle in ORACLES])
@CONSTRUCT_SETTINGS
@given(rounds=st.integers(1, 2), data=st.data())
def test_a_construct_in_a_loop_follows_bpmn(
    constructs: Constructs, oracle_type: type[oracles.Oracle], rounds: int, data: st.DataObject
) -> None:
    run_case(constructs, oracle_type(rounds), data)


# -- what the suite does not run --------------------------------------------------------


@pytest.mark.parametrize("model", REFUSED)
def test_a_task_after_an_event_based_gateway_is_refused_by_the_linter(
    constructs: Constructs, model: str
) -> None:
    with pytest.raises(InvalidDefinition) as refused:
        constructs.engine.deploy([CONSTRUCTS / f"{model}.bpmn"], "analista")
    assert any("elemento 'evento'" in problem for problem in refused.value.problems)


def test_every_construct_model_is_run_or_refused() -> None:
    covered = {oracle.model for oracle in ORACLES} | set(CALLED + REFUSED + ELSEWHERE)
    assert {path.stem for path in CONSTRUCTS.glob("*.bpmn")} == covered


# -- regressions the properties found -----------------------------------------------------


def test_a_timer_firing_in_round_two_does_not_bring_back_round_one_data(
    constructs: Constructs,
) -> None:
    """The boundary timers' tokens re-inherited the data their (finished) split had when the
    subprocess started: `camino` went back to round one's value once the notice fired."""
    engine = constructs.engine
    key = engine.start("C_SUBPROCESS", USER, {})

    def complete(element: str, fields: dict[str, Any]) -> None:
        [task] = [t for t in observe(engine, key).open if t.element_id == element]
        engine.complete(task.id, USER, fields)

    complete("s1", {"camino": "a"})
    complete("s2", {})
    complete("ronda", {"otra": True})
    complete("s1", {"camino": "b"})
    constructs.clock.advance(timedelta(minutes=45))
    assert fire_due_timers(engine) == 1  # the notice: aviso opens beside s2
    assert observe(engine, key).data["camino"] == "b"
    complete("aviso", {})
    complete("s2", {})
    complete("ronda", {"otra": False})
    seen = observe(engine, key)
    assert seen.status == "completed"
    assert seen.data["camino"] == "b"


def test_a_case_variable_named_like_the_output_item_does_not_stop_a_sequential_activity(
    constructs: Constructs,
) -> None:
    """SpiffWorkflow re-inherits the activity's data before each next instance: a case
    variable `nota` (the output item's name) came back and the second instance failed with
    'Multiinstance output item nota already exists' (an incident, the case stuck)."""
    engine = constructs.engine
    key = engine.start("C_MI_SEQUENTIAL", USER, {})
    [elegir] = observe(engine, key).open
    engine.complete(elegir.id, USER, {"items": ["p", "q"], "nota": "X"})
    for note in ("uno", "dos"):
        [instance] = observe(engine, key).open
        assert instance.element_id == "instancia"
        engine.complete(instance.id, USER, {"nota": note})
    seen = observe(engine, key)
    assert seen.last_error is None
    assert [task.element_id for task in seen.open] == ["revisar"]
    assert seen.data["resultados"] == ["uno", "dos"]
    assert seen.data["nota"] == "X"  # the case variable, shadowed inside the instances


def test_the_case_page_shows_no_results_of_last_round_while_instances_run(
    constructs: Constructs,
) -> None:
    """docs/case-data.md: the output collection starts empty every time the activity starts.
    The case page showed round one's `resultados` until round two's first instance ended (the
    case data came from `elegir`, finished before the activity started)."""
    engine = constructs.engine
    key = engine.start("C_MI_PARALLEL", USER, {})
    for fields in ({"items": ["p"]}, {"nota": "uno"}, {}, {"otra": True}, {"items": ["q", "r"]}):
        engine.complete(observe(engine, key).open[0].id, USER, fields)
    assert observe(engine, key).data["resultados"] == []
    engine.complete(observe(engine, key).open[0].id, USER, {"nota": "dos"})
    assert observe(engine, key).data["resultados"] == ["dos"]
