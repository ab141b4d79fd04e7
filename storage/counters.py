"""Consecutive numbers without gaps or duplicates, safe under concurrent transactions.

The counter row is created if missing (ignoring a concurrent creation), then incremented with
UPDATE … RETURNING: the row lock serializes concurrent callers, and a rolled-back transaction
gives its number back.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Base


def next_value(session: Session, model: type[Base], **keys: Any) -> int:
    table = cast(Table, model.__table__)
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(table).values(**keys, last_value=0).on_conflict_do_nothing())
    statement = (
        update(table)
        .where(*(table.c[name] == value for name, value in keys.items()))
        .values(last_value=table.c.last_value + 1)
        .returning(table.c.last_value)
    )
    value: int = session.execute(statement).scalar_one()
    return value
