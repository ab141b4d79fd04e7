"""The password policy: long, not the username, not a well-known password (NIST SP 800-63B).

No composition rules (they make passwords harder to remember, not harder to guess); length and
a list of common passwords (`data/common_passwords.txt`) instead.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from engine.errors import ValidationError

MIN_LENGTH = 12
# Digits and signs people append to a common word ("Password1234!" is still "password").
_DECORATION = re.compile(r"[\d\W_]+$")


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("engine.people").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().casefold()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def password_problems(password: str, username: str) -> list[str]:
    """Why `password` is refused for `username`, in Spanish; an empty list means acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"debe tener al menos {MIN_LENGTH} caracteres")
    folded = password.casefold()
    if username and username.casefold() in folded:
        problems.append("no puede contener el nombre de usuario")
    common = common_passwords()
    if folded in common or _DECORATION.sub("", folded) in common:
        problems.append("es una contraseña común, fácil de adivinar")
    return problems


def require_acceptable_password(password: str, username: str, *, field: str) -> None:
    """ValidationError on `field`, in Spanish, when the policy refuses `password`."""
    problems = password_problems(password, username)
    if problems:
        raise ValidationError({field: "la contraseña " + "; ".join(problems)})
