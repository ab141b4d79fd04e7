"""The web application (Flask) and the `buengobierno` command line."""

from web.app import create_app

__all__ = ["create_app"]
