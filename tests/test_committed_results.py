"""Regression test of the committed results: a slice of every study, re-run.

The results of the shipped studies are kept in git (``results/<study>/``) and
quoted in their READMEs, ``docs/studies.md`` and the CHANGELOG. These tests pin
them: each re-runs a small slice of one study, with the seed of its file, and
requires every value the committed ``replications.parquet`` holds for that
slice (each metric, and the design or plausible-world parameters) to be the
same, exactly (Parquet stores a float64 as it is; NaN equals NaN). A code
change that moves a published number, even silently, fails here.

The slice: replication 0, every strategy, of the run at the defaults (and
its monthly series, ``timeseries.parquet``); of a sweep, at the design points
that between them take every swept value (:func:`covering`: a grid of
a x b points gives a + b - 1); and the first :data:`WORLDS` plausible worlds
of the run over the plausible range (``results/<study>/where/``, seeded by
:func:`simsales.seeding.where_seed`). A replication's numbers
depend on the root seed and its index only (``docs/model.md``), so
:func:`simsales.runner.replications.run_replications` with ``only`` gives the
slice's rows of the full run without running the rest.

Columns the re-run has and the committed table lacks (a metric added since)
are not compared: no published number carries them. A failure names the
study, strategy, design point, replication and column that differ, and how
to regenerate the results; the CHANGELOG must then say which results changed
and why.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simsales.cli import NOT_STUDIES
from simsales.experiment.config import Experiment
from simsales.experiment.loader import load_experiment, load_modules
from simsales.runner.replications import run_replications
from simsales.store.folder import WHERE

ROOT = Path(__file__).resolve().parents[1]
STUDIES = sorted(p for p in (ROOT / "experiments").glob("*.toml") if p.name not in NOT_STUDIES)
#: Plausible worlds of each where-run that are re-run (its replications 0, 1, ...).
WORLDS = 2
#: Cases over 10 s on one core, marked slow. None is: on 2026-12-05 the longest
#: took 4.5 s (orbits-where, two 4-year worlds), the whole file 26 s.
SLOW: frozenset[str] = frozenset()
#: Differing values listed in a failure message (the count says how many in all).
SHOWN = 12


def _has_where(path: Path) -> bool:
    with path.open("rb") as f:
        return "where" in tomllib.load(f)


def _cases() -> list[Any]:
    cases = []
    for path in STUDIES:
        runs = ["defaults", WHERE] if _has_where(path) else ["defaults"]
        for run in runs:
            case = path.stem if run == "defaults" else f"{path.stem}-{run}"
            marks = [pytest.mark.slow] if case in SLOW else []
            cases.append(pytest.param(path, run, id=case, marks=marks))
    return cases


def _experiment(path: Path, run: str) -> Experiment:
    config = load_experiment(path)
    if config.modules:
        config = load_modules(config, str(path))
    return config.where_run() if run == WHERE else config


def covering(points: list[dict[str, Any]]) -> list[int]:
    """Design points, in order, that between them take every value of every varied
    parameter: a point is kept if it has a value no earlier kept point had.

    A grid of a x b points gives a + b - 1 of them; a Latin hypercube or Sobol
    design (every value new) all of them.

    Examples
    --------
    >>> covering([{"x": x, "y": y} for x in (1, 2, 3) for y in (True, False)])
    [0, 1, 2, 4]
    """
    seen: set[tuple[str, str]] = set()
    kept = []
    for k, point in enumerate(points):
        values = {(key, repr(value)) for key, value in point.items()}
        if not values <= seen or not kept:
            kept.append(k)
            seen |= values
    return kept


def _slice(config: Experiment, run: str) -> set[tuple[int, int]]:
    """(design point, replication) pairs re-run: replication 0 of the design points
    that take every swept value (:func:`covering`) at the defaults; the first WORLDS
    worlds of the where-run (which has no design)."""
    if run == WHERE:
        return {(0, r) for r in range(min(WORLDS, config.replications))}
    return {(p, 0) for p in covering(config.points())}


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    """Element-wise exact equality, NaN (or NA) equal to NaN."""
    both_na = a.isna().to_numpy() & b.isna().to_numpy()
    equal = (a.to_numpy(dtype=object) == b.to_numpy(dtype=object)) | both_na
    return pd.Series(equal, index=a.index)


def _show(value: Any) -> str:
    """A value as Python writes it (``3``, not ``np.int64(3)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _where_in(row: tuple[Any, ...], keys: list[str]) -> str:
    words = {"point": "design point", "replication": "replication", "month": "month"}
    parts = [f"strategy {row[keys.index('strategy')]!r}"]
    parts += [f"{words[k]} {row[keys.index(k)]}" for k in keys if k != "strategy"]
    return ", ".join(parts)


def differences(
    committed: pd.DataFrame, rerun: pd.DataFrame, keys: list[str], pairs: set[tuple[int, int]]
) -> list[str]:
    """Each way the re-run slice differs from the committed rows of that slice.

    Parameters
    ----------
    committed : DataFrame
        The committed table (all replications).
    rerun : DataFrame
        The re-run slice.
    keys : list of str
        Columns that name a row (``point`` if any, ``replication``, ``strategy``,
        ``month`` for the series).
    pairs : set of (int, int)
        The (design point, replication) pairs of the slice.

    Returns
    -------
    list of str
        One line per missing or extra row, missing column and differing value
        (row by row).
    """
    point = committed["point"] if "point" in committed else pd.Series(0, index=committed.index)
    mine = [(int(p), int(r)) in pairs for p, r in zip(point, committed["replication"], strict=True)]
    old = committed[mine].set_index(keys)
    new = rerun.set_index(keys)
    extra, missing = new.index.difference(old.index), old.index.difference(new.index)
    lines = [f"{_where_in(k, keys)}: not in the committed results" for k in extra]
    lines += [f"{_where_in(k, keys)}: committed, not re-run" for k in missing]
    lines += [f"column {c!r}: committed, not in the re-run" for c in old.columns if c not in new]
    common = old.index.intersection(new.index, sort=False)
    columns = [c for c in old.columns if c in new]
    a, b = old.loc[common, columns], new.loc[common, columns]
    same = pd.DataFrame({c: _same(a[c], b[c]) for c in columns}, index=common)
    for k in common[~same.all(axis=1).to_numpy()]:  # row by row, in the committed order
        for c in (c for c in columns if not same.at[k, c]):
            was, now = _show(a.at[k, c]), _show(b.at[k, c])
            lines.append(f"{_where_in(k, keys)}, {c}: committed {was}, re-run {now}")
    return lines


def _source(path: Path, config: Experiment, run: str) -> str:
    """The run for people: its file, and its seed."""
    if run == WHERE:
        root = load_experiment(path).seed
        return (
            f"experiments/{path.name}'s where-run (seed {config.seed}, from the root seed {root})"
        )
    return f"experiments/{path.name} (seed {config.seed})"


def _message(path: Path, source: str, file: Path, found: list[str]) -> str:
    study = path.stem
    listed = "\n".join(f"  {line}" for line in found[:SHOWN])
    more = f"\n  ... and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    return (
        f"study {study!r}: {source} no longer gives the "
        f"committed {file.relative_to(ROOT)} ({len(found)} difference(s) in the re-run "
        f"slice):\n{listed}{more}\n"
        "If the change is meant to move these numbers, regenerate the results "
        f"(`simsales run-all`, or `simsales run experiments/{path.name}` for this study and "
        "its where-run) and say in CHANGELOG.md which results changed and why. If it is "
        "not, the change altered simulated numbers it should not have."
    )


