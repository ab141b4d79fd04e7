"""The benchmarks keep working as the engine changes: each imports, and the engine overhead
bench runs end to end at a tiny size (its figures are printed, never asserted)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent.parent / "bench"


def imported(script: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{script.stem}", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda path: path.stem)
def test_each_benchmark_imports(script: Path) -> None:
    imported(script)


def test_the_engine_overhead_benchmark_prints_its_tables() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "engine_overhead.py"), "--cases", "2",
         "--checkpoints", "4", "--rounds", "1,2"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "SQL statements per command" in result.stdout
    assert "ratio of each run" in result.stdout
    assert "One P001 case command by command" in result.stdout


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_callgrind_counts_more_instructions_for_more_work() -> None:
    count = imported(BENCH / "engine_overhead.py").callgrind_instructions
    valgrind = str(shutil.which("valgrind"))
    little = count(valgrind, [sys.executable, "-S", "-c", "sum(range(10))"])
    more = count(valgrind, [sys.executable, "-S", "-c", "sum(range(3_000_000))"])
    assert 0 < little < more


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_callgrind_counts_the_same_program_the_same_whatever_the_hash_seed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sorting a set of texts does more or less work by the order the set's hash seed gives."""
    monkeypatch.setenv("PYTHONHASHSEED", "random")
    count = imported(BENCH / "engine_overhead.py").callgrind_instructions
    valgrind = str(shutil.which("valgrind"))
    program = [sys.executable, "-S", "-c", "sorted(set(map(str, range(50_000))))"]
    assert count(valgrind, program) == count(valgrind, program)


def test_the_benchmark_runs_cases_of_each_kind_for_the_instruction_count() -> None:
    for kind in ("raw", "engine"):
        result = subprocess.run(
            [sys.executable, str(BENCH / "engine_overhead.py"), "--run-cases", kind, "1"],
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
