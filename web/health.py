"""Health: the process answers and the database is reachable (for load balancers and monitors).

200 `{"status": "ok", "database": "ok"}`, or 503 `{"status": "unavailable", "database":
"<what the driver said>"}` with `Retry-After` while the database does not answer. It recovers
by itself: the pool checks a connection before lending it (`pool_pre_ping`) and drops the ones
a lost server left behind.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from engine.commands.database_faults import describe
from web.errors import RETRY_AFTER_SECONDS

blueprint = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@blueprint.get("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        with current_app.extensions["database"].connect() as connection:
            connection.execute(text("SELECT 1"))
    except (DBAPIError, PoolTimeout) as error:
        log.warning("healthz: database unavailable: %s", describe(error))
        body = {"status": "unavailable", "database": describe(error)}
        return body, 503, {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    return {"status": "ok", "database": "ok"}, 200, {"Cache-Control": "no-store"}
