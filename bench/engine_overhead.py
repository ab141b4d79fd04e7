"""Engine overhead: the same P001 cases through raw SpiffWorkflow in memory and through the
persisted engine on SQLite, as a whole and command by command; then the per-step cost of complete() as a case's history grows,
with the pruned live tree and with whole-tree serialization (the previous approach).

    python bench/engine_overhead.py [--cases 200] [--repeat 5] [--instructions]

Prints tables; nothing is asserted. Times are wall-clock on this machine; with --instructions,
the instructions per case counted by callgrind (valgrind) do not depend on its load.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, select, text
from sqlalchemy.exc import NoResultFound

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import migrated_with_directory  # noqa: E402
from engine import (  # noqa: E402
    Engine,
    ManualClock,
)
from engine.bpm import spiff_state  # noqa: E402
from engine.bpm.sandbox.functions import business_functions  # noqa: E402
from engine.bpm.sandbox.pool import SandboxPool  # noqa: E402
from engine.commands.executor import CommandContext  # noqa: E402
from handlers import service_registry  # noqa: E402
from storage.database import create_database_engine  # noqa: E402
from storage.models import Case  # noqa: E402

BPMN = ROOT / "processes" / "bpmn" / "P001_delegaciones.bpmn"
START = {
    "instancia": "Junta",
    "asunto": "Sesión",
    "fecha_sesion": "2026-12-04",
    "tipo_delegacion": "puntual",
}
STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("proponer_delegado", "despacho", {"delegado": "delegada", "cargo_delegado": "Subsecretaria"}),
    ("aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"}),
    (
        "comunicar_delegacion",
        "despacho",
        {
            "numero_oficio": "1",
            "fecha_oficio": "2026-12-01",
            "oficio_delegacion": "data:application/pdf;base64,JVBERi0xLjQK",
        },
    ),
    (
        "confirmar_sesion",
        "delegada",
        {"novedad_sesion": "realizada", "fecha_realizacion": "2026-12-04"},
    ),
    (
        "diligenciar_ficha",
        "delegada",
        {
            "encabezado": {"instancia": "Junta", "delegado": "delegada", "cargo_delegado": "S"},
            "fecha_realizacion": "2026-12-04",
            "asistentes": [{"nombre": "Gerente"}],
            "resumen_sesion": "ok",
            "sentido_voto": "sin_votacion",
            "posicion_delegado": "ok",
            "compromisos": [],
        },
    ),
]
# The ficha cannot precede its session: the clock is the afternoon after it (Bogotá, UTC-5).
SESSION_HELD_AT = datetime(2026, 12, 4, 22, tzinfo=UTC)
RETURN = {"decision_secretario": "devolver", "observaciones_secretario": "otra"}


class _RawEnvironmentEngine(PythonScriptEngine):  # type: ignore[misc]
    def call_service(self, task: Any, **kwargs: Any) -> str:
        return json.dumps({"ok": True})


# Seconds of each command of a case (start, then each user task by element id), when asked for.
Timings = dict[str, list[float]]


def _timed(timings: Timings | None, command: str, began: float) -> None:
    if timings is not None:
        timings.setdefault(command, []).append(time.perf_counter() - began)


def raw_spiff_cases(count: int, timings: Timings | None = None) -> float:
    parser = SpiffBpmnParser()
    # P001 calls P003 (standing delegations) and P005 (commitments): parse them too.
    parser.add_bpmn_files([str(path) for path in sorted(BPMN.parent.glob("*.bpmn"))])
    spec, subprocesses = parser.get_spec("P001"), parser.get_subprocess_specs("P001")
    functions = business_functions(SESSION_HELD_AT)
    script_engine = _RawEnvironmentEngine()
    script_engine.environment.globals.update(functions)
    began = time.perf_counter()
    for _ in range(count):
        step_began = time.perf_counter()
        workflow = BpmnWorkflow(spec, subprocesses, script_engine=script_engine)
        workflow.task_tree.data.update(START)
        workflow.do_engine_steps()
        _timed(timings, "start", step_began)
        for element, _user, data in STEPS:
            step_began = time.perf_counter()
            task = next(
                t
                for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                if t.task_spec.bpmn_id == element
            )
            task.data.update(data)
            task.run()
            workflow.do_engine_steps()
            _timed(timings, element, step_began)
        assert workflow.is_completed()
    return time.perf_counter() - began


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        database = create_database_engine(f"sqlite:///{folder}/bench.sqlite3")
        sessions = migrated_with_directory(database)
        engine = Engine(
            sessions,
            services=service_registry(),
            clock=ManualClock(SESSION_HELD_AT),
        )
        engine.deploy([BPMN, BPMN.parent / "P003_actos_administrativos.bpmn"], "admin")
        _LOOKUPS[id(engine)] = sqlite3.connect(f"{folder}/bench.sqlite3", isolation_level=None)
        try:
            yield engine
        finally:
            _LOOKUPS.pop(id(engine)).close()
            database.dispose()


# The harness's own lookup of the task to complete next (what an official finds in the inbox),
# on a connection of its own to the bench's file, in autocommit (each lookup reads what the last
# command committed): the raw half finds its task in memory, so the harness should add as little
# as it can to the engine's half, and none of its statements is the engine's.
_OPEN_TASK = (
    "SELECT tasks.id FROM tasks JOIN cases ON cases.id = tasks.case_id"
    " WHERE cases.business_key = ? AND tasks.element_id = ? AND tasks.state = 'open'"
)
_LOOKUPS: dict[int, sqlite3.Connection] = {}


def _open_task(engine: Engine, key: str, element: str) -> int:
    row = _LOOKUPS[id(engine)].execute(_OPEN_TASK, (key, element)).fetchone()
    if row is None:
        raise NoResultFound(f"no open task {element} in {key}")
    return int(row[0])


def engine_cases(engine: Engine, count: int, timings: Timings | None = None) -> float:
    began = time.perf_counter()
    for _ in range(count):
        step_began = time.perf_counter()
        key = engine.start("P001", "despacho", START)
        _timed(timings, "start", step_began)
        for element, user, data in STEPS:
            task_id = _open_task(engine, key, element)  # the harness's lookup: not timed
            step_began = time.perf_counter()
            engine.complete(task_id, user, data)
            _timed(timings, element, step_began)
    return time.perf_counter() - began


def print_command_costs(raw: Timings, persisted: Timings) -> None:
    """Median ms of each command of a P001 case, raw and engine, and what the engine adds."""
    print("\nOne P001 case command by command, median ms (one more alternating pair of runs)")
    print(f"{'command':<24}{'raw':>8}{'engine':>9}{'engine-raw':>12}{'ratio':>8}")
    total_raw = total_engine = 0.0
    for command in ["start", *(element for element, _, _ in STEPS)]:
        raw_ms = statistics.median(raw[command]) * 1000
        engine_ms = statistics.median(persisted[command]) * 1000
        total_raw, total_engine = total_raw + raw_ms, total_engine + engine_ms
        print(
            f"{command:<24}{raw_ms:>8.2f}{engine_ms:>9.2f}{engine_ms - raw_ms:>12.2f}"
            f"{engine_ms / raw_ms:>8.1f}"
        )
    print(
        f"{'case (sum of medians)':<24}{total_raw:>8.2f}{total_engine:>9.2f}"
        f"{total_engine - total_raw:>12.2f}{total_engine / total_raw:>8.2f}"
    )


def step_costs(engine: Engine, checkpoints: list[int], samples: int = 5) -> dict[int, float | None]:
    """Median ms of one complete() when the case already holds `n` completed tasks.

    None where the case could no longer advance (its ready task was lost).
    """
    key = engine.start("P001", "despacho", START)
    completed = 0
    costs: dict[int, float | None] = {}
    for checkpoint in checkpoints:
        try:
            completed = _advance_to(engine, key, completed, checkpoint)
        except NoResultFound:
            costs[checkpoint] = None
            continue
        timings = []
        for _ in range(samples):
            task = _open_task(engine, key, "proponer_delegado")
            began = time.perf_counter()
            engine.complete(task, "despacho", STEPS[0][2])
            timings.append(time.perf_counter() - began)
            engine.complete(_open_task(engine, key, "aprobar_delegacion"), "secretario", RETURN)
            completed += 2
        costs[checkpoint] = statistics.median(timings) * 1000
    return costs


def _advance_to(engine: Engine, key: str, completed: int, checkpoint: int) -> int:
    while completed < checkpoint:
        engine.complete(_open_task(engine, key, "proponer_delegado"), "despacho", STEPS[0][2])
        engine.complete(_open_task(engine, key, "aprobar_delegacion"), "secretario", RETURN)
        completed += 2
    return completed


P003_START = {
    "tipo_acto": "decreto",
    "asunto": "Horario de atención",
    "organismo_productor": "secretaria_salud",
    "clase_acto": "general",
    "borrador": "data:application/pdf;base64,JVBERi0xLjQK",
    "radicado": "202641730100012345",
}
# One round of P003's correction loop: both vistos buenos in parallel, the review returns the
# draft, the producing organism adjusts it.
P003_ROUND: list[tuple[str, str, dict[str, Any]]] = [
    ("visto_bueno_organismo", "salud", {"visto_bueno_organismo": "otorgado"}),
    ("visto_bueno_dagjp", "juridica", {"visto_bueno_dagjp": "otorgado"}),
    (
        "revisar_acto",
        "despacho",
        {"decision_revision": "devolver", "observaciones_revision": "Falta un anexo"},
    ),
    (
        "corregir_acto",
        "salud",
        {
            "decision_correccion": "ajustado",
            "descripcion_ajustes": "Se agrega el anexo",
            "borrador_ajustado": "data:application/pdf;base64,JVBERi0xLjUK",
        },
    ),
]


def loop_costs(engine: Engine, checkpoints: list[int], samples: int = 15) -> dict[int, float]:
    """Median ms of one complete() in P003's correction loop (with its parallel vistos buenos)
    at the given rounds: one case per checkpoint, each taken there first, then a round of each
    in turn, `samples` times (four completions a round): the cases are measured in the same
    moments, so the machine's drift (a fifth of a ~3 ms step) falls on all of them alike."""
    keys = {}
    for checkpoint in checkpoints:
        keys[checkpoint] = engine.start("P003", "despacho", P003_START)
        for _ in range(checkpoint):
            _round(engine, keys[checkpoint])
    timings: dict[int, list[float]] = {checkpoint: [] for checkpoint in checkpoints}
    for _ in range(samples):
        for checkpoint in checkpoints:
            timings[checkpoint].extend(_round(engine, keys[checkpoint]))
    return {checkpoint: statistics.median(found) * 1000 for checkpoint, found in timings.items()}


