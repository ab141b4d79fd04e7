"""The key that signs sessions and CSRF tokens: from the environment, never from the source.

A key written in the code is a key every reader of the repository has: a session cookie forged
with it is the administrator's. So the server and the worker refuse to start without one.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

MINIMUM_LENGTH = 32


class MissingSecretKey(RuntimeError):
    """No usable secret key is configured."""


def load_secret_key(app: Flask) -> None:
    """`BUENGOBIERNO_SECRET_KEY`, or the content of the file `BUENGOBIERNO_SECRET_KEY_FILE`."""
    path = app.config.get("SECRET_KEY_FILE")
    if not app.config.get("SECRET_KEY") and path:
        try:
            app.config["SECRET_KEY"] = Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise MissingSecretKey(f"no se pudo leer la clave secreta {path}: {error}") from None


def require_secret_key(app: Flask) -> None:
    key = app.config.get("SECRET_KEY") or ""
    if not key:
        raise MissingSecretKey(
            "falta la clave secreta: defina BUENGOBIERNO_SECRET_KEY (o BUENGOBIERNO_SECRET_KEY_FILE) "
            "con un valor aleatorio largo, p. ej. el de 'buengobierno secret-key --file …'"
        )
    if len(key) < MINIMUM_LENGTH and not app.testing:
        raise MissingSecretKey(
            f"la clave secreta es demasiado corta ({len(key)} caracteres; mínimo {MINIMUM_LENGTH})"
        )


def create_key_file(path: Path) -> bool:
    """Write a new random key to `path` (mode 0600) unless one is there; True if created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    return True
