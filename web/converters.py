"""URL converters: `<int:…>` in a route takes only ids a database integer can hold.

Werkzeug's own converter takes any number of digits, and an id of 10^23 then fails deep in
the database driver (a 500). A bigger number simply matches no route: a 404 like any unknown
id.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

MAX_DATABASE_ID = 2**63 - 1


class DatabaseIdConverter(IntegerConverter):
    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)
