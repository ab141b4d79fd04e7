"""Prebuilt statements sent to the driver's cursor, without SQLAlchemy's per-execution work.

A command sends a dozen small statements, each built once at import. SQLAlchemy executes a
prebuilt statement in ~40 us (its cache key, the compiled cache, an execution context, the
result's metadata), where SQLite's cursor runs it in ~4 us: the difference was a tenth of a
command (bench/engine_overhead.py). `Prepared` keeps what SQLAlchemy would derive every time,
once per dialect and set of parameter names: the SQL it compiles, the order of its parameters,
their bind processors (JSON, dates, booleans) and the columns' result processors. It sends
the same SQL SQLAlchemy would, on the session's connection, inside its transaction.

What the execution context would also do is done here: `before_cursor_execute` and
`after_cursor_execute` listeners are called (with no context), a driver error is raised as
SQLAlchemy's wrapper of it (`sqlalchemy.exc.DBAPIError` and subclasses) and a lost connection
invalidates the pooled one. An expanding IN list is compiled once per length of its list
(the SQL differs only by its number of placeholders), as SQLAlchemy expands it per execution.
A statement whose execution needs more (a tuple IN list, a value rendered into the SQL, a
Python-side default that is a function, rows returned by a multi-row INSERT) runs through
SQLAlchemy as before: every statement may be prepared, only the simple ones are faster.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Executable, exc
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.sqltypes import TupleType

Processor = Callable[[Any], Any] | None


class Rows:
    """A statement's rows, fetched, and its row count: what callers of `execute` read."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: Sequence[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def all(self) -> list[Any]:
        return list(self._rows)

    def first(self) -> Any | None:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if not self._rows:
            raise exc.NoResultFound("No row was found when one was required")
        if len(self._rows) > 1:
            raise exc.MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self._rows[0]

    def scalar(self) -> Any | None:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalars(self) -> list[Any]:
        return [row[0] for row in self._rows]


@dataclass(frozen=True, slots=True)
class _Form:
    """A statement compiled for one dialect and one set of parameter names."""

    sql: str
    positional: bool
    binds: tuple[_Bind, ...]  # in the SQL's order
    row: Callable[..., Any] | None  # the row type, for statements that return rows
    results: tuple[Processor, ...]


# (parameter key, bind name, whether the caller must give it, the value when the caller does
# not, bind processor, the item of the key's list it sends (an expanded IN list) or None)
_Bind = tuple[str, str, bool, Any, Processor, int | None]

# Forms kept per statement with expanding IN lists, one per combination of their lengths: a
# statement whose lists take ever new lengths goes through SQLAlchemy beyond that.
MAX_EXPANDED_FORMS = 32


@dataclass(frozen=True, slots=True)
class _Expanding:
    """A statement with expanding IN lists, compiled for one dialect and set of parameter names:
    its forms for the lengths of the lists seen so far."""

    compiled: SQLCompiler
    lists: tuple[str, ...]  # the parameter keys whose values are expanded
    binds: dict[str, _Bind]  # the other binds, by bind name
    row: Callable[..., Any] | None
    results: tuple[Processor, ...]
    forms: dict[tuple[int, ...], _Form]

    def form_for(self, parameters: Mapping[str, Any]) -> _Form | None:
        lengths = []
        for key in self.lists:
            value = parameters.get(key)
            if not isinstance(value, list | tuple):
                return None  # SQLAlchemy says what is wrong with it
            lengths.append(len(value))
        try:
            return self.forms[tuple(lengths)]
        except KeyError:
            if len(self.forms) >= MAX_EXPANDED_FORMS:
                return None
            form = self.forms[tuple(lengths)] = self._expanded(parameters)
            return form

    def _expanded(self, parameters: Mapping[str, Any]) -> _Form:
        compiled = self.compiled
        # What SQLAlchemy's execution expands; the other binds' values do not change the SQL.
        state = compiled.construct_expanded_state(
            {bind[0]: None for bind in self.binds.values()}
            | {key: parameters[key] for key in self.lists}
        )
        items: dict[str, _Bind] = {}
        for name, expanded in state.parameter_expansion.items():
            bind = compiled.binds[name]
            processor = bind.type.dialect_impl(compiled.dialect).bind_processor(compiled.dialect)
            for index, item_name in enumerate(expanded):
                items[item_name] = (bind.key, item_name, True, None, processor, index)
        names = state.positiontup if compiled.positional else [*self.binds, *items]
        return _Form(
            sql=state.statement,
            positional=compiled.positional,
            binds=tuple(items.get(name) or self.binds[name] for name in names or ()),
            row=self.row,
            results=self.results,
        )


