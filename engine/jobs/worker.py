"""The worker process: fires due timers and delivers notifications until told to stop.

SIGTERM (or SIGINT) lets the current job finish, then the loop ends; the leases of jobs it had
acquired but not started simply expire and another worker takes them. A database that does not
answer (down, restarting, connection lost) does not end the process: the worker logs
`event=database_unavailable` and tries again with backoff. With `checkpoint_every`,
the worker also seals an audit checkpoint when the latest one (by any worker) is older than
that; each sealed checkpoint is logged, a copy outside the database. Logs are one line per
event with `key=value` fields (job, case, status) for the log collector.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType

from engine.errors import EngineError, Unavailable
from engine.jobs.outbox import MailTransport, deliver_notifications
from engine.jobs.runner import JobOutcome, JobRunner

log = logging.getLogger("buengobierno.worker")
# The parent of SpiffWorkflow's loggers (spiff.task, spiff.workflow, ...): its INFO lines are
# task state changes, not events of the worker.
SPIFF_LOGGER = "spiff"


@dataclass
class WorkerStats:
    jobs: int = 0
    failures: int = 0
    notifications: int = 0
    checkpoints: int = 0


class Worker:
    def __init__(
        self,
        runner: JobRunner,
        *,
        transport: MailTransport | None = None,
        base_url: str = "http://127.0.0.1:5000",
        batch: int = 10,
        poll: timedelta = timedelta(seconds=5),
        checkpoint_every: timedelta | None = None,
        progress: Callable[[WorkerStats], None] | None = None,
        outage_backoff_max: timedelta = timedelta(seconds=30),
    ) -> None:
        self.runner = runner
        self.transport = transport
        self.base_url = base_url
        self.batch = batch
        self.poll = poll
        self.progress = progress
        self.checkpoint_every = checkpoint_every
        self.outage_backoff_max = outage_backoff_max
        self.stats = WorkerStats()
        self._stopping = threading.Event()
        self._next_checkpoint: datetime | None = None

    def checkpoint_if_due(self) -> None:
        """Seal an audit checkpoint unless one is younger than `checkpoint_every`; a missing
        key is logged (once per interval), never fatal: timers and notifications go on."""
        if self.checkpoint_every is None:
            return
        engine = self.runner.engine
        now = engine.clock.now()
        if self._next_checkpoint is not None and now < self._next_checkpoint:
            return
        self._next_checkpoint = now + min(self.checkpoint_every, timedelta(minutes=1))
        try:
            sealed = engine.checkpoint_audit(unless_within=self.checkpoint_every)
        except Unavailable:
            raise  # the database is down: the run loop waits for it
        except EngineError as error:
            self._next_checkpoint = now + self.checkpoint_every
            log.warning("event=checkpoint status=failed error=%s", error)
            return
        if sealed is not None:
            self.stats.checkpoints += 1
            log.info(
                "event=checkpoint status=sealed checkpoint=%s cases=%s mac=%s",
                sealed.id,
                sealed.cases,
                sealed.mac,
            )

    def stop(self, *_args: object) -> None:
        if not self._stopping.is_set():
            log.info("event=stopping owner=%s", self.runner.owner)
        self._stopping.set()

    def install_signal_handlers(self) -> None:
        def handler(signum: int, _frame: FrameType | None) -> None:
            self.stop()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def run(self, *, once: bool = False) -> WorkerStats:
        """Work until stopped; with `once`, until nothing is due.

        A database that does not answer never ends the loop: it is logged and tried again with
        backoff (1 s doubling up to `outage_backoff_max`) until it answers. With `once` the
        `Unavailable` error is raised instead (the CLI exits with its code).
        """
        log.info("event=started owner=%s", self.runner.owner)
        outage = 0
        while not self._stopping.is_set():
            try:
                self.checkpoint_if_due()
                acquired = self.runner.acquire(self.batch)
                self.runner.run_batch(acquired, stopping=self._stopping.is_set, ran=self._ran)
                sent = deliver_notifications(
                    self.runner.engine, self.transport, base_url=self.base_url, batch=self.batch * 5
                )
            except Unavailable as error:
                if once:
                    raise
                outage += 1
                delay = min(self.outage_backoff_max, timedelta(seconds=2 ** (outage - 1)))
                log.error(
                    "event=database_unavailable owner=%s attempt=%s retry_in=%ss error=%s",
                    self.runner.owner,
                    outage,
                    delay.total_seconds(),
                    error.detail,
                )
                self._stopping.wait(delay.total_seconds())
                continue
            if outage:
                log.info("event=database_available owner=%s after=%s", self.runner.owner, outage)
                outage = 0
            self.stats.notifications += sent
            if (acquired or sent) and self.progress is not None:
                self.progress(self.stats)
            if not acquired and not sent:
                if once:
                    break
                self._stopping.wait(self.poll.total_seconds())
        log.info(
            "event=stopped owner=%s jobs=%s notifications=%s",
            self.runner.owner,
            self.stats.jobs,
            self.stats.notifications,
        )
        return self.stats

    def _ran(self, outcome: JobOutcome) -> None:
        self.stats.jobs += 1
        self.stats.failures += outcome.status in ("retry", "incident")
        level = logging.WARNING if outcome.error else logging.INFO
        log.log(
            level,
            "event=job job=%s case=%s status=%s error=%s",
            outcome.job_id,
            outcome.business_key or "-",
            outcome.status,
            outcome.error or "-",
        )
