"""Database engines and sessions. The URL comes from the environment; SQLite is the default."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Column, Engine, Executable, create_engine, event, inspect, text
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from storage.driver import Prepared, Rows

Model = TypeVar("Model")

DATABASE_URL_VARIABLE = "BUENGOBIERNO_DATABASE_URL"
DEFAULT_SQLITE_PATH = Path("var") / "buengobierno.sqlite3"
# Execution option marking a transaction that will write (SQLite takes the write lock up front).
WRITE_OPTION = "buengobierno_writes"


def database_url_from_environment() -> str:
    url = os.environ.get(DATABASE_URL_VARIABLE)
    if url:
        return url
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def create_database_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for `url`; `schema` pins PostgreSQL's search_path (tests isolate runs with it)."""
    connect_args: dict[str, Any] = {}
    if url.startswith("sqlite"):
        connect_args["timeout"] = 30
        engine = create_engine(url, connect_args=connect_args)
        _serialize_sqlite_writers(engine)
        return engine
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True)


def _serialize_sqlite_writers(engine: Engine) -> None:
    # SQLite allows one writer; a command takes the write lock at BEGIN (instead of at its first
    # write) so concurrent commands queue up instead of failing with "database is locked" mid-way.
    # Readers use a plain BEGIN and, with WAL, never wait for writers.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL, NORMAL syncs at checkpoints rather than at every commit: a power cut may lose
        # the last commits, never corrupt the file or half-write one (docs/engine-decisions.md).
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 64 MB of page cache per connection (SQLite's default is 2 MB): a growing file of
        # attachments and history otherwise turns each lookup into reads from the OS.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        # On the driver (`storage.driver`): every command begins, and SQLAlchemy's execution of
        # the bare statement cost a fifth of an empty unit of work.
        begin = _BEGIN_WRITING if writes else _BEGIN_READING
        if begin.run(connection, {}) is None:  # the driver path declined: SQLAlchemy runs it
            connection.exec_driver_sql(str(begin.statement))


_BEGIN_WRITING = Prepared(text("BEGIN IMMEDIATE"))
_BEGIN_READING = Prepared(text("BEGIN"))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


# The connection a session's transaction began on, kept in `Session.info` for `execute`: asking
# the session for it again walks its transaction machinery every statement (~1 % of a command).
_HELD_CONNECTION = "storage.held_connection"


@event.listens_for(Session, "after_begin")
def _hold_connection(session: Session, transaction: Any, connection: Any) -> None:
    session.info[_HELD_CONNECTION] = (transaction, connection)


def _connection(session: Session) -> Any:
    held = session.info.get(_HELD_CONNECTION)
    if held is not None:
        transaction, connection = held
        current = session.get_transaction()
        # Only while that transaction is the session's, still open: a later one (the session
        # committed and began again) has a connection of its own.
        if current is not None and transaction is current and current.is_active:
            return connection
    return session.connection()


def execute(
    session: Session,
    statement: Executable | Prepared,
    parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    *,
    autoflush: bool = True,
) -> Rows:
    """Run a statement that returns plain rows (or none) on the session's connection, after
    the session's autoflush (unless `autoflush` is False: a caller writing a row the session
    also holds changed). A `Prepared` statement goes straight to the driver when it can
    (`storage.driver`); others through SQLAlchemy's Core execution, without the ORM's
    per-statement machinery. Not for statements whose rows are ORM objects."""
    if autoflush and session.autoflush:
        session.flush()
    connection = _connection(session)
    if isinstance(statement, Prepared):
        rows = statement.run(connection, parameters or {})
        if rows is not None:
            return rows
        statement = statement.statement
    result = connection.execute(statement, parameters)
    return Rows(result.all() if result.returns_rows else [], result.rowcount)


def mapped_columns(model: type[Any]) -> list[tuple[str, Column[Any]]]:
    """Each column attribute of an ORM model with its table column, in the mapper's order."""
    return [(prop.key, prop.columns[0]) for prop in inspect(model).column_attrs]


def as_loaded(session: Session, model: type[Model], values: Mapping[str, Any]) -> Model:
    """A row read in plain columns (every column of `model`) as the session's persistent object,
    as if the ORM had loaded it: nothing left to load and nothing to flush, without the ORM's
    query machinery (its execution, row processing and loading events).

    An object the session already holds for the row is refreshed with the values, as a query with
    `populate_existing` would (`execute` flushed it first, so no change of it is lost).
    """
    held = session.identity_map.get(session.identity_key(model, values["id"]))
    if held is not None:
        for key, value in values.items():
            set_committed_value(held, key, value)
        return held  # type: ignore[no-any-return]
    # What the ORM's loader does: a new instance whose attributes are its committed state.
    instance: Model = inspect(model).class_manager.new_instance()
    instance_state(instance).dict.update(values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance
