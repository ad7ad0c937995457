"""A fast start: `import simsales`, `simsales --help` and `validate` load none of the
analysis and plotting libraries; the public names still resolve (on first use).

The times are measured by ``python benchmarks/startup.py``; here only what is
loaded is checked, in fresh processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import simsales

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "scipy", "matplotlib", "SALib", "pyarrow", "distributed", "numba")


def _loaded(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    res = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return set(res.stdout.split())


@pytest.mark.parametrize(
    "code",
    [
        "import simsales",
        "import simsales.cli",  # what `simsales --help` imports
        "from simsales.cli import app\n"
        "from typer.testing import CliRunner\n"
        "assert CliRunner().invoke(app, ['validate', 'experiments/baseline.toml']).exit_code == 0",
        "from simsales.cli import app\n"
        "from typer.testing import CliRunner\n"
        "assert CliRunner().invoke(app, ['list', 'metrics']).exit_code == 0",
    ],
)
def test_starting_loads_no_analysis_or_plotting_library(code):
    assert _loaded(code) == set()


def test_running_still_finds_them():
    assert {"pandas", "matplotlib"} <= _loaded("import simsales\nsimsales.Results")


def test_every_public_name_resolves():
    for name in simsales.__all__:
        assert getattr(simsales, name) is not None
    assert "Results" in dir(simsales)
    with pytest.raises(AttributeError, match="no attribute 'Resluts'"):
        _ = simsales.Resluts  # type: ignore[attr-defined]


def test_all_lists_exactly_the_lazily_imported_names():
    assert set(simsales.__all__) == {*simsales._PUBLIC, "__version__"}
