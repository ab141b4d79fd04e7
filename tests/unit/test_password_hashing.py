"""Production hashes passwords with argon2id at RFC 9106's recommended cost (the tests
themselves hash at the smallest cost: see tests/conftest.py), and a hash made under one hasher
verifies under another: the parameters travel with the hash."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, Type
from argon2.profiles import RFC_9106_LOW_MEMORY

from engine.people import passwords


def test_production_hashes_are_argon2id_at_the_recommended_cost() -> None:
    hasher = passwords.DEFAULT_HASHER
    assert hasher.type is Type.ID
    assert hasher.time_cost >= RFC_9106_LOW_MEMORY.time_cost
    assert hasher.memory_cost >= RFC_9106_LOW_MEMORY.memory_cost
    assert hasher.parallelism == RFC_9106_LOW_MEMORY.parallelism
    assert hasher.hash("x").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


@pytest.fixture
def production_hasher() -> Iterator[None]:
    cheap = passwords._current
    passwords.use_hasher(passwords.DEFAULT_HASHER)
    yield
    passwords.use_hasher(cheap)


def test_a_hash_made_at_another_cost_still_verifies(production_hasher: None) -> None:
    made_cheaply = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("clave")
    assert passwords.hash_password("clave").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.password_matches(made_cheaply, "clave")
    assert not passwords.password_matches(made_cheaply, "otra")
    assert not passwords.password_matches("no es un hash", "clave")


def test_a_shared_hash_is_made_once_per_hasher(production_hasher: None) -> None:
    first = passwords.shared_hash("publicada")
    assert passwords.shared_hash("publicada") == first
    assert first.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    assert passwords.shared_hash("publicada").startswith("$argon2id$v=19$m=8,t=1,p=1$")
