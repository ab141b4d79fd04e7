"""Timers drained by 1 and by 2 worker processes on PostgreSQL, in one run.

    python bench/timers.py [--timers 10000]

Each case of a one-timer process waits for its timer; the workers (real `buengobierno worker
--once` processes) run with the clock moved past it. Prints timers/s of each drain and the
ratio. On a 2-core machine that also runs PostgreSQL the ratio shows contention, not scale.

The baseline is measured in the same run, not quoted: the worker of the revision the issue
measured (`--baseline`, 1fa567a: one transaction per job) is taken out of git into a temporary
directory and drains the same number of timers of the same process, with one worker, in a
schema of its own, just before this tree's drains. Its own code (engine, migrations, CLI) runs,
with this virtualenv's libraries; `--baseline ''` skips it.
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
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, event, func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import Engine, JobRunner, ManualClock  # noqa: E402
from engine.people.directory import ensure_groups, load_demo_users  # noqa: E402
from handlers import service_registry  # noqa: E402
from storage.database import create_database_engine, session_factory  # noqa: E402
from storage.migrate import upgrade_to_head  # noqa: E402
from storage.models import Case, Job  # noqa: E402

POSTGRES_URL = os.environ.get(
    "BUENGOBIERNO_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
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
    old.populate(engine, {timers})
    print(old.drain(schema, 1))
finally:
    database.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{{schema}}" CASCADE'))
"""
)


def baseline_drain(revision: str, timers: int) -> float:
    """Seconds the worker of `revision` takes to drain `timers` due timers (one worker)."""
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
        script = _BASELINE_DRAIN.format(tree=tree, worker=str(worker), timers=timers)
        result = subprocess.run(
            [sys.executable, "-c", script], check=True, capture_output=True, text=True
        )
        return float(result.stdout.strip().splitlines()[-1])


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument(
        "--baseline",
        default=BASELINE_REVISION,
        help="git revision whose worker is the baseline ('' for none)",
    )
    args = parser.parse_args()
    baseline = baseline_drain(args.baseline, args.timers) if args.baseline else None
    schema = f"bg_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = create_database_engine(POSTGRES_URL, schema=schema)
    try:
        upgrade_to_head(database)
        sessions = session_factory(database)
        with sessions() as session, session.begin():
            ensure_groups(session)
            load_demo_users(session)
        engine = Engine(sessions, services=service_registry(), clock=ManualClock(START))
        engine.deploy([ROOT / "bench" / "processes" / "bpmn"], "admin")
        results = {}
        for workers in (1, 2):
            populate(engine, args.timers)
            results[workers] = drain(schema, workers)
            with sessions() as session:
                left = session.scalar(select(func.count()).select_from(Job))
                done = session.scalar(
                    select(func.count()).select_from(Case).where(Case.status == "completed")
                )
            assert left == 0, f"{left} timers left after the drain"
            print(f"  {workers} worker(s): {done} cases completed so far", file=sys.stderr)
        print(
            f"\n{args.timers} due timers on PostgreSQL, drained by `buengobierno worker --once` processes"
        )
        print(f"{'tree':<18}{'workers':>8}{'seconds':>10}{'timers/s':>12}{'vs 1 worker':>13}")
        if baseline is not None:
            print(
                f"{'baseline ' + args.baseline:<18}{1:>8}{baseline:>10.2f}{args.timers / baseline:>12.1f}"
            )
        for workers, seconds in results.items():
            print(
                f"{'this tree':<18}{workers:>8}{seconds:>10.2f}{args.timers / seconds:>12.1f}"
                f"{results[1] / seconds:>13.2f}"
            )
        if baseline is not None:
            print(
                f"\none worker, this tree vs the baseline measured above: {baseline / results[1]:.2f}x"
                " (target >= 4x; the issue measured the baseline at 61 timers/s on a quiet machine)"
            )
        per_timer = statements_per_timer(engine, database, 200)
        print(
            f"\nSQL statements per timer fired (batches of 20, BEGIN/COMMIT not counted): {per_timer:.1f}"
            " (target <= 6)"
        )
    finally:
        database.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
