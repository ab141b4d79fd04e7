"""How much the inbox page costs over the bare SQL behind it, on SQLite and PostgreSQL.

10,000 cases and 100,000 task rows (bulk insert; 20% open) are generated; an official in three
groups opens "De mis grupos" and "Mis tareas". For each, the page's server time (Flask test
client: routing, session, authorization, queries, templates) is compared, in the same run, with
the bare SQL the page runs (the rows query and the two tab counts, compiled and executed on the
DB-API cursor). Prints a table; asserts nothing.

With --profile, the pages of each tab also run under cProfile, and how many times one page calls
the per-row helpers (gettext, Babel's date formatting, url_for) is printed: counts do not depend
on the machine's load, as times do.

    python bench/inbox.py [--requests 40] [--skip-postgres] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import migrated_with_directory, postgres_schema  # noqa: E402
from engine import Engine, ManualClock  # noqa: E402
from engine.authorization import load_actor  # noqa: E402
from engine.people.directory import GROUPS, DemoUser, add_user  # noqa: E402
from engine.read.inbox import SCOPES, InboxFilter, count_statement, inbox_statement  # noqa: E402
from handlers import service_registry  # noqa: E402
from storage.database import create_database_engine, session_factory  # noqa: E402
from storage.models import Case, Definition, Task  # noqa: E402
from web.app import create_app  # noqa: E402

CASES = 10_000
TASKS_PER_CASE = 10
OPEN_SHARE = 0.2
USER = "bench"
USER_GROUPS = ("despacho_gobierno", "secretario_gobierno", "orc")
TODAY = date(2026, 12, 1)


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float


def timed(action: Callable[[], Any], repeats: int) -> Timing:
    action()  # warm caches and connections
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return Timing(
        statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]
    )


def populate(database: DatabaseEngine) -> None:
    sessions = migrated_with_directory(database)
    with sessions() as session, session.begin():
        add_user(session, DemoUser(USER, "Funcionario de referencia", USER_GROUPS), "bench")
    clock = ManualClock(datetime(2026, 12, 1, 9, tzinfo=UTC))
    Engine(sessions, services=service_registry(), clock=clock).deploy(
        [ROOT / "processes" / "bpmn" / "P001_delegaciones.bpmn"], "admin"
    )
    rng = random.Random(2026)
    groups = list(GROUPS)
    users = ["despacho", "despacho2", "secretario", "orc", "salud", "cultura", USER]
    with sessions() as session, session.begin():
        definition_id = session.scalar(select(Definition.id))
        now = datetime(2026, 11, 1, 13, tzinfo=UTC)
        for start in range(0, CASES, 2_000):
            session.execute(
                insert(Case),
                [
                    {
                        "business_key": f"P001-2026-{number:05d}",
                        "definition_id": definition_id,
                        "subject": f"Sesión {number} de la junta {rng.choice(['EMCALI', 'Metro Cali', 'EMRU'])}",
                        "status": "running",
                        "state": b"",
                        "data": {},
                        "version": 1,
                        "started_by": rng.choice(users),
                        "started_at": now,
                    }
                    for number in range(start + 1, start + 2_001)
                ],
            )
        case_ids = list(session.scalars(select(Case.id).order_by(Case.id)))
        rows = []
        for case_id in case_ids:
            for step in range(TASKS_PER_CASE):
                is_open = rng.random() < OPEN_SHARE
                group = rng.choice(groups)
                rows.append(
                    {
                        "case_id": case_id,
                        "spiff_id": str(uuid.UUID(int=rng.getrandbits(128))),
                        "element_id": f"tarea_{step}",
                        "name": f"Tarea {step} del trámite",
                        "candidate_group": group,
                        "assignee": rng.choice([None, None, *users])
                        if is_open
                        else rng.choice(users),
                        "state": "open" if is_open else "completed",
                        "due_date": TODAY + timedelta(days=rng.randint(-20, 40)),
                        "form_key": None,
                        "created_at": now,
                    }
                )
        for start in range(0, len(rows), 10_000):
            session.execute(insert(Task), rows[start : start + 10_000])
    if database.dialect.name == "postgresql":
        with database.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


# What a page calls per row: label -> (module path ending, function name). Every translated text,
# from a template's `_` or a filter's gettext, is one lookup in the catalog (the standard
# library's gettext classes, which Babel's translations extend).
PROFILED: dict[str, tuple[tuple[str, str], ...]] = {
    "gettext": (("/gettext.py", "gettext"),),
    "ngettext": (("/gettext.py", "ngettext"),),
    "format_date": (("flask_babel/__init__.py", "format_date"),),
    "url_for": (("flask/app.py", "url_for"),),
    "csrf_token": (("flask_wtf/csrf.py", "generate_csrf"),),
}


def profiled(page: Callable[[], None], requests: int) -> tuple[dict[str, float], float]:
    """Calls per page of each PROFILED function, and the share of the page spent rendering."""
    page()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        page()
    profile.disable()
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    calls = dict.fromkeys(PROFILED, 0.0)
    total = render = 0.0
    for (filename, _line, function), (_cc, ncalls, _tt, cumulative, _callers) in stats.items():
        for label, places in PROFILED.items():
            if any(function == name and filename.endswith(end) for end, name in places):
                calls[label] += ncalls / requests
        if function == "_render" and filename.endswith("flask/templating.py"):
            render += cumulative
        if function == "page" and filename.endswith("bench/inbox.py"):
            total += cumulative
    return calls, render / total if total else 0.0


def measure(
    database: DatabaseEngine, requests: int, profile: bool = False
) -> list[tuple[str, int, int, Timing, Timing]]:
    sessions = session_factory(database)
    clock = ManualClock(datetime(2026, 12, 1, 9, tzinfo=UTC))
    engine = Engine(sessions, services=service_registry(), clock=clock)
    app = create_app(
        {"SECRET_KEY": secrets.token_urlsafe(48), "WTF_CSRF_ENABLED": False}, engine=engine
    )
    client = app.test_client()
    client.post("/ingresar", data={"usuario": USER, "contrasena": "bench"})
    with sessions() as session:
        actor = load_actor(session, USER)
        total_open = session.scalar(select(func.count(Task.id)).where(Task.state == "open"))
    results = []
    for scope in SCOPES:
        wanted = InboxFilter(scope=scope)
        statements = [inbox_statement(actor, wanted, TODAY)] + [
            count_statement(actor, wanted, TODAY, s) for s in SCOPES
        ]
        compiled = [
            str(s.compile(database, compile_kwargs={"literal_binds": True})) for s in statements
        ]

        def page(scope: str = scope) -> None:
            response = client.get(f"/?bandeja={scope}")
            assert response.status_code == 200, response.status_code

        with raw_cursor(database) as cursor:

            def bare_sql(compiled: list[str] = compiled) -> None:
                for sql in compiled:
                    cursor.execute(sql)
                    cursor.fetchall()

            sql_timing = timed(bare_sql, requests)
        page_timing = timed(page, requests)
        if profile:
            calls, render_share = profiled(page, requests)
            counted = ", ".join(f"{label} {value:.0f}" for label, value in calls.items())
            print(f"  {scope} per page: {counted}; templates {render_share:.0%} of the page")
        with sessions() as session:
            shown = len(list(session.execute(statements[0])))
            matching = session.scalar(statements[1 + SCOPES.index(scope)]) or 0
        results.append((scope, shown, matching, page_timing, sql_timing))
    print(f"  ({total_open} open tasks in {CASES} cases, {CASES * TASKS_PER_CASE} task rows)")
    return results


@contextmanager
def raw_cursor(database: DatabaseEngine) -> Iterator[Any]:
    connection = database.raw_connection()
    try:
        cursor = connection.cursor()
        yield cursor
        cursor.close()
    finally:
        connection.close()


@contextmanager
def sqlite_database() -> Iterator[DatabaseEngine]:
    with tempfile.TemporaryDirectory() as folder:
        database = create_database_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        try:
            yield database
        finally:
            database.dispose()


@contextmanager
def postgres_database() -> Iterator[DatabaseEngine]:
    with postgres_schema() as (_schema, database):
        yield database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--profile", action="store_true", help="count per-page calls of gettext, url_for…"
    )
    arguments = parser.parse_args()
    backends: list[tuple[str, Callable[[], Any]]] = [("SQLite", sqlite_database)]
    if not arguments.skip_postgres:
        backends.append(("PostgreSQL", postgres_database))
    table = []
    for name, factory in backends:
        print(f"{name}: generating {CASES} cases and {CASES * TASKS_PER_CASE} task rows…")
        try:
            with factory() as database:
                started = time.perf_counter()
                populate(database)
                print(f"  generated in {time.perf_counter() - started:.1f} s")
                for row in measure(database, arguments.requests, arguments.profile):
                    table.append((name, *row))
        except Exception as error:  # a missing PostgreSQL server is reported, not fatal
            print(f"  {name} skipped: {error}")
    print()
    header = (
        f"{'database':<11}{'tab':<8}{'rows':>5}{'match':>7}"
        f"{'page med':>10}{'page p95':>10}{'SQL med':>9}{'SQL p95':>9}{'page/SQL':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, scope, shown, matching, page, sql in table:
        print(
            f"{name:<11}{scope:<8}{shown:>5}{matching:>7}"
            f"{page.median_ms:>8.1f}ms{page.p95_ms:>8.1f}ms{sql.median_ms:>7.1f}ms{sql.p95_ms:>7.1f}ms"
            f"{page.median_ms / sql.median_ms:>9.1f}x"
        )
    print(
        "\npage: server time of GET /?bandeja=<tab> (25 rows a page); SQL: the same three statements"
        "\n(rows of the page + both tab counts) on the DB-API cursor. Times are medians and p95."
    )


if __name__ == "__main__":
    main()