@pytest.mark.parametrize(("path", "run"), _cases())
def test_regression_a_slice_of_each_study_re_runs_to_its_committed_numbers(
    path: Path, run: str
) -> None:
    config = _experiment(path, run)
    folder = ROOT / "results" / path.stem
    folder = folder / WHERE if run == WHERE else folder
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == config.seed, (
        f"study {path.stem!r}: {folder.relative_to(ROOT)} was run with seed {manifest['seed']}, "
        f"experiments/{path.name} gives {config.seed}; regenerate it (`simsales run "
        f"experiments/{path.name}`) and say why in CHANGELOG.md"
    )
    pairs = _slice(config, run)
    out = run_replications(config, workers=1, only=pairs)
    assert not out.failures, [f.describe() for f in out.failures]
    keys = (["point"] if config.has_design else []) + ["replication", "strategy"]
    tables = [("replications.parquet", pd.DataFrame(out.records), keys)]
    if run == "defaults":  # the where-run's monthly series are not kept in git
        tables.append(("timeseries.parquet", pd.DataFrame(out.series), [*keys, "month"]))
    for name, rerun, names in tables:
        file = folder / name
        found = differences(pd.read_parquet(file), rerun, names, pairs)
        assert not found, _message(path, _source(path, config, run), file, found)


