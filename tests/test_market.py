"""Lead sources: the finite market and the market in the engine.

The Bass (1969) closed form and the finite market's instant-decision limit
against it are validated in tests/test_validation.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import simsales
from simsales.engine.market import FiniteMarket

from worlds import small_experiment


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
    again = simsales.run(simsales.load_results(tmp_path / "o").record.config, workers=1)
    assert (again.replications["leads"] <= 300).all()
