"""Which database errors mean "the database does not answer", decided in one place.

Unavailable (raised as `engine.errors.Unavailable`; the same request may succeed later):
    - the connection could not be opened (server down, refused, unreachable, too many clients);
    - the connection was lost while in use (SQLAlchemy marked it invalidated; server restart,
      `pg_terminate_backend`, network cut), or the server is shutting down / starting up;
    - no pooled connection was free in time (sqlalchemy.exc.TimeoutError).
Everything else is the statement's own failure and stays what it is (a job failure in the
worker, a 500 in the web): a statement timeout or a lock timeout (the work took too long, the
connection is fine), a deadlock or serialization failure, a constraint violation, a missing
table (the schema is not there: `buengobierno init`).

PostgreSQL errors are told apart by SQLSTATE: class 08 (connection exception), 57P01..57P03
(admin/crash shutdown, cannot connect now), 53300 (too many connections); a psycopg
OperationalError without SQLSTATE comes from the client side (connection failed or broken).
On SQLite only a file that cannot be opened or read counts ("unable to open database file",
"disk I/O error"); "database is locked" is contention, a failure of that statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc

from engine.errors import Unavailable

UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
SQLITE_UNAVAILABLE = ("unable to open database file", "disk i/o error")


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database does not answer (see the module's docstring)."""
    if isinstance(error, exc.TimeoutError):
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error, exc.InterfaceError):
        return True
    if not isinstance(error, exc.OperationalError):
        return False
    original = error.orig
    if type(original).__module__.startswith("sqlite3"):
        return str(original).lower().startswith(SQLITE_UNAVAILABLE)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is None:
        return True
    return str(sqlstate).startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES


def unavailability_in(error: BaseException) -> Unavailable | None:
    """`Unavailable` if `error`, or what it wraps (a handler's database error becomes an
    `Incident` through SpiffWorkflow), says the database does not answer."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, Unavailable):
            return current
        if is_unavailable(current):
            return Unavailable(describe(current))
        wrapped = getattr(current, "exception", None)
        pending += [
            current.__cause__,
            current.__context__,
            wrapped if isinstance(wrapped, BaseException) else None,
        ]
    return None


def is_missing_schema(error: BaseException) -> bool:
    """A table or column the code expects is not there: the database needs `buengobierno init`."""
    if isinstance(error, exc.ProgrammingError):
        return getattr(error.orig, "sqlstate", None) in (None, "42P01", "42703", "3F000")
    if isinstance(error, exc.OperationalError) and not is_unavailable(error):
        return str(error.orig).lower().startswith(("no such table", "no such column"))
    return False


def describe(error: BaseException) -> str:
    """The driver's message in one line, without SQLAlchemy's statement and parameters."""
    original = getattr(error, "orig", None) or error
    return " ".join(str(original).split()) or type(original).__name__


def unavailable_from(error: BaseException) -> Unavailable | None:
    return Unavailable(describe(error)) if is_unavailable(error) else None


@contextmanager
def translated() -> Iterator[None]:
    """Raise `Unavailable` instead of a database error that means the database does not answer."""
    try:
        yield
    except (exc.DBAPIError, exc.TimeoutError) as error:
        unavailable = unavailable_from(error)
        if unavailable is None:
            raise
        raise unavailable from error
