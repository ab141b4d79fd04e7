"""Registered services that BPMN service tasks call by name, and what they may see."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol

from sqlalchemy.orm import Session

from engine.bpm.calendar import local_date
from engine.bpm.clock import Clock
from storage.models import Case


@dataclass(frozen=True)
class CompletedTask:
    element_id: str
    completed_by: str
    groups: frozenset[str]
    data: Mapping[str, Any]


# Whom a notification names: a username or a group code, never a string that may be either
# (the demo users orc, hacienda, planeacion and calidad share their group's code).
RecipientKind = Literal["user", "group"]
RECIPIENT_KINDS: tuple[RecipientKind, ...] = ("user", "group")


class Notifier(Protocol):
    def __call__(self, recipient: str, subject: str, body: str, *, kind: RecipientKind) -> None: ...


@dataclass
class HandlerContext:
    """All a handler sees of the engine: the case's data, who acts, time, its own tables."""

    case: Case
    element_id: str
    data: Mapping[str, Any]
    actor: str
    clock: Clock
    session: Session
    notify: Notifier
    # `completed_tasks(since=element_id)`: only tasks after that element's latest completion
    # (the start of a round), so a case's long history does not slow each round down.
    completed_tasks: Callable[..., Iterator[CompletedTask]]
    params: dict[str, Any] = field(default_factory=dict)
    # The case's procedure (its definition's key), known without loading the definition row.
    definition_key: str | None = None

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def today(self) -> date:
        """The date in Bogotá (where years, series and deadlines are counted), not in UTC."""
        return local_date(self.clock.now())


Handler = Callable[[HandlerContext], dict[str, Any]]
# A rule a policy sets on a form's submission, given the case data: field errors (Spanish).
FormRule = Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, str]]


class ServiceRegistry:
    """Operators by name; the web layer composes the registry and hands it to the engine."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._form_rules: dict[str, list[FormRule]] = {}

    def register(self, name: str) -> Callable[[Handler], Handler]:
        def decorator(handler: Handler) -> Handler:
            if name in self._handlers:
                raise ValueError(f"operator '{name}' is already registered")
            self._handlers[name] = handler
            return handler

        return decorator

    def get(self, name: str) -> Handler | None:
        return self._handlers.get(name)

    def names(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def form_rule(self, form_key: str) -> Callable[[FormRule], FormRule]:
        """Register a policy's check of a form's submission (what a schema cannot see: the
        case's earlier data)."""

        def decorator(rule: FormRule) -> FormRule:
            self._form_rules.setdefault(form_key, []).append(rule)
            return rule

        return decorator

    def form_rule_errors(
        self, form_key: str | None, case_data: Mapping[str, Any], submission: Mapping[str, Any]
    ) -> dict[str, str]:
        errors: dict[str, str] = {}
        for rule in self._form_rules.get(form_key or "", ()):
            for path, message in rule(case_data, submission).items():
                errors.setdefault(path, message)
        return errors