class Prepared:
    """A statement built once, run by `storage.database.execute` on the driver when it can."""

    __slots__ = ("_forms", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._forms: dict[tuple[str, tuple[str, ...], bool], _Form | _Expanding | None] = {}

    def run(
        self, connection: Connection, parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> Rows | None:
        """The statement's rows, run on the driver; None when it needs SQLAlchemy's execution."""
        # A list of one is one execution, as SQLAlchemy runs it (and may return its row).
        if isinstance(parameters, Mapping):
            rows: Sequence[Mapping[str, Any]] = [parameters]
        else:
            rows = parameters or [{}]
        many = len(rows) > 1
        key = (connection.dialect.name, tuple(rows[0]), many)
        try:
            compiled = self._forms[key]
        except KeyError:
            compiled = self._forms[key] = _compile(self.statement, connection, key[1], many)
        form = compiled.form_for(rows[0]) if isinstance(compiled, _Expanding) else compiled
        if form is None:
            return None
        values = [_values(form, row) for row in rows]
        if any(value is None for value in values):
            return None
        return _send(connection, form, values if many else values[0], many=many)


def _compile(
    statement: Executable, connection: Connection, keys: tuple[str, ...], many: bool
) -> _Form | _Expanding | None:
    dialect = connection.dialect
    compiled = statement.compile(  # type: ignore[attr-defined]
        dialect=dialect, column_keys=list(keys), for_executemany=many
    )
    assert isinstance(compiled, SQLCompiler)
    lists = tuple(bind.key for bind in compiled.binds.values() if bind.expanding)
    if (
        any(bind.callable is not None for bind in compiled.binds.values())
        or compiled.escaped_bind_names
        or compiled.update_prefetch
        or (many and compiled.effective_returning)
        or (lists and (many or compiled.literal_execute_params or _has_tuple_lists(compiled)))
    ):
        return None
    defaults: dict[str, Any] = {}
    for column in compiled.insert_prefetch:
        default = column.default
        if default is None or not default.is_scalar:
            return None
        defaults[column.key] = default.arg  # type: ignore[attr-defined]
    names = compiled.positiontup if compiled.positional else list(compiled.binds)
    binds: list[_Bind] = []
    for name in names or ():
        bind = compiled.binds[name]
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        fallback = defaults.get(bind.key, bind.value)
        required = bind.required and bind.key not in defaults
        binds.append((bind.key, name, required, fallback, processor, None))
    # A SELECT's columns, or an INSERT's or UPDATE's RETURNING (none for an implicit one).
    columns = list(getattr(statement, "exported_columns", ()))
    row = namedtuple("Row", [c.key for c in columns], rename=True) if columns else None
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    if lists:
        others = {bind[1]: bind for bind in binds if bind[0] not in lists}
        return _Expanding(compiled, lists, others, row, results, forms={})
    return _Form(
        sql=compiled.string, positional=compiled.positional, binds=tuple(binds),
        row=row, results=results,
    )  # fmt: skip


def _has_tuple_lists(compiled: SQLCompiler) -> bool:
    return any(
        bind.expanding and isinstance(bind.type, TupleType) for bind in compiled.binds.values()
    )


_MISSING = object()


def _values(form: _Form, parameters: Mapping[str, Any]) -> list[Any] | dict[str, Any] | None:
    """The driver's parameters; None when a required one is missing (SQLAlchemy says which)."""
    values = []
    for key, _name, required, fallback, processor, item in form.binds:
        value = parameters.get(key, _MISSING)
        if value is _MISSING:
            if required:
                return None
            value = fallback
        elif item is not None:
            value = value[item]
        # As SQLAlchemy does, None too: JSON writes it as 'null'.
        values.append(value if processor is None else processor(value))
    if form.positional:
        return values
    return {bind[1]: value for bind, value in zip(form.binds, values, strict=True)}


def _send(connection: Connection, form: _Form, values: Any, *, many: bool) -> Rows:
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    cursor = dbapi_connection.cursor()
    dispatch = connection.dispatch
    try:
        for listener in dispatch.before_cursor_execute:
            listener(connection, cursor, form.sql, values, None, many)
        if many:
            cursor.executemany(form.sql, values)
        else:
            cursor.execute(form.sql, values)
        for listener in dispatch.after_cursor_execute:
            listener(connection, cursor, form.sql, values, None, many)
        rows = cursor.fetchall() if cursor.description is not None else []
        rowcount = cursor.rowcount
    except connection.dialect.loaded_dbapi.Error as error:
        raise _wrapped(connection, form.sql, values, cursor, error) from error
    finally:
        cursor.close()
    if form.row is not None:
        results = form.results
        if any(results):
            rows = [
                form.row(*(p(v) if p is not None else v for p, v in zip(results, row, strict=True)))
                for row in rows
            ]
        else:
            rows = [form.row(*row) for row in rows]
    return Rows(rows, rowcount)


def _wrapped(
    connection: Connection, sql: str, values: Any, cursor: Any, error: Exception
) -> exc.DBAPIError:
    """SQLAlchemy's exception for the driver's `error`, the connection invalidated when lost."""
    dialect = connection.dialect
    lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)  # type: ignore[arg-type]
    if lost:
        connection.invalidate(error)
    wrapped = exc.DBAPIError.instance(
        sql, values, error, dialect.loaded_dbapi.Error,
        connection_invalidated=lost, dialect=dialect,
    )  # fmt: skip
    assert isinstance(wrapped, exc.DBAPIError)
    return wrapped
