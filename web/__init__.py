"""The web application (Flask) and the `buengobierno` command line.

`create_app` (the WSGI factory, `gunicorn 'web:create_app()'`) loads on first use: a command
of the CLI that imports `web.cli` does not import the views with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from web.app import create_app

        return create_app
    raise AttributeError(f"module 'web' has no attribute {name!r}")
