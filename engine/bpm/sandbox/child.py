"""The sandbox process: runs analysts' code under limits the operating system enforces.

A line counter cannot see C-level work (`sum(range(10**10))`, `'a' * 6_000_000_000`), so each
evaluation runs here, in a process with no environment (no secrets), a cap on its address space
and a CPU-time limit: past the limit the kernel's SIGXCPU ends the process and the parent reports
it. Requests and replies are length-prefixed JSON frames on stdin/stdout.
"""

from __future__ import annotations

import math
import os
import resource
import struct
import sys
from datetime import datetime
from typing import Any, BinaryIO

from engine.bpm.sandbox import values
from engine.bpm.sandbox.functions import business_functions
from engine.bpm.sandbox.policy import GUARDS, UnsafeScript, compile_checked

HEADER = struct.Struct(">I")
RESULT_KEY = "result"


def evaluate(request: dict[str, Any]) -> dict[str, Any]:
    """Run one request (`mode`, `source`, `data`, `now`); the reply says what came of it."""
    data: dict[str, Any] = request["data"]
    functions = business_functions(datetime.fromisoformat(request["now"]))
    shadowed = sorted(set(functions).intersection(data))
    if shadowed:
        return _failure("unsafe", f"los datos usan nombres reservados: {', '.join(shadowed)}")
    namespace = {**GUARDS, **functions, **data}
    try:
        code = compile_checked(request["source"], request["mode"])
        if request["mode"] == "eval":
            return {"ok": True, RESULT_KEY: eval(code, namespace)}
        exec(code, namespace)
    except UnsafeScript as error:
        return _failure("unsafe", str(error))
    except MemoryError:
        return _failure("memory", "")
    except Exception as error:
        return _failure("error", str(error), type(error).__name__)
    return {"ok": True, "data": _assigned(namespace, functions)}


def _assigned(namespace: dict[str, Any], functions: dict[str, Any]) -> dict[str, Any]:
    """The script's variables after it ran: what becomes case data (functions it defined not)."""
    return {
        name: value
        for name, value in namespace.items()
        if name not in GUARDS and name not in functions and not callable(value)
    }


def _failure(kind: str, message: str, error_type: str = "") -> dict[str, Any]:
    return {"ok": False, "kind": kind, "message": message, "type": error_type}


def serve(requests: BinaryIO, replies: BinaryIO, cpu_seconds: int) -> None:
    while frame := read_frame(requests):
        _limit_cpu(cpu_seconds)
        try:
            reply = evaluate(values.decode(frame))
            payload = values.encode(reply)
        except values.UnstorableValue as error:
            payload = values.encode(_failure("error", str(error), "TypeError"))
        except MemoryError:
            payload = values.encode(_failure("memory", ""))
        write_frame(replies, payload)


def _limit_cpu(seconds: int) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    limit = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    # Only the soft limit moves: an unprivileged process may raise it again up to the hard one.
    resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))


def read_frame(stream: BinaryIO) -> bytes:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return b""
    (size,) = HEADER.unpack(header)
    return stream.read(size)


def write_frame(stream: BinaryIO, payload: bytes) -> None:
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def main() -> None:
    cpu_seconds, memory_bytes = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with open("/proc/self/statm") as statm:
        in_use = int(statm.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (in_use + memory_bytes, in_use + memory_bytes))
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # nothing a library prints can corrupt the replies
    serve(sys.stdin.buffer, replies, cpu_seconds)


if __name__ == "__main__":
    main()
