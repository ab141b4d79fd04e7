"""Prepared statements on the driver (`storage.driver`): the same rows, types, errors and
listener calls as SQLAlchemy's execution of the same statement, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import Table, bindparam, event, exc, insert, select, text, tuple_
from sqlalchemy.orm import Session, sessionmaker

from engine.commands.database_faults import is_unavailable
from storage.database import WRITE_OPTION, as_loaded, execute, mapped_columns
from storage.driver import Prepared
from storage.models import Group, Job, Membership, User

postgres_only = pytest.mark.parametrize("database", ["postgresql"], indirect=True)
sqlite_only = pytest.mark.parametrize("database", ["sqlite"], indirect=True)

_JOBS = cast(Table, Job.__table__)
_MEMBERS = Prepared(
    select(User.username, User.is_admin, User.active, Group.code, Membership.is_coordinator)
    .join(Membership, Membership.user_id == User.id)
    .join(Group, Group.id == Membership.group_id)
    .where(User.username.in_(select(User.username).where(User.active)), Group.code != "nadie")
    .order_by(User.username, Group.code)
)
_USER = Prepared(select(User.username, User.full_name).where(User.username == bindparam("name")))
_INSERT_JOB = Prepared(insert(_JOBS))
_INSERT_JOB_RETURNING = Prepared(insert(_JOBS).returning(_JOBS.c.id, sort_by_parameter_order=True))
_JOB = Prepared(
    select(_JOBS.c.kind, _JOBS.c.due_at, _JOBS.c.payload, _JOBS.c.attempts).where(
        _JOBS.c.id == bindparam("id")
    )
)


def _job(kind: str, **payload: Any) -> dict[str, Any]:
    at = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
    return {"kind": kind, "case_id": None, "due_at": at, "payload": payload, "created_at": at}


def test_a_prepared_select_runs_on_the_driver_and_returns_sqlalchemy_s_rows(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session, session.begin():
        connection = session.connection()
        driven = _MEMBERS.run(connection, {})
        expected = connection.execute(_MEMBERS.statement).all()
    assert driven is not None  # not handed back to SQLAlchemy
    rows = driven.all()
    assert rows and [tuple(row) for row in rows] == [tuple(row) for row in expected]
    assert rows[0]._fields == ("username", "is_admin", "active", "code", "is_coordinator")
    assert {type(row.is_admin) for row in rows} == {bool}  # SQLite's 0/1 read as SQLAlchemy does


def test_rows_written_on_the_driver_read_back_with_their_types_and_python_defaults(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session, session.begin():
        written = execute(session, _INSERT_JOB_RETURNING, [_job("probe", task="t1", n=[1, 2])])
        (job_id,) = written.scalars()
        row = execute(session, _JOB, {"id": job_id}).one()
        stored = session.get(Job, job_id)
    assert row.kind == "probe" and row.payload == {"task": "t1", "n": [1, 2]}
    assert row.due_at.replace(tzinfo=UTC) == datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
    assert row.attempts == 0  # the column's Python-side default, applied as SQLAlchemy would
    assert stored is not None and stored.payload == row.payload and stored.attempts == 0


def test_several_rows_go_in_one_executemany_and_rows_returned_by_several_through_sqlalchemy(
    sessions: sessionmaker[Session],
) -> None:
    sent: list[tuple[str, bool]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, _p: Any, _c: Any, many: bool) -> None:
        sent.append((statement, many))

    with sessions() as session, session.begin():
        connection = session.connection()
        event.listen(connection, "before_cursor_execute", listen)
        several = _INSERT_JOB.run(connection, [_job("many", i=i) for i in range(3)])
        assert several is not None and several.rowcount == 3
        assert sent == [(sent[0][0], True)] and sent[0][0].startswith("INSERT INTO jobs")
        rows = [_job("returning", i=i) for i in range(3)]
        assert _INSERT_JOB_RETURNING.run(connection, rows) is None  # insertmanyvalues is theirs
        ids = execute(session, _INSERT_JOB_RETURNING, rows).scalars()
        payloads = [execute(session, _JOB, {"id": i}).one().payload for i in ids]
        event.remove(connection, "before_cursor_execute", listen)
    assert payloads == [{"i": 0}, {"i": 1}, {"i": 2}]  # ids in the rows' order


_NAMES_IN_GROUPS = Prepared(
    select(User.username, Group.code)
    .join(Membership, Membership.user_id == User.id)
    .join(Group, Group.id == Membership.group_id)
    .where(
        User.username.in_(bindparam("names", expanding=True)),
        Group.code.in_(bindparam("codes", expanding=True)),
        User.active == bindparam("active"),
    )
    .order_by(User.username, Group.code)
)


@pytest.mark.parametrize(
    ("names", "codes"),
    [
        (["despacho"], ["despacho_gobierno"]),
        (["despacho", "secretario", "nadie"], ["despacho_gobierno", "secretario_gobierno", "orc"]),
        ([], ["despacho_gobierno"]),
        (("secretario",), []),
    ],
)
def test_expanding_in_lists_run_on_the_driver_with_sqlalchemy_s_rows(
    sessions: sessionmaker[Session], names: list[str], codes: list[str]
) -> None:
    sent: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        sent.append(statement)

    parameters = {"names": names, "codes": codes, "active": True}
    with sessions() as session, session.begin():
        connection = session.connection()
        expected = connection.execute(_NAMES_IN_GROUPS.statement, parameters).all()
        event.listen(connection, "before_cursor_execute", listen)
        driven = _NAMES_IN_GROUPS.run(connection, parameters)
        again = _NAMES_IN_GROUPS.run(connection, parameters)  # the kept form for these lengths
        event.remove(connection, "before_cursor_execute", listen)
    assert driven is not None and again is not None
    assert bool(expected) == bool(names and codes)  # members found where both lists name some
    assert [tuple(row) for row in driven] == [tuple(row) for row in expected]
    assert [tuple(row) for row in again] == [tuple(row) for row in expected]
    assert len(sent) == 2 and sent[0] == sent[1] and "IN" in sent[0].upper()


def test_expanding_lists_of_ever_new_lengths_go_through_sqlalchemy_beyond_the_kept_forms(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storage.driver.MAX_EXPANDED_FORMS", 2)
    statement = Prepared(
        select(User.username).where(User.username.in_(bindparam("names", expanding=True)))
    )
    lists = [["despacho"], ["despacho", "secretario"], ["despacho", "secretario", "nadie"]]
    with sessions() as session, session.begin():
        connection = session.connection()
        driven = [statement.run(connection, {"names": names}) for names in lists]
        found = execute(session, statement, {"names": lists[2]})
    assert [rows is not None for rows in driven] == [True, True, False]
    assert sorted(found.scalars()) == ["despacho", "secretario"]


def test_a_statement_that_needs_sqlalchemy_runs_through_it(
    sessions: sessionmaker[Session],
) -> None:
    pairs = Prepared(  # a tuple IN list: SQLAlchemy expands each row's items
        select(User.username).where(
            tuple_(User.username, User.active).in_(bindparam("pairs", expanding=True))
        )
    )
    given = {"pairs": [("despacho", True), ("secretario", True), ("nadie", True)]}
    with sessions() as session, session.begin():
        assert pairs.run(session.connection(), given) is None
        found = execute(session, pairs, given)
    assert sorted(found.scalars()) == ["despacho", "secretario"]


def test_a_missing_parameter_is_sqlalchemy_s_error(sessions: sessionmaker[Session]) -> None:
    with (
        sessions() as session,
        session.begin(),
        pytest.raises(exc.StatementError, match="name"),
    ):
        execute(session, _USER, {})


def test_a_refused_statement_raises_sqlalchemy_s_exception_with_the_driver_s(
    sessions: sessionmaker[Session],
) -> None:
    duplicate = Prepared(
        insert(User).values(username="despacho", full_name="Otra", password_hash="x")
    )
    with (
        sessions() as session,
        session.begin(),
        pytest.raises(exc.IntegrityError) as raised,
    ):
        execute(session, duplicate, {})
    assert "INSERT INTO users" in str(raised.value)
    assert raised.value.orig is not None and not is_unavailable(raised.value)


def test_listeners_see_each_statement_the_driver_runs(sessions: sessionmaker[Session]) -> None:
    seen: list[str] = []
    database = sessions.kw["bind"]

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(database, "before_cursor_execute", listen)
    try:
        with sessions() as session, session.begin():
            row = execute(session, _USER, {"name": "despacho"}).one()
    finally:
        event.remove(database, "before_cursor_execute", listen)
    assert row.username == "despacho"
    assert [s for s in seen if "FROM users" in s] == [_compiled_sql(_USER, database)]


def _compiled_sql(prepared: Prepared, database: Any) -> str:
    compiled = prepared.statement.compile(dialect=database.dialect)  # type: ignore[attr-defined]
    return str(compiled.string)


@postgres_only
def test_a_connection_lost_on_the_driver_is_invalidated_and_unavailable(
    sessions: sessionmaker[Session],
) -> None:
    terminate = Prepared(text("SELECT pg_terminate_backend(pg_backend_pid())"))
    with sessions() as session:
        with pytest.raises(exc.DBAPIError) as raised:
            execute(session, terminate, {})
        session.rollback()
    assert raised.value.connection_invalidated and is_unavailable(raised.value)
    with sessions() as session:  # the pool threw the dead connection away
        assert execute(session, _USER, {"name": "despacho"}).one().username == "despacho"


_USER_COLUMNS = mapped_columns(User)
_USER_ROW = Prepared(
    select(*(column for _, column in _USER_COLUMNS)).where(User.username == bindparam("name"))
)


def _user_values(session: Session, name: str) -> dict[str, Any]:
    row = execute(session, _USER_ROW, {"name": name}).one()
    return dict(zip((key for key, _ in _USER_COLUMNS), row, strict=True))


def test_a_row_read_in_plain_columns_becomes_a_loaded_object_with_nothing_to_flush(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session, session.begin():
        user = as_loaded(session, User, _user_values(session, "despacho"))
        assert user in session and not session.dirty and not session.new
        assert session.get(User, user.id) is user  # in the identity map, as a query's would be
        user.full_name = "Despacho del Alcalde (encargado)"
        session.flush()  # the ORM writes the change it sees, under the row's own key
    with sessions() as session:
        assert session.scalars(select(User.full_name).where(User.id == user.id)).one() == (
            "Despacho del Alcalde (encargado)"
        )


def test_a_row_the_session_already_holds_is_refreshed_not_duplicated(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session, session.begin():
        held = session.scalars(select(User).where(User.username == "despacho")).one()
        values = _user_values(session, "despacho")
        session.execute(
            text("UPDATE users SET full_name = 'Otro nombre' WHERE id = :id"), {"id": held.id}
        )
        assert held.full_name != "Otro nombre"
        again = as_loaded(session, User, {**values, "full_name": "Otro nombre"})
        assert again is held and held.full_name == "Otro nombre" and not session.dirty


@sqlite_only
def test_sqlite_s_begin_runs_on_the_driver_seen_by_listeners_and_takes_the_write_lock(
    sessions: sessionmaker[Session],
) -> None:
    """Every unit of work begins: its BEGIN goes to the cursor without SQLAlchemy's execution
    context, and is still a statement to the listeners (the statement counts)."""
    database = sessions.kw["bind"]
    sent: list[tuple[str, bool]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, _p: Any, context: Any, _m: bool) -> None:
        sent.append((statement, context is None))

    event.listen(database, "before_cursor_execute", listen)
    other = sqlite3.connect(database.url.database, timeout=0, isolation_level=None)
    try:
        with sessions() as session, session.begin():
            session.connection()
            other.execute("BEGIN IMMEDIATE")  # a reader does not hold the write lock
            other.execute("ROLLBACK")
        with sessions() as session, session.begin():
            session.connection(execution_options={WRITE_OPTION: True})
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        event.remove(database, "before_cursor_execute", listen)
    assert sent == [("BEGIN", True), ("BEGIN IMMEDIATE", True)]


def test_statements_of_a_transaction_reuse_its_connection_without_asking_the_session_again(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[object] = []
    connection_of = Session.connection

    def counted(self: Session, *args: Any, **kwargs: Any) -> Any:
        asked.append(self)
        return connection_of(self, *args, **kwargs)

    monkeypatch.setattr(Session, "connection", counted)
    with sessions() as session, session.begin():
        names = [execute(session, _USER, {"name": name}).scalar() for name in ("despacho", "x")]
        with session.begin_nested():  # a savepoint runs on the same connection
            execute(session, _USER, {"name": "secretario"})
    assert names == ["despacho", None]
    assert len(asked) == 1  # the first statement began the transaction; the others reused it


def test_a_session_that_begins_again_runs_statements_on_its_new_transaction(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        with session.begin():
            first = session.connection()
            execute(session, _INSERT_JOB, [_job("again", n=1)])
        with session.begin():
            second = session.connection()
            found = execute(session, select(_JOBS.c.kind).where(_JOBS.c.kind == "again")).all()
            held = session.info["storage.held_connection"][1]
    assert first is not second and held is second
    assert [row.kind for row in found] == ["again"]
