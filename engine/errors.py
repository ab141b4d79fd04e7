"""The engine's exception tree, documented in one place.

    EngineError            anything the engine refuses or cannot do; nothing was changed
    ├── NotFound           no such definition, case, task or user
    ├── Forbidden          the actor may not do this (not a member, not the assignee)
    ├── Conflict           the state moved on: stale version, task already completed or claimed
    │   ├── MigrationRefused   a case that cannot move to another version (lists the reasons)
    │   └── DeployRefused      a deployment the workbench's rules refuse: content equal to an
    │                          earlier version (that is a redeploy), scenarios not passed
    ├── InvalidDefinition  a BPMN bundle that does not parse or lint (lists every problem)
    ├── ValidationError    data that violates the task's form schema (lists field errors)
    ├── Incident           a handler or script failed while the case advanced
    ├── Misconfigured      a setting the command needs is missing or unusable (the audit key)
    ├── Unavailable        the database does not answer (down, unreachable, connection lost);
                           nothing was changed and the same request may succeed later
    └── UnreadableState    a saved case state of a format this code does not know (newer,
                           unknown, or a migration failed); the case was not touched

What is unavailability and what is the request's (or the job's) own failure is decided in one
place, `engine.commands.database_faults`: see docs/engine-decisions.md.

`web/` maps them to HTTP status codes and the CLI to exit codes (see `EXIT_CODES`).
"""

from __future__ import annotations

from collections.abc import Sequence


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""


class NotFound(EngineError):
    pass


class Forbidden(EngineError):
    pass


class Conflict(EngineError):
    pass


class MigrationRefused(Conflict):
    def __init__(self, case: str, reasons: Sequence[str]) -> None:
        self.case = case
        self.reasons = list(reasons)
        super().__init__(f"el caso {case} no se puede migrar: " + "; ".join(self.reasons))


class DeployRefused(Conflict):
    pass


class InvalidDefinition(EngineError):
    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class ValidationError(EngineError):
    def __init__(self, field_errors: dict[str, str]) -> None:
        self.field_errors = dict(field_errors)
        super().__init__(
            "; ".join(f"{field or '(formulario)'}: {msg}" for field, msg in field_errors.items())
        )


class Incident(EngineError):
    pass


class Unavailable(EngineError):
    """The database does not answer; `detail` is the driver's own words, for operators."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"la base de datos no responde: {detail}")


class Misconfigured(EngineError):
    pass


class UnreadableState(EngineError):
    """Not an `Incident`: recording one would change the case, and nothing may change."""


EXIT_CODES: dict[type[EngineError], int] = {
    NotFound: 3,
    Forbidden: 4,
    Conflict: 5,
    InvalidDefinition: 6,
    ValidationError: 7,
    Incident: 8,
    Misconfigured: 2,
    Unavailable: 11,
    UnreadableState: 12,
}


def exit_code_for(error: EngineError) -> int:
    return next((code for kind, code in EXIT_CODES.items() if isinstance(error, kind)), 1)
