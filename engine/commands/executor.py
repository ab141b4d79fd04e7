"""Every state change is a command run by one executor through one chain of interceptors.

Camunda's CommandExecutor is the model, kept small: a command is a frozen dataclass with an
`execute(context)` method; an interceptor is a function `(command, context, proceed) -> result`
that wraps what comes after it. The chain is built once per engine:

    record_incidents  a command that failed with an Incident records it on its case, in a
                      transaction of its own, after the failed one rolled back
    transaction       one unit of work: one database transaction committed once at the end;
                      a row changed concurrently (optimistic lock) is a Conflict

so a command never sees a half-written state, and a test can run one with any interceptor
swapped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from engine.errors import Incident

if TYPE_CHECKING:
    from engine.commands.facade import Engine

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


@dataclass
class CommandContext:
    """What a command works with: the engine's parts and, inside the transaction, its session."""

    engine: Engine
    _session: Session | None = field(default=None, repr=False)

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the command runs outside the transaction interceptor")
        return self._session


class Command(Protocol[T_co]):
    def execute(self, context: CommandContext) -> T_co: ...


class RecordsIncidents(Protocol):
    """A command that advances a case: an Incident it raises is recorded on that case."""

    def record_incident(self, engine: Engine, incident: Incident) -> None: ...


Proceed = Callable[[Command[Any], CommandContext], Any]
Interceptor = Callable[[Command[Any], CommandContext, Proceed], Any]


def record_incidents(command: Command[Any], context: CommandContext, proceed: Proceed) -> Any:
    try:
        return proceed(command, context)
    except Incident as incident:
        record = getattr(command, "record_incident", None)
        if record is not None:
            record(context.engine, incident)
        raise


def transaction(command: Command[Any], context: CommandContext, proceed: Proceed) -> Any:
    with context.engine.unit_of_work() as session:
        return proceed(command, CommandContext(context.engine, session))


DEFAULT_CHAIN: tuple[Interceptor, ...] = (record_incidents, transaction)


class CommandExecutor:
    def __init__(self, engine: Engine, interceptors: Sequence[Interceptor] = DEFAULT_CHAIN) -> None:
        self.engine = engine
        self.interceptors = tuple(interceptors)

    def execute(self, command: Command[T]) -> T:
        def proceed_from(index: int) -> Proceed:
            def proceed(current: Command[Any], context: CommandContext) -> Any:
                if index == len(self.interceptors):
                    return current.execute(context)
                return self.interceptors[index](current, context, proceed_from(index + 1))

            return proceed

        result: T = proceed_from(0)(command, CommandContext(self.engine))
        return result
