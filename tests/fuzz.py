"""Fuzzing the experiment files: corrupted variants of the shipped experiments.

A seeded generator (one numpy ``SeedSequence``) makes corrupted experiment
files from ``experiments/*.toml``, in categories: huge, tiny, negative and
non-finite numbers, wrong types, unknown keys, deep nesting, huge files with
many bad entries, long or unsafe names, bad sweeps (non-numeric leaves, giant
grids), unbounded ``uncertain`` distributions, empty lists, heavy but valid-
looking sizes (tiny steps, long horizons, huge markets, many strategies), and
mixes of several. Each variant is checked as a user would meet it:

- ``simsales validate FILE`` in a subprocess, under a time bound: exit 0 or 2,
  never a traceback;
- a refused file (exit 2) is also given to ``simsales run``, which must exit 2
  without writing its output folder;
- a file that validates runs (``run -n 1``, one worker, on a short horizon
  written into a copy of the file) to exit 0 within a time bound.

The tallies are exit codes, tracebacks, writes on exit 2, hangs and
validated-then-failed runs; the target is zero of each of the last four.
Run the full fuzz (at least 300 variants) with::

    python tests/fuzz.py --full

``tests/test_fuzz.py`` runs a reduced size in the suite.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))
#: Seconds a validation may take, and a one-replication run on the short horizon
#: (plus the time the budget's estimate of its events allows, at EVENTS_PER_SECOND).
VALIDATE_SECONDS = 30.0
RUN_SECONDS = 120.0
EVENTS_PER_SECOND = 50_000
#: Horizon (days) of the copy of a validated file that is run.
SHORT_HORIZON = 30.0
FULL = 330
REDUCED = 40


# ------------------------------------------------------------------ writing TOML
def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() and k.isascii() else json.dumps(k)


def toml_value(v: Any) -> str:
    """``v`` as a TOML value; tables are written inline."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def toml_text(data: dict[str, Any]) -> str:
    """A TOML document of ``data``: one top-level key per line, tables inline."""
    return "".join(f"{_key(k)} = {toml_value(v)}\n" for k, v in data.items())


# ------------------------------------------------------------------ the generator
@dataclass
class Variant:
    """One corrupted file: its category, what was done, and its text."""

    category: str
    what: str
    text: str


