"""A PostgreSQL outage under a real worker and a real web server: a private server is stopped
(`pg_ctl stop -m fast`, which cuts the open connections) and started again. Meanwhile /healthz
answers 503; afterwards 200, and the worker, still the same process, fires every due timer
exactly once, those leased when the server went away and those due after it came back."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from engine import Engine, ManualClock
from handlers import service_registry
from storage.database import create_database_engine
from storage.migrate import upgrade_to_head
from storage.models import AuditEvent, Job
from tests.conftest import BOGOTA, BPMN, with_directory
from tests.reliability.test_worker_processes import (
    AFTER_BOTH_TIMERS,
    _approved_cases,
    _assert_every_timer_fired_exactly_once,
)

BUENGOBIERNO = str(Path(sys.executable).parent / "buengobierno")
DEADLINE = 180.0  # seconds; generous: the machine is shared


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@dataclass
class PrivatePostgres:
    """A PostgreSQL server of our own, in a temporary directory, on a free port."""

    bin: Path
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        # initdb and the server refuse to run as root: run them as `postgres` then.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.directory / "data"), "-U", "postgres",
            "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.directory} -c fsync=off"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-l",
            str(self.directory / "server.log"), "-o", options, "-w", "-t", "120", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-m", mode, "-w",
            "-t", "120", "stop",
        )  # fmt: skip


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    binaries = _postgres_bin()
    if binaries is None:
        pytest.skip(
            "PostgreSQL server binaries (pg_ctl, initdb) not found under /usr/lib/postgresql"
        )
    directory = Path(tempfile.mkdtemp(prefix="bg-outage-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    server = PrivatePostgres(binaries, directory, _free_port())
    server.init()
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            server.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


def _spawn(server: PrivatePostgres, log: Path, *args: str) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BUENGOBIERNO_")}
    env.update(
        BUENGOBIERNO_DATABASE_URL=server.url,
        BUENGOBIERNO_SECRET_KEY=secrets.token_urlsafe(48),
        BUENGOBIERNO_CLOCK=AFTER_BOTH_TIMERS,
    )
    # Output goes to a file: a full pipe would block the process.
    with log.open("a") as output:
        return subprocess.Popen(
            [BUENGOBIERNO, *args], env=env, stdout=output, stderr=output, text=True
        )


def _healthz(port: int) -> tuple[int, dict[str, Any]] | None:
    """Status and JSON body of /healthz, or None while the web server is not listening yet."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _until(condition: Callable[[], bool], what: str, *alive: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        for process in alive:
            assert process.poll() is None, f"{process.args} exited ({process.returncode}): {what}"
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.1)


def _count(engine: Engine, query: Any) -> int:
    with engine.sessions() as session:
        return int(session.scalar(query) or 0)


def test_an_outage_of_postgresql_gives_503_then_200_and_the_worker_survives_losing_nothing(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    database = create_database_engine(private_postgres.url)
    upgrade_to_head(database)
    sessions = with_directory(database)
    clock = ManualClock(datetime(2026, 12, 1, 9, 0, tzinfo=BOGOTA))
    engine = Engine(sessions, services=service_registry(), clock=clock)
    engine.deploy([BPMN / "P001_delegaciones.bpmn"], "admin")
    before = _approved_cases(engine, 40)  # 80 timers, due by the worker's clock

    web_port = _free_port()
    worker_log, web_log = tmp_path / "worker.log", tmp_path / "web.log"
    worker = _spawn(private_postgres, worker_log, "worker", "--batch", "5", "--poll", "0.2")
    web = _spawn(private_postgres, web_log, "serve", "--port", str(web_port))
    try:
        _until(lambda: _healthz(web_port) == (200, {"status": "ok", "database": "ok"}), "200", web)
        fired = (
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "timer_fired")
        )
        _until(lambda: _count(engine, fired) > 0, "the worker fires timers", worker)

        private_postgres.stop("fast")  # most likely in the middle of a batch
        outage = _healthz(web_port)
        assert outage is not None and outage[0] == 503, outage
        assert outage[1]["status"] == "unavailable" and outage[1]["database"], outage
        _until(
            lambda: "event=database_unavailable" in worker_log.read_text(),
            "the worker notices the outage",
            worker,
        )
        time.sleep(3)  # an outage of a few seconds (not a measurement)
        assert worker.poll() is None, worker_log.read_text()
        still = _healthz(web_port)
        assert still is not None and still[0] == 503, still

        private_postgres.start()
        _until(
            lambda: _healthz(web_port) == (200, {"status": "ok", "database": "ok"}),
            "/healthz recovers by itself",
            web,
        )
        after = _approved_cases(engine, 10)  # due after the outage
        _until(
            lambda: _count(engine, select(func.count()).select_from(Job)) == 0,
            "every timer fired",
            worker,
        )
        assert "event=database_available" in worker_log.read_text()
        _assert_every_timer_fired_exactly_once(engine, before + after)

        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=120) == 0, worker_log.read_text()
    finally:
        for process in (worker, web):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=60)
        database.dispose()
