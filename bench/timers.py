"""Timers drained by 1 and by 2 worker processes on PostgreSQL, in one run.

    python bench/timers.py [--timers 10000] [--repeat 3]

Each case of a one-timer process waits for its timer; the workers (real `buengobierno worker
--once` processes) run with the clock moved past it. Prints timers/s of each drain and the
ratio. On a 2-core machine that also runs PostgreSQL the ratio shows contention, not scale.

The baseline is measured in the same run, not quoted: the worker of the revision the issue
measured (`--baseline`, 1fa567a: one transaction per job) is taken out of git into a temporary
directory and drains the same number of timers of the same process, with one worker, in a
schema of its own. Its own code (engine, migrations, CLI) runs, with this virtualenv's
libraries; `--baseline ''` skips it.

On a shared machine one drain can land in a busy second: `--repeat` runs alternate (baseline,
this tree, baseline, this tree, ...), each in a fresh schema, and the headline is the median
of the runs' ratios. A drain's seconds include the worker's start-up (imports, application,
connection); each run first times one `worker --once` on the same schema with no job due, its
own column, so a reader sees how much of a drain, and of the ratio, is start-up.

Last, how long one transaction of jobs holds its cases' row locks (JOBS_PER_TRANSACTION's bound):
the pass with one savepoint per job over 10 jobs, and the pass that runs them together over 10
and over JOBS_PER_TRANSACTION jobs, measured in turn in this process.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import event, func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import POSTGRES_URL, migrated_with_directory, postgres_schema  # noqa: E402
from engine import Engine, JobRunner, ManualClock  # noqa: E402
from engine.jobs.runner import JOBS_PER_TRANSACTION, RunJobs, RunJobsTogether  # noqa: E402
from handlers import service_registry  # noqa: E402
from storage.models import Case, Job  # noqa: E402

BUENGOBIERNO = str(Path(sys.executable).parent / "buengobierno")
START = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("America/Bogota"))
LATER = "2026-12-10T09:00:00-05:00"
BASELINE_REVISION = "1fa567a"  # the tree issue 12 measured (61 timers/s on a quiet machine)

# Imports of the baseline tree must not resolve to this tree, which the virtualenv installs in
# editable mode (a finder on sys.meta_path that wins over sys.path).
_USE_TREE = """import sys
sys.meta_path[:] = [f for f in sys.meta_path if not type(f).__module__.startswith("__editable__")]
sys.path.insert(0, {tree!r})
"""
_BASELINE_WORKER = _USE_TREE + "from web.cli import main\nsys.exit(main())\n"
_BASELINE_DRAIN = (
    _USE_TREE
    + """import importlib.util, uuid
from sqlalchemy import create_engine, text
spec = importlib.util.spec_from_file_location("old_bench", {tree!r} + "/bench/timers.py")
old = importlib.util.module_from_spec(spec)
sys.modules["old_bench"] = old  # its dataclasses look their module up while it loads
spec.loader.exec_module(old)
old.BUENGOBIERNO = {worker!r}
schema = f"bg_bench_base_{{uuid.uuid4().hex[:10]}}"
admin = create_engine(old.POSTGRES_URL)
with admin.begin() as connection:
    connection.execute(text(f'CREATE SCHEMA "{{schema}}"'))
database = old.create_database_engine(old.POSTGRES_URL, schema=schema)
try:
    old.upgrade_to_head(database)
    sessions = old.session_factory(database)
    with sessions() as session, session.begin():
        old.ensure_groups(session)
        old.load_demo_users(session)
    engine = old.Engine(sessions, services=old.service_registry(), clock=old.ManualClock(old.START))
    engine.deploy([old.ROOT / "bench" / "processes" / "bpmn"], "admin")
    startup = old.drain(schema, 1)  # nothing due yet: the worker's start-up and exit
    old.populate(engine, {timers})
    print(startup, old.drain(schema, 1))
finally:
    database.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{{schema}}" CASCADE'))
