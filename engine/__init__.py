"""The Buen Gobierno workflow engine: the only package that talks to SpiffWorkflow.

Public surface (everything else is private to the package):
    Engine                  commands: deploy, validate, start, claim, unclaim, reassign,
                            complete, cancel, verify_audit
    Clock, SystemClock, ManualClock
    ServiceRegistry, HandlerContext, CompletedTask   for handlers
    EngineError and its subclasses                   see engine.errors
"""

from engine.clock import Clock, ManualClock, SystemClock
from engine.commands import Deployment, Engine
from engine.errors import (
    Conflict,
    EngineError,
    Forbidden,
    Incident,
    InvalidDefinition,
    NotFound,
    ValidationError,
    exit_code_for,
)
from engine.services import CompletedTask, HandlerContext, ServiceRegistry

__all__ = [
    "Clock",
    "CompletedTask",
    "Conflict",
    "Deployment",
    "Engine",
    "EngineError",
    "Forbidden",
    "HandlerContext",
    "Incident",
    "InvalidDefinition",
    "ManualClock",
    "NotFound",
    "ServiceRegistry",
    "SystemClock",
    "ValidationError",
    "exit_code_for",
]