def _round(engine: Engine, key: str) -> list[float]:
    timings = []
    for element, user, data in P003_ROUND:
        task = _open_task(engine, key, element)
        began = time.perf_counter()
        engine.complete(task, user, data)
        timings.append(time.perf_counter() - began)
    return timings


def statement_counts(engine: Engine) -> dict[str, int]:
    """SQL statements each command sends (BEGIN and COMMIT not counted), counted by the driver
    hook: a figure that does not depend on the machine."""
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            sent.append(statement)

    database = engine.sessions.kw["bind"]
    engine.start("P001", "despacho", START)  # the definition cache is warm, as in a server
    key = engine.start("P001", "despacho", START)
    counts: dict[str, int] = {}
    event.listen(database, "before_cursor_execute", count)
    try:
        sent.clear()
        engine.start("P001", "despacho", START)
        counts["start"] = len(sent)
        task = _open_task(engine, key, "proponer_delegado")
        sent.clear()
        engine.claim(task, "despacho")
        counts["claim"] = len(sent)
        sent.clear()
        engine.complete(task, "despacho", STEPS[0][2])
        counts["complete"] = len(sent)
    finally:
        event.remove(database, "before_cursor_execute", count)
    return counts


def sandbox_round_trips(engine: Engine) -> int:
    """Requests sent to the sandbox process by one P001 case (start and its user tasks);
    plain expressions are answered without one (`engine.bpm.sandbox.plain`)."""
    sent: list[str] = []
    real_call = SandboxPool.call

    def counted(pool: SandboxPool, request: dict[str, Any]) -> dict[str, Any]:
        sent.append(request["source"])
        return real_call(pool, request)

    SandboxPool.call = counted  # type: ignore[method-assign,assignment]
    try:
        engine_cases(engine, 1)
    finally:
        SandboxPool.call = real_call  # type: ignore[method-assign]
    return len(sent)


