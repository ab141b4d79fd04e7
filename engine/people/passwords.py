"""Password hashes: argon2id, made and checked in one place.

`DEFAULT_HASHER` is argon2-cffi's default, RFC 9106's low-memory profile (64 MiB, 3 passes, 4
lanes): slow on purpose. `use_hasher` replaces it for this process; the test suite hashes at
argon2id's smallest cost, since it signs in thousands of times. A hash records the parameters it
was made with, so hashes made under another hasher still verify.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

DEFAULT_HASHER = PasswordHasher()
_current = DEFAULT_HASHER


def use_hasher(hasher: PasswordHasher) -> None:
    """Hash and verify with `hasher` from now on, in this process."""
    global _current
    _current = hasher


def hash_password(password: str) -> str:
    return _current.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _current.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def shared_hash(password: str) -> str:
    """One hash of `password` per process and hasher, for hashes made again and again with
    nothing secret in them: the demo users' published password, the stand-in an unknown
    user's sign-in is checked against (so that both answers cost the same argon2 work)."""
    return _shared_hash(_current, password)


@lru_cache(maxsize=8)
def _shared_hash(hasher: PasswordHasher, password: str) -> str:
    return hasher.hash(password)
