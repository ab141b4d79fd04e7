"""What counts as the workflow failing while a command runs it, and the incident it becomes.

A failing script, expression or handler raises a SpiffWorkflowException (or the sandbox's own
errors); a defect inside SpiffWorkflow raises whatever Python raises there (a `TypeError` for a
multi-instance cardinality that is not a number). Either way the case cannot advance: the
command rolls back and the failure is an `Incident`, one line in Spanish kept on the case and
retryable, never a raw exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import SpiffWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.bpm.sandbox import ScriptError, ScriptLimitExceeded, UnsafeScript
from engine.errors import Incident

RUN_FAILURES = (SpiffWorkflowException, UnsafeScript, ScriptLimitExceeded, ScriptError)
_SPIFF_PACKAGE = str(Path(SpiffWorkflow.__file__).resolve().parent)


@contextmanager
def as_incidents(case: str) -> Iterator[None]:
    """Inside: running `case`'s workflow. Its failures leave as an `Incident` naming the case."""
    try:
        yield
    except Incident:
        raise
    except RUN_FAILURES as error:
        raise Incident(describe_failure(case, error)) from error
    except Exception as error:
        if not _raised_inside_spiff(error.__traceback__):
            raise
        raise Incident(describe_failure(case, error)) from error


def describe_failure(case: str, error: Exception) -> str:
    """`<case> en '<element>': <first line>`; a defect names its exception type."""
    task = getattr(error, "task", None)
    where = f" en '{task.task_spec.bpmn_id}'" if task is not None else ""
    text = str(error).strip()
    message = text.splitlines()[0] if text else type(error).__name__
    if not isinstance(error, RUN_FAILURES):
        message = f"falla interna del motor de procesos ({type(error).__name__}: {message})"
    return f"{case}{where}: {message}"


def _raised_inside_spiff(traceback: TracebackType | None) -> bool:
    """The innermost frame is SpiffWorkflow's code (not a handler's or the database's)."""
    innermost = None
    while traceback is not None:
        innermost = traceback
        traceback = traceback.tb_next
    if innermost is None:
        return False
    return str(Path(innermost.tb_frame.f_code.co_filename).resolve()).startswith(_SPIFF_PACKAGE)
