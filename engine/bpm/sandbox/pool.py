"""Sandbox processes, started on demand and reused, a few per server process.

Threads of one server process share the pool; a process forked from a server (gunicorn workers)
starts its own, because a child's pipes belong to the process that started it.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from engine.bpm.sandbox import values
from engine.bpm.sandbox.child import HEADER

CPU_SECONDS = 2
MEMORY_BYTES = 256 * 1024 * 1024
MAX_PROCESSES = 4
MAX_REPLY_BYTES = 64 * 1024 * 1024

_ENGINE_PARENT = str(Path(__file__).resolve().parents[3])
# The child needs the restricted runtime and the calendar only: a bare `engine` package spares
# each sandbox process SpiffWorkflow and SQLAlchemy (half a second and most of its memory).
_BOOTSTRAP = (
    "import sys, types\n"
    "for name in ('engine', 'engine.bpm', 'engine.bpm.sandbox'):\n"
    "    package = types.ModuleType(name)\n"
    "    package.__path__ = [sys.argv[1] + '/' + name.replace('.', '/')]\n"
    "    sys.modules[name] = package\n"
    "del sys.argv[1]\n"
    "from engine.bpm.sandbox.child import main\n"
    "main()\n"
)


class ScriptLimitExceeded(RuntimeError):
    """The script used more CPU time or memory than an evaluation may."""


class SandboxProcess:
    def __init__(self, cpu_seconds: int, memory_bytes: int) -> None:
        self.cpu_seconds = cpu_seconds
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOTSTRAP, _ENGINE_PARENT, str(cpu_seconds),
             str(memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={},  # no secrets, no database URL: nothing to leak
            close_fds=True,
        )  # fmt: skip

    @property
    def pid(self) -> int:
        return self._process.pid

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        payload = values.encode(request)
        try:
            self._process.stdin.write(HEADER.pack(len(payload)) + payload)
            self._process.stdin.flush()
        except BrokenPipeError:
            raise self._died() from None
        # A wall-clock bound as well, for work that sleeps rather than computes.
        deadline = self.cpu_seconds * 3 + 5
        ready, _, _ = select.select([self._process.stdout], [], [], deadline)
        if not ready:
            self.close()
            raise ScriptLimitExceeded(f"el guion superó el límite de tiempo de {deadline} s")
        header = self._process.stdout.read(HEADER.size)
        if len(header) < HEADER.size:
            raise self._died()
        (size,) = HEADER.unpack(header)
        if size > MAX_REPLY_BYTES:
            self.close()
            raise ScriptLimitExceeded("el resultado del guion es demasiado grande")
        reply: dict[str, Any] = values.decode(self._process.stdout.read(size))
        return reply

    def _died(self) -> ScriptLimitExceeded:
        code = self._process.wait()
        if code == -signal.SIGXCPU:
            return ScriptLimitExceeded(
                f"el guion superó el límite de tiempo de {self.cpu_seconds} s"
            )
        return ScriptLimitExceeded(f"el proceso del guion terminó inesperadamente (código {code})")

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()


class SandboxPool:
    def __init__(self, cpu_seconds: int = CPU_SECONDS, memory_bytes: int = MEMORY_BYTES) -> None:
        self.cpu_seconds = cpu_seconds
        self.memory_bytes = memory_bytes
        self._idle: list[SandboxProcess] = []
        self._started = 0
        self._available = threading.Condition()

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        process = self._acquire()
        try:
            reply = process.call(request)
        except BaseException:
            process.close()
            self._release(None)
            raise
        self._release(process)
        return reply

    def _acquire(self) -> SandboxProcess:
        with self._available:
            while not self._idle and self._started >= MAX_PROCESSES:
                self._available.wait()
            if self._idle:
                return self._idle.pop()
            self._started += 1
        try:
            return SandboxProcess(self.cpu_seconds, self.memory_bytes)
        except BaseException:
            self._release(None)
            raise

    def _release(self, process: SandboxProcess | None) -> None:
        with self._available:
            if process is None:
                self._started -= 1
            else:
                self._idle.append(process)
            self._available.notify()


_pools: dict[int, SandboxPool] = {}
_pools_lock = threading.Lock()


def shared_pool() -> SandboxPool:
    """This process's pool (a forked process gets a new one)."""
    with _pools_lock:
        return _pools.setdefault(os.getpid(), SandboxPool())
