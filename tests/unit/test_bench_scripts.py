"""The benchmarks keep working as the engine changes: each imports, and the engine overhead
bench runs end to end at a tiny size (its figures are printed, never asserted)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent.parent / "bench"


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda path: path.stem)
def test_each_benchmark_imports(script: Path) -> None:
    spec = importlib.util.spec_from_file_location(f"bench_{script.stem}", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)


def test_the_engine_overhead_benchmark_prints_its_tables() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "engine_overhead.py"), "--cases", "2",
         "--checkpoints", "4", "--rounds", "1,2"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "SQL statements per command" in result.stdout
    assert "ratio of each run" in result.stdout
