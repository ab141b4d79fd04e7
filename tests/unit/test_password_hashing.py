"""The production password hashers keep argon2id at RFC 9106's recommended cost (the tests
themselves hash at the smallest cost: see tests/conftest.py)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type
from argon2.profiles import RFC_9106_LOW_MEMORY

from tests.conftest import PRODUCTION_HASHERS


@pytest.mark.parametrize("module", sorted(PRODUCTION_HASHERS))
def test_production_hashes_are_argon2id_at_the_recommended_cost(module: str) -> None:
    hasher: PasswordHasher = PRODUCTION_HASHERS[module]
    assert hasher.type is Type.ID
    assert hasher.time_cost >= RFC_9106_LOW_MEMORY.time_cost
    assert hasher.memory_cost >= RFC_9106_LOW_MEMORY.memory_cost
    assert hasher.parallelism == RFC_9106_LOW_MEMORY.parallelism
    assert hasher.hash("x").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
