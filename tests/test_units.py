"""One unit and one direction everywhere: a metric is shown the same way in every
output, a declared comparison [a, b] reads a - b in every output, and a
difference wider than a metric's whole range is refused."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

import simsales
from simsales.analysis.comparison import declared_comparisons
from simsales.analysis.tables import AnalysisError
from simsales.cli import app
from simsales.engine.metrics import METRICS
from simsales.labels import (
    UNITS,
    format_difference,
    format_value,
    metric_display,
    metric_label,
    out_of_range,
)

runner = CliRunner()

DECLARED = """name = "declared"
seed = 3
replications = 3
horizon_days = 60.0
compare = [["insight", "push"]]
compare_metrics = ["conversion"]
[[strategies]]
name = "push"
[[strategies]]
name = "relationship"
[[strategies]]
name = "insight"
"""


def test_every_metric_has_a_unit_shown_one_way():
    for metric, (unit, _) in METRICS.items():
        assert unit in UNITS, metric
        d = metric_display(metric)
        assert metric_label(metric) == (d.label, d.unit.scale)


def test_values_and_differences_in_their_units():
    assert format_value("conversion", 0.0781) == "7.8%"
    assert format_difference("conversion", 0.0123) == "+1.2 pp"  # points, not percent
    assert format_difference("conversion", -0.0123) == "-1.2 pp"
    assert format_value("cycle_median", 41.26) == "41.3 d"
    assert format_value("seller_hours", 12.4) == "12 h"
    assert format_value("cost_per_win", 0.12345) == "0.123"
    assert format_value("conversion", math.nan) == "–"
    assert format_value("cycle_time", 3.0) == "3.0 d"  # quantiles over won deals


@pytest.mark.parametrize(
    ("metric", "size", "refused"),
    [
        ("conversion", 1.0, True),
        ("conversion", 5.0, True),
        ("conversion", 0.99, False),
        ("wins", 1e9, False),  # counts have no upper bound
        ("cost_per_win", 1e9, False),
    ],
)
def test_a_difference_as_wide_as_the_whole_range_is_refused(metric, size, refused):
    assert (out_of_range(metric, size, "--delta") is not None) == refused


def test_a_declared_pair_reads_a_minus_b_everywhere(tmp_path: Path):
    f = tmp_path / "declared.toml"
    f.write_text(DECLARED)
    out = tmp_path / "o"
    r = runner.invoke(app, ["run", str(f), "--out", str(out), "--workers", "1", "--no-report"])
    assert r.exit_code == 0, r.output
    during_run = r.output.split("paired comparisons", 1)[1]
    assert during_run.index("insight") < during_run.index("push")
    res = simsales.load_results(out)
    assert list(
        zip(declared_comparisons(res)["a"], declared_comparisons(res)["b"], strict=True)
    ) == [("insight", "push")]
    paired = simsales.compare(out).paired
    pairs = set(zip(paired["a"], paired["b"], strict=True))
    assert ("insight", "push") in pairs and ("push", "insight") not in pairs
    assert ("push", "relationship") in pairs  # undeclared pairs keep file order
    r = runner.invoke(app, ["compare", str(out), "--metric", "conversion"])
    assert r.exit_code == 0, r.output
    row = next(line for line in r.output.splitlines() if "insight" in line and "push" in line)
    assert row.index("insight") < row.index("push") and " pp " in row


def test_select_refuses_a_delta_wider_than_a_share_and_says_what_was_meant(tmp_path):
    f = tmp_path / "declared.toml"
    f.write_text(DECLARED)
    out = tmp_path / "o"
    assert runner.invoke(app, ["run", str(f), "--out", str(out), "--workers", "1"]).exit_code == 0
    r = runner.invoke(app, ["select", str(out), "--metric", "conversion", "--delta", "1"])
    assert r.exit_code == 2
    assert "whole range (0 to 1)" in r.output and "did you mean 0.01?" in r.output
    with pytest.raises(AnalysisError, match="whole range"):
        simsales.select_best(out, "conversion", delta=2.0)
    r = runner.invoke(app, ["run", str(f), "--precision", "1", "--out", str(tmp_path / "p")])
    assert r.exit_code == 2 and "--precision: 1 on conversion" in r.output
    assert not (tmp_path / "p").exists()
