"""How fast simsales starts: ``import simsales``, ``simsales --help`` and ``validate``.

Run:  python benchmarks/startup.py [--repeat 5]

Each figure is the CPU time (user + system) of a fresh Python process, the least
of ``--repeat`` runs (the least is the cost without the machine's noise), next to
the same for a bare ``python -c pass`` so that the interpreter's own start can be
subtracted. The target for ``simsales --help`` is under 0.5 s of CPU. Also
printed: which of the heavy libraries (pandas, scipy, matplotlib, SALib, numba,
pyarrow) each step loads; only running, analysing and charting need them.
Nothing is asserted here; tests/test_startup.py checks which libraries load.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "experiments" / "baseline.toml"
HEAVY = ("pandas", "scipy", "matplotlib", "SALib", "pyarrow", "numba")
#: Target for `simsales --help`, CPU seconds.
TARGET_HELP = 0.5


def _cpu(argv: list[str]) -> float:
    """CPU seconds (user + system) of one child process running ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, cwd=ROOT, check=True, capture_output=True, env=_env())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _loaded(code: str) -> list[str]:
    """The heavy libraries in sys.modules after running ``code`` in a fresh process."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    res = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, check=True, capture_output=True, text=True,
        env=_env(),
    )  # fmt: skip
    return res.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (least is shown)")
    args = parser.parse_args()
    py = [sys.executable]
    steps = {
        "python -c pass": [*py, "-c", "pass"],
        "import simsales": [*py, "-c", "import simsales"],
        "simsales --help": [*py, "-m", "simsales", "--help"],
        "simsales validate baseline": [*py, "-m", "simsales", "validate", str(BASELINE)],
        "import simsales + Results": [*py, "-c", "import simsales; simsales.Results"],
    }
    probes = {
        "import simsales": "import simsales",
        "simsales --help": "import simsales.cli",
        "simsales validate baseline": (
            "from simsales.cli.common import _load; from pathlib import Path; "
            f"_load(Path({str(BASELINE)!r}))"
        ),
        "import simsales + Results": "import simsales; simsales.Results",
    }
    base = None
    print(f"CPU seconds of a fresh process, least of {args.repeat} runs")
    print(f"{'step':30s} {'cpu':>7s} {'minus python':>13s}  heavy libraries loaded")
    for name, argv in steps.items():
        cpu = min(_cpu(argv) for _ in range(args.repeat))
        base = cpu if base is None else base
        heavy = ", ".join(_loaded(probes[name])) if name in probes else ""
        print(f"{name:30s} {cpu:7.3f} {cpu - base:13.3f}  {heavy or '-'}")
        if name == "simsales --help":
            verdict = "met" if cpu < TARGET_HELP else "NOT met"
            print(f"{'':30s} target < {TARGET_HELP} s of CPU for --help: {verdict}")


if __name__ == "__main__":
    main()