def _leaves(d: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every value that is not a table (lists count as values)."""
    if isinstance(d, dict):
        return [p for k, v in d.items() for p in _leaves(v, (*path, k))] or [path]
    return [path]


def _set(d: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    for k in path[:-1]:
        if not isinstance(d.get(k), dict):
            d[k] = {}
        d = d[k]
    d[path[-1]] = value


_TABLES = ("market", "sellers", "success", "economics", "behaviour", "population", "lifecycle")
_HUGE = [1e300, 1e30, 1e7, 2**63 - 1, 2**64, 10**30, 1e12, 10_000_000, 123456789.0]
_TINY = [1e-300, 5e-324, 0, 0.0, 1e-12, 1e-7]
_NEG = [-1, -1.0, -1e300, -(2**63), -0.5]
_NONFINITE = [math.nan, math.inf, -math.inf]
_WRONG = ["abc", "", True, [1, 2], {"x": 1}, [], "1e3", [[1]], {"dist": "beta"}]
_NUMERIC = [
    "market.lead_rate",
    "market.lead_cost",
    "market.innovation",
    "sellers.team_size",
    "sellers.hours_per_day",
    "sellers.cost_per_hour",
    "behaviour.evidence_noise",
    "behaviour.step_days",
    "behaviour.pace_floor",
    "behaviour.temperature",
    "behaviour.max_stalls",
    "lifecycle.step_days",
    "lifecycle.contract_days",
    "lifecycle.referral_rate",
    "lifecycle.zealot_multiplier",
    "population.urgency.b",
    "population.value_ratio.median",
    "horizon_days",
    "economics.gross_margin",
]


class Fuzzer:
    """Makes variants from one ``SeedSequence``: the same seed, the same files."""

    def __init__(self, seed: int = 2026) -> None:
        self.rng = np.random.default_rng(np.random.SeedSequence(seed))
        self.bases = [(p.stem, tomllib.loads(p.read_text(encoding="utf-8"))) for p in EXPERIMENTS]

    def pick(self, items: list[Any]) -> Any:
        return items[int(self.rng.integers(len(items)))]

    def base(self) -> dict[str, Any]:
        _, data = self.pick(self.bases)
        return json.loads(json.dumps(data))  # a deep copy

    def leaf(self, data: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(self.pick(_leaves(data)))

    def numeric_leaf(self, data: dict[str, Any]) -> tuple[Any, ...]:
        found = [
            p
            for p in _leaves(data)
            if p and isinstance(_get(data, p), int | float) and not isinstance(_get(data, p), bool)
        ]
        return (
            tuple(self.pick(found))
            if found and self.rng.random() < 0.6
            else _path(self.pick(_NUMERIC))
        )

    # ---------------------------------------------------------- categories
    def _number(self, values: list[Any]) -> Callable[[dict[str, Any]], str]:
        def go(d: dict[str, Any]) -> str:
            p, v = self.numeric_leaf(d), self.pick(values)
            _set(d, p, v)
            return f"{'.'.join(map(str, p))} = {toml_value(v)}"

        return go

    def wrong_type(self, d: dict[str, Any]) -> str:
        p, v = self.leaf(d), self.pick(_WRONG)
        _set(d, p, v)
        return f"{'.'.join(map(str, p))} = {toml_value(v)}"

    def unknown_key(self, d: dict[str, Any]) -> str:
        table = self.pick([*_TABLES, ""])
        key = self.pick(["lead_rte", "colour", "x" * 40, "size ", "Name", "sede", "dist"])
        _set(d, (table, key) if table else (key,), 1.0)
        return f"unknown key {table}.{key}"

    def empty_list(self, d: dict[str, Any]) -> str:
        key = self.pick(["compare_metrics", "chart_metrics", "strategies", "compare", "modules"])
        if key == "compare" and self.rng.random() < 0.5:
            d["compare"] = [[]]
        elif self.rng.random() < 0.3:
            d["sensitivity"] = {
                "method": "sobol",
                "samples": 8,
                "metrics": [],
                "parameters": {"market.lead_rate": {"low": 1.0, "high": 2.0}},
            }
            d.pop("sweep", None)
            key = "sensitivity.metrics"
        elif self.rng.random() < 0.2:
            d["sweep"] = {"parameters": {"market.lead_rate": []}}
            d.pop("sensitivity", None)
            key = "sweep values"
        else:
            d[key] = []
        return f"{key} = []"

    def long_name(self, d: dict[str, Any]) -> str:
        n = int(self.pick([63, 64, 65, 100, 300, 5000]))
        name = self.pick(["a" * n, "../" + "b" * 10, "a/b", "ünïcode", " lead", "con", "x" * n])
        if self.rng.random() < 0.3 and isinstance(d.get("strategies"), list) and d["strategies"]:
            d["strategies"][0]["name"] = name
            return f"strategies[0].name of {len(name)} characters"
        d["name"] = name
        return f"name of {len(name)} characters"

    def bad_sweep(self, d: dict[str, Any]) -> str:
        d.pop("sensitivity", None)
        kind = self.pick(["leaf", "grid", "lhs", "range", "sensitivity"])
        if kind == "leaf":
            path = self.pick(
                [
                    "name",
                    "modules",
                    "market",
                    "strategies",
                    "seed",
                    "replications",
                    "description",
                    "population.urgency",
                    "population.urgency.dist",
                    "market.nope",
                    "behaviour.decision_rule",
                    "lifecycle.resource",
                ]
            )
            d["sweep"] = {"parameters": {path: [1, 2]}}
            return f"sweep over {path}"
        if kind == "grid":
            k, m = int(self.rng.integers(6, 13)), int(self.rng.integers(5, 9))
            paths = self.pick([_NUMERIC, _NUMERIC[::-1]])[:k]
            d["sweep"] = {"parameters": {p: [1.0 + i / 10 for i in range(m)] for p in paths}}
            return f"grid of {m}^{k} = {m**k} points"
        if kind == "lhs":
            n = int(self.pick([100_001, 1_000_000, 10**9, 0, -3]))
            d["sweep"] = {
                "method": self.pick(["lhs", "sobol"]),
                "points": n,
                "parameters": {"market.lead_rate": {"low": 1.0, "high": 2.0}},
            }
            return f"design of {n} points"
        if kind == "range":
            lo, hi = self.pick([(1e-300, 1e300), (-1.0, 1e9), (0.0, 1e7), (2.0, 1.0)])
            d["sweep"] = {
                "method": "lhs",
                "points": 4,
                "parameters": {self.pick(_NUMERIC): {"low": lo, "high": hi}},
            }
            return f"range [{lo}, {hi}]"
        d.pop("sweep", None)
        d["compare"] = []
        samples = int(self.pick([65_536, 4096, 2**20, 3]))
        d["sensitivity"] = {
            "samples": samples,
            "parameters": {p: {"low": 0.1, "high": 0.9} for p in _NUMERIC[:12]},
        }
        return f"sensitivity of {samples} samples"

    def unbounded_uncertain(self, d: dict[str, Any]) -> str:
        d.pop("sensitivity", None)
        path = self.pick(
            [
                "market.lead_rate",
                "behaviour.conservatism",
                "economics.gross_margin",
                "sellers.team_size",
                "population.urgency.b",
                "behaviour.step_days",
                "lifecycle.step_days",
                "name",
                "market",
            ]
        )
        dist = self.pick(
            [
                {"dist": "normal", "mean": 1.5, "sd": 2.0},
                {"dist": "lognormal", "median": 1.0, "sigma": 1.0},
                {"dist": "gamma", "shape": 2.0, "scale": 1.0},
                {"dist": "uniform", "low": -5.0, "high": 5.0},
                {"dist": "uniform", "low": 0.001, "high": 1e300},
                {"dist": "integers", "low": 1, "high": 2**62},
                {"dist": "beta", "a": 2.0, "b": 2.0},
                {"dist": "constant", "value": 1e300},
            ]
        )
        d["uncertain"] = {path: dist}
        return f"uncertain {path} ~ {dist['dist']}"

    def heavy(self, d: dict[str, Any]) -> str:
        kind = self.pick(
            ["step", "horizon", "market", "strategies", "lead_rate", "team", "replications", "pace"]
        )
        if kind == "step":
            table, v = self.pick(["lifecycle", "behaviour"]), self.pick([1e-300, 1e-6, 1e-3])
            _set(d, (table, "step_days"), v)
            return f"{table}.step_days = {v}"
        if kind == "horizon":
            d["horizon_days"] = self.pick([36_500.0, 36_501.0, 1e6])
            d.get("lifecycle", {}).pop("end_days", None)
            return f"horizon_days = {d['horizon_days']}"
        if kind == "market":
            m = d.setdefault("market", {})
            m.pop("lead_rate", None)
            m["size"] = int(self.pick([10_000_000, 1_000_000, 2_000_000, 10**12]))
            return f"market.size = {m['size']}"
        if kind == "strategies":
            n = int(self.pick([51, 300, 2000]))
            d["strategies"] = [{"name": f"s{i}", "strategy": "push"} for i in range(n)]
            d["compare"] = []
            return f"{n} strategies"
        if kind == "lead_rate":
            v = self.pick([1e3, 999.0, 1e7, 500.0])
            d.setdefault("market", {}).pop("size", None)
            d["market"]["lead_rate"] = v
            return f"lead_rate = {v}"
        if kind == "team":
            v = self.pick([2**63 - 1, 10_000, 10**6])
            _set(d, ("sellers", "team_size"), v)
            return f"team_size = {v}"
        if kind == "pace":
            _set(d, ("behaviour", "pace_floor"), self.pick([1e-300, 1e-9]))
            return "pace_floor tiny"
        d["replications"] = int(self.pick([10**6, 10**7, 2**63 - 1]))
        return f"replications = {d['replications']}"

    def at_bound(self, d: dict[str, Any]) -> str:
        """A number set to an end of its allowed range (or just past it): files that
        validate at the edges must run too."""
        from simsales.experiment.key_paths import field_at
        from simsales.experiment.loader import ConfigError, to_experiment

        try:
            exp = to_experiment({k: v for k, v in d.items() if k not in ("sweep",
                                 "sensitivity", "uncertain")})  # fmt: skip
        except (ConfigError, Warning):
            return "unchanged (base did not load)"
        path = self.pick(exp.leaves())
        f = field_at(exp, path)
        ends = [getattr(c, a) for c in (f.metadata if f else []) for a in ("ge", "gt", "le", "lt")
                if hasattr(c, a)]  # fmt: skip
        if not ends:
            return f"{path} has no bounds"
        v = self.pick(ends)
        if self.rng.random() < 0.3:  # just past it
            v = v + (1 if v > 0 else -1) * max(abs(v) * 1e-9, 1e-12)
        if isinstance(_get(d, _path(path)) if _has(d, _path(path)) else 1.0, int) and not (
            isinstance(v, float) and not v.is_integer()
        ):
            v = int(v)
        _set(d, _path(path), v)
        return f"{path} = {v!r}"

    def text_variant(self, category: str, full: bool) -> Variant:
        """Variants written as text: deep nesting, huge files, syntax slips."""
        _, d = self.pick(self.bases)
        text = toml_text(json.loads(json.dumps(d)))
        if category == "deep_nesting":
            depth = int(self.pick([33, 100, 500, 1000, 3000]))
            key = self.pick(["description", "modules", "compare", "market"])
            if self.rng.random() < 0.5:
                value = "[" * depth + "]" * depth
            else:
                value = "{a = " * depth + "1" + "}" * depth
            return Variant(category, f"{key} nested {depth} deep", text + f"zz_{key} = {value}\n")
        if category == "huge_file":
            n = int(self.pick([2_000, 20_000, 200_000] if full else [500, 2_000, 5_000]))
            line = self.pick(["bad_{k} = 1\n", 'k{k} = "x"\n'])
            body = "".join(line.format(k=k) for k in range(n))
            return Variant(category, f"{n} bad entries", text + "[behaviour]\n" + body)
        # syntax slips
        slip = self.pick(
            [
                "name = baseline\n",
                "seed = True\n",
                "[market\n",
                "x = \n",
                "\x00",
                "seed = 1\nseed = 2\n",
                "a = 1979-05-27T07:32:00Z\n",
            ]
        )
        return Variant(category, f"syntax {slip!r}", slip + text)

    def variants(self, n: int, full: bool = False) -> list[Variant]:
        """``n`` variants, the categories in turn."""
        tree: dict[str, Callable[[dict[str, Any]], str]] = {
            "huge_number": self._number(_HUGE),
            "tiny_number": self._number(_TINY),
            "negative_number": self._number(_NEG),
            "nan_inf": self._number(_NONFINITE),
            "wrong_type": self.wrong_type,
            "unknown_key": self.unknown_key,
            "long_name": self.long_name,
            "bad_sweep": self.bad_sweep,
            "unbounded_uncertain": self.unbounded_uncertain,
            "empty_list": self.empty_list,
            "heavy": self.heavy,
            "at_bound": self.at_bound,
        }
        text_kinds = ["deep_nesting", "huge_file", "syntax"]
        order = [*tree, *text_kinds, "mixed"]
        out = []
        for k in range(n):
            cat = order[k % len(order)]
            if cat in text_kinds:
                out.append(self.text_variant(cat, full))
                continue
            d = self.base()
            if cat == "mixed":
                picks = [self.pick(list(tree)) for _ in range(int(self.rng.integers(2, 4)))]
                what = "; ".join(tree[c](d) for c in picks)
            else:
                what = tree[cat](d)
            out.append(Variant(cat, what, toml_text(d)))
        return out


def _get(d: Any, path: Iterable[Any]) -> Any:
    for k in path:
        d = d[k]
    return d


def _has(d: Any, path: Iterable[Any]) -> bool:
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return False
        d = d[k]
    return True


def _path(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


# ------------------------------------------------------------------ checking
@dataclass
class Outcome:
    """What happened to one variant."""

    variant: Variant
    validate: int | str  # exit code, or "hang"
    traceback: bool = False
    wrote_on_2: bool = False
    run: int | str | None = None  # None: not run (refused)
    detail: str = field(default="")


def _call(args: list[str], cwd: Path, timeout: float) -> tuple[int | str, str]:
    env = {**os.environ, "COLUMNS": "200", "SIMSALES_DEBUG": ""}
    env.pop("SIMSALES_DEBUG")
    try:
        p = subprocess.run(
            [sys.executable, "-m", "simsales", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"") + (e.stderr or b"")
        return "hang", out.decode(errors="replace") if isinstance(out, bytes) else str(out)
    return p.returncode, p.stdout + p.stderr


def _short(text: str) -> str:
    """The file with a short horizon (and end of the lifecycle), to run quickly."""
    data = tomllib.loads(text)
    data["horizon_days"] = min(float(data.get("horizon_days", 365.0)), SHORT_HORIZON)
    life = data.get("lifecycle")
    if isinstance(life, dict) and isinstance(life.get("end_days"), int | float):
        life["end_days"] = min(float(life["end_days"]), 2 * SHORT_HORIZON)
    return toml_text(data)


def time_bound(text: str) -> float:
    """Seconds a one-replication run of ``text`` may take: a fixed allowance plus the
    budget's own estimate of its events (every design point), at a slow rate: the
    estimate is what the budget promises, so a run over it is a broken promise."""
    import warnings

    from simsales.experiment.budget import design_size, events_per_replication
    from simsales.experiment.loader import ConfigError, to_experiment

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exp = to_experiment(tomllib.loads(text))
    except ConfigError:
        return RUN_SECONDS
    return RUN_SECONDS + design_size(exp) * events_per_replication(exp) / EVENTS_PER_SECOND


def check(v: Variant) -> Outcome:
    """Validate a variant, then run it (refused: expecting exit 2 and no output;
    validated: expecting exit 0 on the short horizon)."""
    with tempfile.TemporaryDirectory(prefix="simsales-fuzz-") as tmp:
        folder = Path(tmp)
        (folder / "exp.toml").write_text(v.text, encoding="utf-8")
        code, text = _call(["validate", "exp.toml"], folder, VALIDATE_SECONDS)
        o = Outcome(v, code, traceback="Traceback" in text)
        if code == 2:
            # as written: an override such as -n would hide a bad replications
            args = ["run", "exp.toml", "--out", "out", "--workers", "1", "--no-report"]
            rc, out = _call(args, folder, VALIDATE_SECONDS)
            o.traceback |= "Traceback" in out
            o.wrote_on_2 = (folder / "out").exists() or (folder / "results").exists()
            if rc != 2:
                o.detail = f"run of a refused file exited {rc}: {out[-300:]}"
            o.run = None
        elif code == 0:
            short = _short(v.text)
            (folder / "short.toml").write_text(short, encoding="utf-8")
            args = ["run", "short.toml", "-n", "1", "--out", "out", "--workers", "1", "--no-report"]
            start = time.monotonic()
            o.run, out = _call(args, folder, time_bound(short))
            o.traceback |= "Traceback" in out
            o.detail = f"{time.monotonic() - start:.1f} s; " + (out[-400:] if o.run else "")
        else:
            o.detail = text[-400:]
        return o


@dataclass
class Tally:
    """The tallies of a fuzz run."""

    outcomes: list[Outcome]

    @property
    def exit_codes(self) -> Counter[str]:
        return Counter(str(o.validate) for o in self.outcomes)

    @property
    def tracebacks(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.traceback]

    @property
    def writes_on_2(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.wrote_on_2]

    @property
    def hangs(self) -> list[Outcome]:
        return [o for o in self.outcomes if "hang" in (o.validate, o.run)]

    @property
    def bad_exits(self) -> list[Outcome]:
        """Validate exits other than 0, 2 (or a hang), and refused runs not exiting 2."""
        return [
            o
            for o in self.outcomes
            if o.validate not in (0, 2, "hang") or o.detail.startswith("run of a refused")
        ]

    @property
    def validated_then_failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.validate == 0 and o.run not in (0, "hang")]

    def table(self) -> str:
        cats = Counter(o.variant.category for o in self.outcomes)
        lines = [f"variants: {len(self.outcomes)} in {len(cats)} categories"]
        for cat, n in sorted(cats.items()):
            codes = Counter(str(o.validate) for o in self.outcomes if o.variant.category == cat)
            shown = ", ".join(f"exit {c}: {k}" for c, k in sorted(codes.items()))
            lines.append(f"  {cat:<20} {n:>4}  ({shown})")
        lines += [
            "validate exit codes: "
            + ", ".join(f"{c}: {k}" for c, k in sorted(self.exit_codes.items())),
            f"other exit codes:           {len(self.bad_exits)}",
            f"tracebacks:                 {len(self.tracebacks)}",
            f"writes on exit 2:           {len(self.writes_on_2)}",
            f"hangs:                      {len(self.hangs)}",
            f"validated, then run failed: {len(self.validated_then_failed)}",
        ]
        for title, bad in (
            ("other exit", self.bad_exits),
            ("traceback", self.tracebacks),
            ("write on exit 2", self.writes_on_2),
            ("hang", self.hangs),
            ("validated then failed", self.validated_then_failed),
        ):
            for o in bad:
                lines.append(f"  {title}: [{o.variant.category}] {o.variant.what[:120]}")
                lines.append(f"      {o.detail[-300:]!r}")
        return "\n".join(lines)

    @property
    def clean(self) -> bool:
        return not (
            self.bad_exits
            or self.tracebacks
            or self.writes_on_2
            or self.hangs
            or self.validated_then_failed
        )


def fuzz(
    n: int, seed: int = 2026, jobs: int = 2, full: bool = False, verbose: bool = False
) -> Tally:
    """Make ``n`` variants from ``seed`` and check them, ``jobs`` at a time (with
    ``verbose``, a line on stderr per variant as it finishes)."""
    variants = Fuzzer(seed).variants(n, full=full)
    outcomes = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:  # each check runs subprocesses
        for k, o in enumerate(pool.map(check, variants), 1):
            outcomes.append(o)
            if verbose:
                flag = "" if Tally([o]).clean else "  <-- PROBLEM"
                print(f"{k:>4}/{n} [{o.variant.category}] validate {o.validate}, run {o.run}: "
                      f"{o.variant.what[:80]}{flag}", file=sys.stderr, flush=True)  # fmt: skip
    return Tally(outcomes)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python tests/fuzz.py [--full] [-n N] [--seed S] [--jobs J]``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--full", action="store_true", help=f"{FULL} variants, the largest files")
    ap.add_argument("-n", type=int, default=None, help=f"variants [default {REDUCED}]")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    ap.add_argument("-v", "--verbose", action="store_true", help="a line per variant")
    args = ap.parse_args(argv)
    n = args.n or (FULL if args.full else REDUCED)
    start = time.monotonic()
    tally = fuzz(n, args.seed, args.jobs, full=args.full, verbose=args.verbose)
    print(tally.table())
    print(f"({time.monotonic() - start:.0f} s, seed {args.seed})")
    return 0 if tally.clean else 1


if __name__ == "__main__":
    sys.exit(main())
