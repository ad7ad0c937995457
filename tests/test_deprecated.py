"""The methods Results had in 0.2.0 still work for one release: each warns, naming the
function to use, and gives what that function gives."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import simsales
from simsales.deprecated import DEPRECATED

import synthetic


@pytest.fixture(scope="module")
def res() -> simsales.Results:
    rng = synthetic.np.random.default_rng(5)
    return simsales.Results(
        synthetic.replications(rng),
        synthetic.manifest(synthetic.config()),
        synthetic.timeseries(rng),
    )


def test_every_old_method_is_attached() -> None:
    assert set(DEPRECATED) == {
        "summary", "comparisons", "table", "conversion_chart", "cost_of_sale_chart",
        "losses_chart", "funnel_chart", "occupancy_chart", "revenue_cost_chart", "chart_list",
        "charts", "save", "report",
    }  # fmt: skip
    for name in DEPRECATED:
        assert hasattr(simsales.Results, name)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (lambda r: r.summary, simsales.summary_table),
        (lambda r: r.comparisons, simsales.declared_comparisons),
        (lambda r: r.table(["conversion"]), lambda r: simsales.mean_table(r, ["conversion"])),
    ],
    ids=["summary", "comparisons", "table"],
)
def test_old_tables_warn_and_equal_the_new_functions(res, old, new) -> None:
    with pytest.warns(DeprecationWarning, match=r"Results\.\w+.* is deprecated.*use simsales\."):
        got = old(res)
    pd.testing.assert_frame_equal(got, new(res))


@pytest.mark.parametrize(
    "name",
    ["conversion_chart", "cost_of_sale_chart", "losses_chart", "funnel_chart",
     "occupancy_chart", "revenue_cost_chart"],
)  # fmt: skip
def test_old_charts_warn_and_draw(res, name: str) -> None:
    with pytest.warns(DeprecationWarning, match=f"Results.{name}"):
        fig = getattr(res, name)()
    assert fig.axes


def test_old_chart_list_and_save_and_report_warn(res, tmp_path: Path) -> None:
    with pytest.warns(DeprecationWarning, match="simsales.result_charts"):
        stems = [c.stem for c in res.chart_list()]
    assert stems == [c.stem for c in simsales.result_charts(res)]
    with pytest.warns(DeprecationWarning, match="simsales.save_results"):
        out = res.save(tmp_path / "r", with_charts=False)
    assert (out / "summary.csv").is_file()
    with pytest.warns(DeprecationWarning, match="simsales.report"):
        html, md = res.report(out)
    assert html.is_file() and md.is_file()
    with pytest.warns(DeprecationWarning, match=r"Results\.record"):
        assert res.manifest["experiment"] == res.record.experiment


def test_the_warning_points_at_the_caller(res) -> None:
    with pytest.warns(DeprecationWarning) as caught:
        _ = res.summary
    assert caught[0].filename == __file__
