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
"""

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
