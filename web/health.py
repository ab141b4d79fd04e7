"""Liveness: the process answers and the database is reachable."""

from __future__ import annotations

from flask import Blueprint, current_app
from sqlalchemy import text

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> dict[str, str]:
    with current_app.extensions["database"].connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}
