"""What a form costs to work out once, kept per schema object.

A deployed definition's forms are the same objects in every command (`DefinitionCache`), so
what is derived from a form alone (its validator, whether it uses a keyword) can be computed
once per schema object. Each entry keeps its schema alive, so an id is never reused while it is
cached; the least recently used entries go first.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")
KEPT = 256


def per_schema(compute: Callable[[Mapping[str, Any]], T]) -> Callable[[Mapping[str, Any]], T]:
    """`compute(schema)`, computed once per schema object (thread-safe)."""
    cache: OrderedDict[int, tuple[Mapping[str, Any], T]] = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(compute)
    def cached(schema: Mapping[str, Any]) -> T:
        with lock:
            hit = cache.get(id(schema))
            if hit is not None and hit[0] is schema:
                cache.move_to_end(id(schema))
                return hit[1]
        value = compute(schema)
        with lock:
            cache[id(schema)] = (schema, value)
            while len(cache) > KEPT:
                cache.popitem(last=False)
        return value

    return cached
