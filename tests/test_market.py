"""Lead sources: the Bass limit of the finite market, and the market in the engine."""

from __future__ import annotations

import numpy as np
import pytest

import simsales
from simsales.engine.market import FiniteMarket, bass_cdf, bass_limit

from worlds import SCALE, small_experiment


def test_bass_cdf_known_answers():
    assert bass_cdf(0.0, 0.03, 0.38) == 0.0
    assert bass_cdf(1e6, 0.03, 0.38) == pytest.approx(1.0)
    # q = 0: pure innovation, F = 1 - exp(-p t)
    assert bass_cdf(2.0, 0.1, 0.0) == pytest.approx(1 - np.exp(-0.2))
    # peak of adoption at t* = ln(q/p) / (p + q), where F = 1/2 - p / (2q)
    t_star = np.log(0.38 / 0.03) / 0.41
    assert bass_cdf(t_star, 0.03, 0.38) == pytest.approx(0.5 - 0.03 / (2 * 0.38))


@pytest.mark.slow
def test_bass_limit_follows_the_closed_form_statistical():
    # Sultan, Farley & Lehmann (1990) average coefficients: p = 0.03, q = 0.38.
    # Instant decisions, no seller constraint: the cumulative adoption share,
    # averaged over replications, matches F(t) within 4 standard errors.
    size, p, q = 3000, 0.03, 0.38
    reps = max(8, round(20 * SCALE))
    years = np.arange(1, 11)
    curves = np.array(
        [
            [np.count_nonzero(a < t * 365.0) / size for t in years]
            for a in (
                bass_limit(size, p, q, 10.0, np.random.SeedSequence([2026, r])) for r in range(reps)
            )
        ]
    )
    mean = curves.mean(axis=0)
    se = curves.std(axis=0, ddof=1) / np.sqrt(reps)
    expected = bass_cdf(years, p, q)
    assert np.all(np.abs(mean - expected) < 4 * se + 1e-3), (mean, expected, se)


def test_finite_market_members_become_leads_once():
    m = FiniteMarket(100, 0.5, 365.0, np.random.default_rng(1))
    arrivals = list(m.marketing())
    assert all(t < 365.0 for t, _ in arrivals)
    assert [t for t, _ in arrivals] == sorted(t for t, _ in arrivals)
    first = arrivals[0][1]
    assert m.take(first) and not m.take(first)
    rng = np.random.default_rng(2)
    contacted = [m.contact(rng) for _ in range(1000)]
    got = [c for c in contacted if c is not None]
    assert len(got) == len(set(got)) == 99  # everyone else, once each
    assert m.contact(rng) is None


def test_finite_market_in_the_engine():
    res = simsales.run(
        small_experiment(
            horizon_days=365.0,
            replications=2,
            market={"size": 400, "innovation": 0.5},
            lifecycle={"referral_rate": 4.0, "end_days": 365.0},
            strategies=[{"name": "decision_coaching", "params": {"invest_after_sale": True}}],
        ),
        workers=1,
    ).replications
    assert (res["leads"] <= 400).all()
    assert (res["referral_leads"] > 0).all()  # advocates took members of the market
    # about 1 - exp(-0.5) = 39% of the market comes by marketing in a year
    marketing = res["leads"] - res["referral_leads"]
    assert (marketing > 0.25 * 400).all() and (marketing < 0.5 * 400).all()


def test_market_kind_is_one_or_the_other():
    with pytest.raises(simsales.ConfigError, match="not both"):
        simsales.run(small_experiment(market={"size": 100, "lead_rate": 1.0}))


def test_finite_market_from_a_file_through_the_command_line(tmp_path):
    from typer.testing import CliRunner

    from simsales.cli import app

    f = tmp_path / "finite.toml"
    f.write_text(
        'name = "finite"\nseed = 3\nreplications = 2\nhorizon_days = 200.0\n'
        "[market]\nsize = 300\ninnovation = 0.5\n"
    )
    res = CliRunner().invoke(app, ["run", str(f), "--out", str(tmp_path / "o"), "--workers", "1"])
    assert res.exit_code == 0, res.output
    again = simsales.run(simsales.load_results(tmp_path / "o").manifest["config"], workers=1)
    assert (again.replications["leads"] <= 300).all()
