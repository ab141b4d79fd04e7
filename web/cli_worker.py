"""The worker: fires due timers and sends notifications (`buengobierno worker`).

It imports the engine and its own module only: a worker restarted, or run from cron with
`--once`, starts without the web's views (tests/integration/test_cli_imports.py).
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

import click
from flask import current_app

from engine import JobRunner
from engine.jobs.outbox import SmtpTransport
from engine.jobs.worker import SPIFF_LOGGER, Worker
from web.cli_support import current_engine, engine_command, refuse_without_secret_key


@click.command()
@click.option("--once", is_flag=True, help="Termina cuando no quede nada pendiente.")
@click.option("--batch", default=10, show_default=True, help="Trabajos por adquisición.")
@click.option("--poll", default=5.0, show_default=True, help="Segundos de espera sin trabajo.")
@click.option(
    "--checkpoint-every",
    default=60.0,
    show_default=True,
    envvar="BUENGOBIERNO_AUDIT_CHECKPOINT_MINUTES",
    help="Minutos entre puntos de control de auditoría (0: ninguno).",
)
@engine_command
def worker(once: bool, batch: int, poll: float, checkpoint_every: float) -> None:
    """Dispara temporizadores y envía notificaciones (varios pueden correr a la vez)."""
    refuse_without_secret_key()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # SpiffWorkflow logs every task state change at INFO (four lines a timer, without our
    # key=value fields): formatting and writing them was a tenth of the worker's time.
    logging.getLogger(SPIFF_LOGGER).setLevel(logging.WARNING)
    owner = f"{socket.gethostname()}:{os.getpid()}"
    smtp_url = current_app.config.get("SMTP_URL")
    runner = Worker(
        JobRunner(current_engine(), owner),
        transport=SmtpTransport(smtp_url) if smtp_url else None,
        base_url=current_app.config["BASE_URL"],
        batch=batch,
        poll=timedelta(seconds=poll),
        checkpoint_every=timedelta(minutes=checkpoint_every) if checkpoint_every > 0 else None,
        progress=lambda stats: click.echo(
            f"procesados: {stats.jobs} trabajos ({stats.failures} con error), "
            f"{stats.notifications} notificaciones",
            err=True,
        ),
    )
    runner.install_signal_handlers()
    runner.run(once=once)
