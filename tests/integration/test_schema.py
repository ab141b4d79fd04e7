"""The schema the migrations build is the one the models declare, on both databases, and a
case's audit events are read by an index."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import select, text

from storage.models import AuditEvent, Base


def test_the_migrations_build_the_schema_the_models_declare(database: DatabaseEngine) -> None:
    with database.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_a_cases_events_are_read_in_order_by_the_unique_index(database: DatabaseEngine) -> None:
    if database.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's plan depends on its statistics; the index is the same")
    query = select(AuditEvent).where(AuditEvent.case_id == 1).order_by(AuditEvent.seq)
    compiled = query.compile(database, compile_kwargs={"literal_binds": True})
    with database.connect() as connection:
        plan = " ".join(
            row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
    assert "USING INDEX sqlite_autoindex_audit_events_1 (case_id=?)" in plan
    assert "TEMP B-TREE" not in plan
