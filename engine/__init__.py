"""The Buen Gobierno workflow engine: the only package that talks to SpiffWorkflow (inside it,
only `engine.bpm` does). Its packages, each with one job, are drawn in docs/architecture.md.

Public surface:
    Engine                  commands: deploy, validate, start, claim, unclaim, reassign,
                            act_on_tasks (bulk), set_follow_up, complete, cancel, comment,
                            verify_audit,
                            audit_report, checkpoint_audit
    Clock, SystemClock, ManualClock
    ServiceRegistry, HandlerContext, CompletedTask   for handlers
    unavailable_message     the error for an option the case rules out (x-unavailable-when),
                            for a policy that checks the same rule in code
    JobRunner, fire_due_timers, incidents, retry_incident   leased timer jobs (the worker)
    EngineError and its subclasses                   see engine.errors

Accounts, imported from their modules by the web and the CLI:
    engine.people.accounts         passwords (argon2), password change, session generations
    engine.people.password_policy  12 characters, not the username, not a common password
    engine.people.access_tokens    personal access tokens for the JSON API (SHA-256, expiry, last use)
    engine.people.login_throttle   sign-in limits per account and address (database or Redis)

The names load on first use (PEP 562): importing the package, or one module of it, does not
import the modules behind every public name; `from engine import X` loads X's module then.
`import engine.errors` loads neither the facade nor SpiffWorkflow nor SQLAlchemy, and a
command of the CLI loads the engine's modules it uses, not all of them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.bpm.clock import Clock, ManualClock, SystemClock
    from engine.bpm.deployment import Deployment
    from engine.bpm.services import CompletedTask, HandlerContext, RecipientKind, ServiceRegistry
    from engine.bpm.unavailable_options import unavailable_message
    from engine.commands.facade import Engine
    from engine.errors import (
        Conflict,
        DeployRefused,
        EngineError,
        Forbidden,
        Incident,
        InvalidDefinition,
        Misconfigured,
        NotFound,
        Unavailable,
        UnreadableState,
        ValidationError,
        exit_code_for,
    )
    from engine.jobs.runner import JobOutcome, JobRunner, fire_due_timers, incidents, retry_incident

# Each public name and the module it is defined in (the imports above, for readers and mypy).
_HOMES = {
    **dict.fromkeys(("Clock", "ManualClock", "SystemClock"), "engine.bpm.clock"),
    "Deployment": "engine.bpm.deployment",
    **dict.fromkeys(
        ("CompletedTask", "HandlerContext", "RecipientKind", "ServiceRegistry"),
        "engine.bpm.services",
    ),
    "unavailable_message": "engine.bpm.unavailable_options",
    "Engine": "engine.commands.facade",
    **dict.fromkeys(
        (
            "Conflict",
            "DeployRefused",
            "EngineError",
            "Forbidden",
            "Incident",
            "InvalidDefinition",
            "Misconfigured",
            "NotFound",
            "Unavailable",
            "UnreadableState",
            "ValidationError",
            "exit_code_for",
        ),
        "engine.errors",
    ),
    **dict.fromkeys(
        ("JobOutcome", "JobRunner", "fire_due_timers", "incidents", "retry_incident"),
        "engine.jobs.runner",
    ),
}

__all__ = [
    "Clock",
    "CompletedTask",
    "Conflict",
    "DeployRefused",
    "Deployment",
    "Engine",
    "EngineError",
    "Forbidden",
    "HandlerContext",
    "Incident",
    "InvalidDefinition",
    "JobOutcome",
    "JobRunner",
    "ManualClock",
    "Misconfigured",
    "NotFound",
    "RecipientKind",
    "ServiceRegistry",
    "SystemClock",
    "Unavailable",
    "UnreadableState",
    "ValidationError",
    "exit_code_for",
    "fire_due_timers",
    "incidents",
    "retry_incident",
    "unavailable_message",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # the next look-up does not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
