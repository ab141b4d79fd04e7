"""Alembic environment: migrations run on the connection handed over by storage.migrate."""

from alembic import context
from sqlalchemy import create_engine

from storage.database import database_url_from_environment
from storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    with create_engine(database_url_from_environment()).begin() as own_connection:
        context.configure(connection=own_connection, target_metadata=Base.metadata)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata)
    context.run_migrations()
