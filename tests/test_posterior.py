"""``[posterior]``: each replication takes one draw of a calibration's posterior sample.

Known answer: a replication's parameters are one row of the sample (all of
them from the same row); a weight-0 row is never taken. Statistical: rows are
taken in proportion to their weights. Property-like: the same numbers with 1
or 2 workers, ``[uncertain]`` draws unmoved by adding a posterior. Bad input
exits 2 naming the key.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import simsales
from simsales.analysis.robustness import _uncertain
from simsales.cli import app
from simsales.experiment.posterior import Posterior, draw_posterior
from simsales.runner.run import RunFailed

RUN = CliRunner()
A, B = "behaviour.rival_presence", "population.urgency.a"


def _sample(folder: Path, weights=(0.5, 0.3, 0.2, 0.0)) -> Path:
    path = folder / "posterior.parquet"
    pd.DataFrame({
        A: [0.2, 0.5, 0.8, 0.99], B: [1.0, 2.0, 3.0, 4.0], "weight": list(weights),
    }).to_parquet(path)  # fmt: skip
    return path


def _experiment(folder: Path, extra: str = "") -> Path:
    _sample(folder)
    file = folder / "fitted.toml"
    file.write_text(
        'name = "fitted"\nseed = 3\nreplications = 6\nhorizon_days = 40.0\n'
        f'{extra}\n[posterior]\npath = "posterior.parquet"\n\n'
        '[[strategies]]\nname = "push"\n\n[[strategies]]\nname = "insight"\n'
    )
    return file


def test_every_replication_takes_one_whole_row(tmp_path):
    cfg = simsales.load_experiment(_experiment(tmp_path))
    assert cfg.posterior is not None and cfg.posterior.parameters == [A, B]
    assert len(cfg.posterior.sha256 or "") == 64
    rows = simsales.run(cfg, workers=1).replications
    pairs = set(zip(rows[A], rows[B], strict=True))
    assert pairs <= {(0.2, 1.0), (0.5, 2.0), (0.8, 3.0)}  # whole rows; never the weight-0 one
    # both strategies of a replication meet the same world
    assert (rows.groupby("replication")[A].nunique() == 1).all()


def test_rows_are_taken_in_proportion_to_their_weights(tmp_path):
    path = _sample(tmp_path, weights=(0.6, 0.3, 0.1, 0.0))
    post = Posterior(path=str(path), parameters=[A, B])
    n = 2000
    taken = pd.Series([draw_posterior(post, 11, r)[A] for r in range(n)]).value_counts()
    for value, w in ((0.2, 0.6), (0.5, 0.3), (0.8, 0.1)):
        se = np.sqrt(w * (1 - w) / n)
        assert abs(taken.get(value, 0) / n - w) < 4 * se, (value, taken.to_dict())
    assert 0.99 not in taken.index


def test_same_worlds_with_any_number_of_workers_and_uncertain_draws_unmoved(tmp_path):
    unc = '[uncertain]\n"population.trust.b" = {dist = "uniform", low = 2.0, high = 8.0}\n'
    cfg = simsales.load_experiment(_experiment(tmp_path, unc))
    one = simsales.run(cfg, workers=1).replications
    two = simsales.run(cfg, workers=2).replications
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    raw = cfg.model_dump(mode="json")
    raw["posterior"] = None
    alone = simsales.run(simsales.Experiment.model_validate(raw), workers=1).replications
    assert list(alone["population.trust.b"]) == list(one["population.trust.b"])


def test_robustness_takes_the_posterior_parameters_as_worlds(tmp_path):
    cfg = simsales.load_experiment(_experiment(tmp_path))
    res = simsales.run(cfg, workers=1)
    assert _uncertain(res) == sorted([A, B])


@pytest.mark.parametrize(
    ("posterior", "says"),
    [
        ('path = "missing.parquet"', "posterior.path: 'missing.parquet': no such file"),
        ('path = "fitted.toml"', "is not a Parquet file"),
        ('path = "posterior.parquet"\nparameters = ["population.nope"]', "nope"),
    ],
)
def test_bad_posterior_is_refused_naming_the_key(tmp_path, posterior, says):
    _sample(tmp_path)
    file = tmp_path / "fitted.toml"
    file.write_text(f'name = "fitted"\nseed = 3\n\n[posterior]\n{posterior}\n')
    r = RUN.invoke(app, ["validate", str(file)])
    assert r.exit_code == 2, r.output
    assert says in r.output, r.output


def test_a_parameter_from_both_posterior_and_uncertain_is_refused(tmp_path):
    unc = f'[uncertain]\n"{A}" = {{dist = "uniform", low = 0.1, high = 0.9}}\n'
    r = RUN.invoke(app, ["validate", str(_experiment(tmp_path, unc))])
    assert r.exit_code == 2 and "a parameter comes from one of them" in r.output, r.output


def test_a_sample_changed_after_reading_is_refused(tmp_path):
    cfg = simsales.load_experiment(_experiment(tmp_path))
    _sample(tmp_path, weights=(0.1, 0.1, 0.1, 0.7))
    with pytest.raises(RunFailed, match="changed since the experiment was read"):
        simsales.run(cfg, workers=1)
