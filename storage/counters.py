"""Consecutive numbers without gaps or duplicates, safe under concurrent transactions.

One statement, INSERT … ON CONFLICT DO UPDATE … RETURNING: it creates the counter row at 1, or
increments the existing one; the row lock serializes concurrent callers (a concurrent creation
becomes an increment), and a rolled-back transaction gives its number back.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.database import execute
from storage.driver import Prepared
from storage.models import Base


def next_value(session: Session, model: type[Base], **keys: Any) -> int:
    """The next number of the counter `keys` name (they are the table's primary key)."""
    statement = _next_value_statement(model, tuple(keys), session.get_bind().dialect.name)
    value: int = execute(session, statement, keys).scalar_one()
    return value


@cache
def _next_value_statement(model: type[Base], keys: tuple[str, ...], dialect: str) -> Prepared:
    """Built once per counter table and dialect (building it cost more than running it); the
    keys' values are parameters."""
    table = cast(Table, model.__table__)
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return Prepared(
        insert(table)
        .values({**{key: bindparam(key) for key in keys}, "last_value": 1})
        .on_conflict_do_update(
            index_elements=list(keys), set_={"last_value": table.c.last_value + 1}
        )
        .returning(table.c.last_value)
    )
