"""SpiffWorkflow's loggers: set to WARNING by the runtime unless someone configured them (with
their level unset they build, for every task state change, extras with the workflow's whole task
list and the task's data, emitted or not)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _levels_after_import(configure: str = "") -> str:
    code = (
        "import logging\n"
        f"{configure}\n"
        "import engine.bpm.runtime\n"
        "print(*(logging.getLogger(n).level for n in ('spiff.task', 'spiff.workflow')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_unconfigured_spiff_loggers_are_set_to_warning() -> None:
    assert _levels_after_import() == "30 30"


def test_a_level_someone_configured_is_kept() -> None:
    assert (
        _levels_after_import("logging.getLogger('spiff.task').setLevel(logging.DEBUG)") == "10 30"
    )