"""
)


@dataclass(frozen=True)
class Run:
    tree: str
    workers: int
    startup: float  # seconds of one `worker --once` with nothing due
    seconds: float  # seconds of the drain (start-up included)


@contextmanager
def baseline_tree(revision: str) -> Iterator[tuple[str, str]]:
    """The tree of `revision` out of git, and a `buengobierno` that runs its worker."""
    with tempfile.TemporaryDirectory(prefix="bg-bench-baseline-") as folder:
        tree = str(Path(folder) / "tree")
        os.mkdir(tree)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", tree], input=archive.stdout, check=True)
        worker = Path(folder) / "buengobierno"
        worker.write_text(f"#!{sys.executable}\n" + _BASELINE_WORKER.format(tree=tree))
        worker.chmod(0o755)
        yield tree, str(worker)


def baseline_run(revision: str, tree: str, worker: str, timers: int) -> Run:
    """The worker of `revision` drains `timers` due timers (one worker), in a schema of its own."""
    script = _BASELINE_DRAIN.format(tree=tree, worker=worker, timers=timers)
    result = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(
            f"the baseline {revision} could not drain its timers (a revision whose bench or"
            f" worker this harness does not know?):\n{result.stderr[-2000:]}"
        )
    startup, seconds = map(float, result.stdout.strip().splitlines()[-1].split())
    return Run(f"baseline {revision}", 1, startup, seconds)


@contextmanager
def tree_schema() -> Iterator[tuple[str, Engine, DatabaseEngine]]:
    """A fresh schema of this tree: migrated, with the directory and the bench's process."""
    with postgres_schema() as (schema, database):
        sessions = migrated_with_directory(database)
        engine = Engine(sessions, services=service_registry(), clock=ManualClock(START))
        engine.deploy([ROOT / "bench" / "processes" / "bpmn"], "admin")
        yield schema, engine, database


def tree_run(timers: int, workers: int) -> Run:
    """This tree's workers drain `timers` due timers, in a schema of their own."""
    with tree_schema() as (schema, engine, _database):
        startup = drain(schema, 1)  # nothing due yet: the worker's start-up and exit
        populate(engine, timers)
        seconds = drain(schema, workers)
        with engine.sessions() as session:
            left = session.scalar(select(func.count()).select_from(Job))
        assert left == 0, f"{left} timers left after the drain"
    return Run("this tree", workers, startup, seconds)


def populate(engine: Engine, count: int) -> None:
    """`count` waiting cases: one started through the engine, the rest copied from it in bulk."""
    key = engine.start("BENCH", "despacho", {})
    with engine.unit_of_work() as session:
        template = session.scalars(select(Case).where(Case.business_key == key)).one()
        job = session.scalars(select(Job).where(Job.case_id == template.id)).one()
        prefix = uuid.uuid4().hex[:6]
        rows = [
            {
                "business_key": f"BENCH-{prefix}-{n:06d}",
                "definition_id": template.definition_id,
                "subject": "",
                "status": "running",
                "state": template.state,
                "data": {},
                "version": template.version,
                "started_by": "despacho",
                "started_at": template.started_at,
            }
            for n in range(count - 1)
        ]
        ids = list(session.scalars(insert(Case).returning(Case.id), rows))
        session.execute(
            insert(Job),
            [
                {
                    "kind": "timer",
                    "case_id": case_id,
                    "due_at": job.due_at,
                    "payload": job.payload,
                    "created_at": job.created_at,
                    "attempts": 0,
                }
                for case_id in ids
            ],
        )


