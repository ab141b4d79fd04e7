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
    return _memo(lambda schema: (schema,), compute)


def per_schemas(
    compute: Callable[[tuple[Any, ...]], T],
) -> Callable[[tuple[Any, ...]], T]:
    """`compute(schemas)`, computed once per tuple of the same schema objects (thread-safe)."""
    return _memo(lambda schemas: schemas, compute)


def _memo(
    objects: Callable[[Any], tuple[Any, ...]], compute: Callable[[Any], T]
) -> Callable[[Any], T]:
    cache: OrderedDict[tuple[int, ...], tuple[tuple[Any, ...], T]] = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(compute)
    def cached(argument: Any) -> T:
        kept = objects(argument)
        key = tuple(map(id, kept))
        with lock:
            hit = cache.get(key)
            if hit is not None and all(a is b for a, b in zip(hit[0], kept, strict=True)):
                cache.move_to_end(key)
                return hit[1]
        value = compute(argument)
        with lock:
            cache[key] = (kept, value)
            while len(cache) > KEPT:
                cache.popitem(last=False)
        return value

    return cached