class _Nothing:
    """Reads and writes nothing: the executor's chain around an empty transaction."""

    def execute(self, context: CommandContext) -> None:
        return None


# Every complete() writes its case row: BEGIN IMMEDIATE, one UPDATE, a commit.
_TOUCH_CASE = text("UPDATE cases SET version = version WHERE business_key = :key")


@dataclass(frozen=True)
class _TouchCase:
    key: str

    def execute(self, context: CommandContext) -> None:
        context.session.connection().execute(_TOUCH_CASE, {"key": self.key})


def floor_costs(engine: Engine, samples: int = 2000) -> dict[str, float]:
    """Median us of what every complete() pays before its own work (the executor and its
    transaction, the case row written and committed, the state loaded and saved), measured in
    batches of 100 so a slow moment moves one batch, not the figure."""
    key = engine.start("P001", "despacho", START)
    engine.complete(_open_task(engine, key, "proponer_delegado"), "despacho", STEPS[0][2])
    with engine.reading() as session:
        case = session.scalars(select(Case).where(Case.business_key == key)).one()
        state, spec = case.state, engine.definitions.get(session, case.definition_id).spec

    def load_and_save() -> None:
        spiff_state.dump_workflow(spiff_state.load_workflow(state, spec, case=key))

    parts: list[tuple[str, Callable[[], Any]]] = [
        ("transaction", lambda: engine.executor.execute(_Nothing())),
        ("written", lambda: engine.executor.execute(_TouchCase(key))),
        ("state", load_and_save),
    ]
    costs: dict[str, float] = {}
    for name, run in parts:
        batches = []
        for _ in range(samples // 100):
            began = time.perf_counter()
            for _ in range(100):
                run()
            batches.append((time.perf_counter() - began) / 100)
        costs[name] = statistics.median(batches) * 1e6
    return costs


@contextmanager
def whole_tree_serialization() -> Iterator[None]:
    """The previous approach: keep and serialize every completed task."""
    original: Callable[[Any], None] = spiff_state._prune_finished_history
    spiff_state._prune_finished_history = lambda workflow: None
    try:
        yield
    finally:
        spiff_state._prune_finished_history = original


# Instructions the process executes (callgrind), for a figure that does not drift with the
# machine's load: each kind runs twice, and the difference between a short and a long run is
# what the extra cases cost, without the interpreter's start, the parsing or the deploy.
_SHORT, _LONG = 5, 25


def instructions_per_case() -> dict[str, float] | None:
    """Millions of instructions per P001 case, raw and engine; None without valgrind. Only
    this process's user-space instructions count: not the sandbox process, not the kernel."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None

    def count(kind: str, cases: int) -> int:
        return callgrind_instructions(
            valgrind, [sys.executable, __file__, "--run-cases", kind, str(cases)]
        )

    runs = [(kind, cases) for kind in ("raw", "engine") for cases in (_SHORT, _LONG)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = dict(zip(runs, pool.map(lambda run: count(*run), runs), strict=True))
    return {
        kind: (counts[(kind, _LONG)] - counts[(kind, _SHORT)]) / (_LONG - _SHORT) / 1e6
        for kind in ("raw", "engine")
    }


def callgrind_instructions(valgrind: str, command: list[str]) -> int:
    """The user-space instructions `command` executes, counted by callgrind.

    With a fixed hash seed: sets and dicts of texts are walked in another order under another
    seed, and the counts of one program then spread by ~0.1 % from run to run (±0.8 M
    instructions in a P001 case's figure, where a cut worth 1 % is ~0.7 M)."""
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run(
            [valgrind, "--tool=callgrind", f"--callgrind-out-file={folder}/out", *command],
            capture_output=True, text=True, check=True, env=environment,
        )  # fmt: skip
    found = re.search(r"Collected : (\d+)", result.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count: {result.stderr[-500:]}")
    return int(found.group(1))


def _run_cases(kind: str, cases: int) -> None:
    if kind == "raw":
        raw_spiff_cases(cases)
        return
    with sqlite_engine() as engine:
        engine_cases(engine, cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--checkpoints", default="10,100,1000")
    parser.add_argument("--rounds", default="10,1000")
    parser.add_argument("--repeat", type=int, default=5, help="alternating raw/engine runs")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions per case under valgrind (a few minutes)",
    )
    parser.add_argument("--run-cases", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_cases:
        _run_cases(args.run_cases[0], int(args.run_cases[1]))
        return
    checkpoints = [int(n) for n in args.checkpoints.split(",")]

    # Raw and engine alternate, `--repeat` times each: on a shared machine the speed drifts by a
    # third within a minute, and a ratio of two runs minutes apart measured the drift.
    raws, persisteds = [], []
    with sqlite_engine() as engine:
        # Both warm first: SpiffWorkflow's caches, the definitions, the sandbox process.
        raw_spiff_cases(max(1, args.cases // 10))
        engine_cases(engine, max(1, args.cases // 10))
        for _ in range(args.repeat):
            raws.append(raw_spiff_cases(args.cases))
            persisteds.append(engine_cases(engine, args.cases))
        # One more pair, command by command: where the engine's extra time goes.
        raw_timings: Timings = {}
        engine_timings: Timings = {}
        raw_spiff_cases(args.cases, raw_timings)
        engine_cases(engine, args.cases, engine_timings)
    raw, persisted = statistics.median(raws), statistics.median(persisteds)
    ratios = sorted(e / r for r, e in zip(raws, persisteds, strict=True))
    print(
        f"\nP001 end to end, {args.cases} cases (start + {len(STEPS)} user tasks each),"
        f" median of {args.repeat} alternating runs"
    )
    print(f"{'approach':<44}{'seconds':>10}{'cases/s':>10}{'ratio':>8}")
    print(
        f"{'raw SpiffWorkflow in memory (baseline)':<44}{raw:>10.2f}{args.cases / raw:>10.1f}{1:>8.2f}"
    )
    print(
        f"{'engine persisted on SQLite':<44}{persisted:>10.2f}{args.cases / persisted:>10.1f}{persisted / raw:>8.2f}"
    )
    print(f"ratio of each run: {ratios[0]:.2f} to {ratios[-1]:.2f}")
    print_command_costs(raw_timings, engine_timings)
    if args.instructions:
        instructions = instructions_per_case()
        if instructions is None:
            print("instructions per case: valgrind is not installed")
        else:
            raw_count, engine_count = instructions["raw"], instructions["engine"]
            print(
                f"instructions per case (callgrind, this process only): raw {raw_count:.1f} M,"
                f" engine {engine_count:.1f} M, ratio {engine_count / raw_count:.2f}"
            )
    print("target: the engine within 3x of raw SpiffWorkflow (a real commit per step)")

    with sqlite_engine() as engine:
        pruned = step_costs(engine, checkpoints)
    with whole_tree_serialization(), sqlite_engine() as engine:
        whole = step_costs(engine, checkpoints)
    print("\nOne complete() on SQLite, median ms, by completed tasks already in the case")
    print(
        f"{'completed tasks':>16}{'whole tree (before)':>22}{'pruned tree (now)':>20}{'before/now':>12}"
    )
    for checkpoint in checkpoints:
        before, now = whole[checkpoint], pruned[checkpoint]
        shown = f"{before:.2f}" if before is not None else "case stuck*"
        ratio = f"{before / now:.2f}" if before is not None and now else "-"
        print(f"{checkpoint:>16}{shown:>22}{(now or 0):>20.2f}{ratio:>12}")
    if None in whole.values():
        print(
            "* the whole tree outgrew SpiffWorkflow's task iterator (max_depth=1000): the ready task was lost"
        )
    first, last = pruned[checkpoints[0]], pruned[checkpoints[-1]]
    if first and last:
        print(
            f"\npruned: cost at {checkpoints[-1]} / cost at {checkpoints[0]} completed tasks = {last / first:.2f}"
        )

    rounds = [int(n) for n in args.rounds.split(",")]
    with sqlite_engine() as engine:
        loop = loop_costs(engine, rounds)
    print("\nP003 correction loop (parallel vistos buenos), one complete() on SQLite, median ms")
    print(f"{'round':>8}{'ms':>10}{'vs first':>10}")
    for round_number in rounds:
        print(
            f"{round_number:>8}{loop[round_number]:>10.2f}{loop[round_number] / loop[rounds[0]]:>10.2f}"
        )
    print("target: the last round within 1.2x of the first")

    raw_step = raw / (args.cases * (1 + len(STEPS))) * 1e6
    with sqlite_engine() as engine:
        floor = floor_costs(engine)
    print(
        f"\nWhat every complete() pays before its own work, median us"
        f" (a raw SpiffWorkflow step, start or task: {raw_step:.0f} us)"
    )
    print(f"{'part':<52}{'us':>8}{'x raw step':>12}")
    rows = [
        ("the executor and an empty transaction", floor["transaction"]),
        ("the case row written and committed (whole command)", floor["written"]),
        ("the case state loaded and saved (P001, mid-way)", floor["state"]),
        (
            f"complete() of a P001 task ({checkpoints[0]} done), for comparison",
            (first or 0.0) * 1000,
        ),
    ]
    for label, cost in rows:
        print(f"{label:<52}{cost:>8.0f}{cost / raw_step:>12.2f}")

    with sqlite_engine() as engine:
        counts = statement_counts(engine)
        round_trips = sandbox_round_trips(engine)
    print("\nSQL statements per command on SQLite (BEGIN/COMMIT not counted; target complete <= 8)")
    for command, number in counts.items():
        print(f"{command:>10}{number:>6}")
    print(f"\nround trips to the sandbox process per P001 case: {round_trips}")


if __name__ == "__main__":
    main()