def drain(schema: str, workers: int) -> float:
    env = {
        **os.environ,
        "BUENGOBIERNO_DATABASE_URL": POSTGRES_URL,
        "BUENGOBIERNO_DATABASE_SCHEMA": schema,
        "BUENGOBIERNO_SECRET_KEY": secrets.token_urlsafe(48),
        "BUENGOBIERNO_CLOCK": LATER,
    }
    began = time.perf_counter()
    processes = [
        subprocess.Popen(
            [BUENGOBIERNO, "worker", "--once", "--batch", "20"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    for process in processes:
        if process.wait() != 0:
            raise SystemExit(f"a worker failed (exit {process.returncode})")
    return time.perf_counter() - began


def statements_per_timer(engine: Engine, database: Any, count: int) -> float:
    """Drain `count` due timers in this process with the worker's own runner and count the
    statements it sends (BEGIN/COMMIT not counted): a figure that does not depend on the machine."""
    populate(engine, count)
    later = Engine(
        engine.sessions,
        services=engine.services,
        clock=ManualClock(datetime.fromisoformat(LATER)),
    )
    runner = JobRunner(later, "bench-counter")
    sent: list[str] = []

    def count_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            sent.append(statement)

    event.listen(database, "before_cursor_execute", count_statement)
    try:
        fired = 0
        while acquired := runner.acquire(20):
            fired += len(runner.run_batch(acquired))
    finally:
        event.remove(database, "before_cursor_execute", count_statement)
    return len(sent) / max(fired, 1)


def lock_hold_times(engine: Engine, rounds: int) -> dict[str, float]:
    """Median milliseconds a transaction of jobs holds its cases' row locks (BEGIN to COMMIT):
    one savepoint per job over 10 jobs (`RunJobs`: what JOBS_PER_TRANSACTION = 10 was set for),
    and the pass that runs them together over 10 and over JOBS_PER_TRANSACTION jobs, in turn."""
    passes = {
        "10 jobs, one savepoint each": (10, RunJobs),
        "10 jobs together": (10, RunJobsTogether),
        f"{JOBS_PER_TRANSACTION} jobs together": (JOBS_PER_TRANSACTION, RunJobsTogether),
    }
    populate(engine, rounds * sum(size for size, _ in passes.values()) + 1)
    later = Engine(
        engine.sessions,
        services=engine.services,
        clock=ManualClock(datetime.fromisoformat(LATER)),
    )
    runner = JobRunner(later, "bench-locks")
    runner.run_batch(runner.acquire(1))  # the definition cached, as in a running worker
    held: dict[str, list[float]] = {label: [] for label in passes}
    for _ in range(rounds):
        for label, (size, command) in passes.items():
            jobs = tuple(runner.acquire(size))
            began = time.perf_counter()
            outcomes = later.executor.execute(command(runner, jobs, lambda: False))
            held[label].append((time.perf_counter() - began) * 1000)
            assert [outcome.status for outcome in outcomes] == ["done"] * size
    return {label: median(times) for label, times in held.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="one-worker runs of each tree, alternated"
    )
    parser.add_argument(
        "--baseline",
        default=BASELINE_REVISION,
        help="git revision whose worker is the baseline ('' for none)",
    )
    args = parser.parse_args()
    load_before = os.getloadavg()
    pairs: list[tuple[Run | None, Run]] = []
    with ExitStack() as stack:
        baseline = stack.enter_context(baseline_tree(args.baseline)) if args.baseline else None
        for n in range(1, args.repeat + 1):
            base = baseline_run(args.baseline, *baseline, args.timers) if baseline else None
            tree = tree_run(args.timers, 1)
            pairs.append((base, tree))
            print(f"  run {n} of {args.repeat} done", file=sys.stderr)
    two = tree_run(args.timers, 2)
    load_after = os.getloadavg()

    print(
        f"\n{args.timers} due timers on PostgreSQL, drained by `buengobierno worker --once"
        f" --batch 20` processes; {args.repeat} runs, baseline and this tree alternated"
        f" (load average {load_before[0]:.1f} before, {load_after[0]:.1f} after)"
    )
    print(
        f"{'run':<5}{'tree':<18}{'workers':>8}{'start-up s':>12}{'drain s':>10}{'timers/s':>10}"
        f"{'vs baseline':>13}"
    )

    def row(label: str, run: Run, versus: str = "") -> None:
        print(
            f"{label:<5}{run.tree:<18}{run.workers:>8}{run.startup:>12.2f}{run.seconds:>10.2f}"
            f"{args.timers / run.seconds:>10.1f}{versus:>13}"
        )

    ratios = []
    for n, (base, tree) in enumerate(pairs, 1):
        if base is not None:
            ratios.append(base.seconds / tree.seconds)
            row(str(n), base)
        row(str(n), tree, f"{ratios[-1]:.2f}x" if base is not None else "")
    one = median(run.seconds for _, run in pairs)
    print(
        f"{'':<5}{two.tree:<18}{two.workers:>8}{two.startup:>12.2f}{two.seconds:>10.2f}"
        f"{args.timers / two.seconds:>10.1f}   {one / two.seconds:.2f}x the median 1-worker drain"
    )
    if ratios:
        bases = [base for base, _ in pairs if base is not None]
        print(
            f"\none worker, this tree vs the baseline, median of {len(ratios)} runs:"
            f" {median(ratios):.2f}x (drains with their start-up; target >= 4x; the issue"
            " measured the baseline at 61 timers/s on a quiet machine)"
        )
        tree_startup = median(run.startup for _, run in pairs)
        base_startup = median(run.startup for run in bases)
        print(
            f"start-up (median, nothing due): baseline {base_startup:.2f} s of its"
            f" {median(run.seconds for run in bases):.2f} s drain, this tree {tree_startup:.2f} s"
            f" of its {one:.2f} s"
        )
    with tree_schema() as (_schema, engine, database):
        per_timer = statements_per_timer(engine, database, 200)
    print(
        f"\nSQL statements per timer fired (batches of 20, BEGIN/COMMIT not counted): {per_timer:.1f}"
        " (target <= 6)"
    )
    with tree_schema() as (_schema, engine, _database):
        held = lock_hold_times(engine, rounds=10)
    print("\nCase row locks held by one transaction of jobs (median ms, BEGIN to COMMIT, in turn):")
    for label, milliseconds in held.items():
        print(f"  {label:<30}{milliseconds:>8.1f}")


if __name__ == "__main__":
    main()