def test_every_study_and_where_run_is_guarded() -> None:
    ids = {c.id for c in _cases()}
    for path in STUDIES:
        assert path.stem in ids
        assert (f"{path.stem}-{WHERE}" in ids) == (load_experiment(path).where is not None)


def test_differences_name_study_row_and_column_and_how_to_regenerate() -> None:
    committed = pd.DataFrame(
        {"replication": [0, 0, 1], "strategy": ["push", "insight", "push"],
         "conversion": [0.25, float("nan"), 0.5], "wins": [5, 3, 9]}
    )  # fmt: skip
    rerun = committed[committed["replication"] == 0].copy()
    keys = ["replication", "strategy"]
    assert differences(committed, rerun, keys, {(0, 0)}) == []  # NaN equals NaN
    rerun.loc[0, "conversion"] = math.nextafter(0.25, 1.0)  # one ulp off
    rerun.loc[1, "wins"] = 4
    found = differences(committed, rerun, keys, {(0, 0)})
    assert found == [
        "strategy 'push', replication 0, conversion: committed 0.25, re-run 0.25000000000000006",
        "strategy 'insight', replication 0, wins: committed 3, re-run 4",
    ]
    path = ROOT / "experiments" / "urgency.toml"
    file = ROOT / "results" / "urgency" / "replications.parquet"
    config = load_experiment(path)
    text = _message(path, _source(path, config, "defaults"), file, found)
    for needle in (
        "study 'urgency'", f"experiments/urgency.toml (seed {config.seed})",
        "results/urgency/replications.parquet", "2 difference(s)",
        "`simsales run-all`", "`simsales run experiments/urgency.toml`", "CHANGELOG.md",
    ):  # fmt: skip
        assert needle in text
    fewer = differences(committed, rerun.iloc[:1].drop(columns="wins"), keys, {(0, 0)})
    assert fewer == [
        "strategy 'insight', replication 0: committed, not re-run",
        "column 'wins': committed, not in the re-run",
        "strategy 'push', replication 0, conversion: committed 0.25, re-run 0.25000000000000006",
    ]
    row = (3, 0, "push", 5)
    assert _where_in(row, ["point", "replication", "strategy", "month"]) == (
        "strategy 'push', design point 3, replication 0, month 5"
    )
    where = config.where_run()
    assert _source(path, where, WHERE) == (
        f"experiments/urgency.toml's where-run (seed {where.seed}, from the root seed "
        f"{config.seed})"
    )


def test_covering_keeps_the_points_that_take_every_swept_value() -> None:
    grid = [{"x": x, "y": y} for x in (1, 2, 3) for y in (True, False)]
    assert covering(grid) == [0, 1, 2, 4]  # a + b - 1 of a x b
    assert covering([{"x": 0.1, "y": 5}, {"x": 0.7, "y": 2}]) == [0, 1]  # every value new
    assert covering([{}]) == [0]  # no design: its one point
