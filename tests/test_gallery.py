"""The chart gallery: every chart drawn from small synthetic stored results.

Each chart is written as PNG, PDF and SVG and checked to be a valid file of
the expected size (figure size x 300 dpi), byte-identical when drawn again,
and to show the numbers it is given (known answers read back from the artists).
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection, QuadMesh
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

import simsales
from simsales.plots import charts, distributions, forest, regions, sensitivity, sweeps
from simsales.plots.style import DPI, fit_label, save_figure

import synthetic

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    """A synthetic results folder on disk, read back as a user would."""
    d = tmp_path_factory.mktemp("gallery")
    synthetic.write_folder(d)
    return d


@pytest.fixture(scope="module")
def res(stored):
    return simsales.load_results(stored)


@pytest.fixture(scope="module")
def sweep2():
    return synthetic.sweep_results(
        np.random.default_rng(5), {synthetic.RATE: [1.0, 1.5, 2.0], "sellers.team_size": [2, 4]}
    )


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG and data[12:16] == b"IHDR"
    w, h = struct.unpack(">II", data[16:24])
    return w, h


def check_files(fig: Figure, stem: Path, draw: Callable[[], Figure] | None = None) -> None:
    """Valid PNG of figsize x DPI pixels; PDF and SVG valid and without dates; with
    ``draw``, drawn and saved again, the same bytes (no dates, no random ids)."""
    paths = save_figure(fig, stem, ("png", "pdf", "svg"))
    png, pdf, svg = (p.read_bytes() for p in paths)
    w_in, h_in = fig.get_size_inches()
    assert _png_size(png) == (round(w_in * DPI), round(h_in * DPI))
    with Image.open(paths[0]) as im:
        im.verify()
    img = mpimg.imread(paths[0])
    assert img.shape[:2] == (round(h_in * DPI), round(w_in * DPI))
    assert img[..., :3].std() > 0.01  # not a blank canvas
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/CreationDate" not in pdf
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert b"<dc:date>" not in svg
    if draw is None:
        return
    again = save_figure(draw(), stem.with_name(stem.name + "_again"), ("png", "pdf", "svg"))
    assert [p.read_bytes() for p in again] == [png, pdf, svg], "not byte-identical when redrawn"


# ------------------------------------------------------------------ distributions
def test_violin(res, tmp_path):
    df = res.replications.assign(conversion=100 * res.replications["conversion"])

    def draw():
        return distributions.violin_chart(df, "conversion", "conversion (%)")

    fig = draw()
    ax = fig.axes[0]
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    for k, s in enumerate(synthetic.STRATEGIES):
        y = np.sort(points[k].get_offsets()[:, 1])
        expected = np.sort(df.loc[df["strategy"] == s, "conversion"].to_numpy())
        np.testing.assert_allclose(y, expected)
        x = points[k].get_offsets()[:, 0]
        assert np.all(np.abs(x - (k + 1)) <= 0.08)  # jitter sideways only
    medians = sorted(
        float(seg[0][1]) for c in ax.collections if isinstance(c, LineCollection)
        for seg in c.get_segments()
    )  # fmt: skip
    expected = sorted(df.groupby("strategy")["conversion"].median())
    np.testing.assert_allclose(medians, expected)
    assert ax.get_ylabel() == "conversion (%)"
    check_files(fig, tmp_path / "violin", draw)


def test_violin_of_constant_values_shows_points_only(tmp_path):
    df = pd.DataFrame(
        {"replication": [0, 1, 0, 1], "strategy": ["a", "a", "b", "b"], "m": [1.0, 1.0, 2, 3]}
    )
    fig = distributions.violin_chart(df, "m", "m (count)")
    # one density (b), two sets of points
    assert len([c for c in fig.axes[0].collections if isinstance(c, PathCollection)]) == 2
    check_files(fig, tmp_path / "flat")


def test_ecdf(res, tmp_path):
    df = res.replications

    def draw():
        return distributions.ecdf_chart(df, "roise", "ROISE (ratio)")

    fig = draw()
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == len(synthetic.STRATEGIES)
    for line, s in zip(lines, synthetic.STRATEGIES, strict=True):
        x, y = line.get_xdata(), line.get_ydata()
        vals = np.sort(df.loc[df["strategy"] == s, "roise"].to_numpy())
        assert y[-1] == pytest.approx(1.0)
        np.testing.assert_allclose(np.unique(x[np.isfinite(x)]), np.unique(vals))
    assert ax.get_xlabel() == "ROISE (ratio)"
    check_files(fig, tmp_path / "ecdf")


# ------------------------------------------------------------------ losses, funnel, time
def test_losses_are_stacked_by_cause(res, tmp_path):
    df = res.replications
    fig = charts.losses_chart(df)
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    n = len(synthetic.STRATEGIES)
    assert len(bars) == n * len(synthetic.CAUSES)
    means = df.groupby("strategy", sort=False)[synthetic.CAUSES].mean()
    for k, cause in enumerate(synthetic.CAUSES):
        heights = [b.get_height() for b in bars[k * n : (k + 1) * n]]
        np.testing.assert_allclose(heights, means[cause].to_numpy())
    tops = [b.get_y() + b.get_height() for b in bars[-n:]]
    np.testing.assert_allclose(
        tops, (df["qualified"] - df["wins"]).groupby(df["strategy"], sort=False).mean()
    )
    # legend top to bottom = stack top to bottom
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "went dark", "rival", "indecision", "status quo"
    ]  # fmt: skip
    check_files(fig, tmp_path / "losses")


def test_funnel(res, tmp_path):
    df = res.replications
    fig = charts.funnel_chart(df)
    first = fig.axes[0].get_lines()[0].get_ydata()
    push = df[df["strategy"] == "push"]
    assert first[0] == pytest.approx(100.0)  # every lead reached awareness
    assert first[-1] == pytest.approx(100 * push["reached_acquisition"].sum() / push["leads"].sum())
    check_files(fig, tmp_path / "funnel")


def test_occupancy_and_revenue(res, tmp_path):
    ts = res.timeseries
    fig = charts.occupancy_chart(ts)
    assert sum(ax.get_visible() for ax in fig.axes) == len(synthetic.STRATEGIES)
    check_files(fig, tmp_path / "occupancy", lambda: charts.occupancy_chart(ts))
    fig = charts.revenue_cost_chart(ts)
    rev = fig.axes[0].get_lines()[0].get_ydata()
    push = ts[ts["strategy"] == "push"]
    expected = push.groupby("replication")["revenue"].cumsum().groupby(push["month"]).mean()
    np.testing.assert_allclose(rev, expected.to_numpy())
    check_files(fig, tmp_path / "revenue")


# ------------------------------------------------------------------ paired differences
def test_forest_shows_the_paired_intervals(res, tmp_path):
    comp = res.comparisons
    labels = {"conversion": ("conversion (%)", 100.0), "roise": ("ROISE (ratio)", 1.0)}
    fig = forest.forest_chart(comp, labels)
    for ax, (metric, (label, scale)) in zip(fig.axes, labels.items(), strict=False):
        part = comp[comp["metric"] == metric]
        segs = ax.collections[0].get_segments()
        np.testing.assert_allclose(
            sorted(s[0][0] for s in segs), sorted(part["diff_ci_low"] * scale)
        )
        np.testing.assert_allclose(
            sorted(s[1][0] for s in segs), sorted(part["diff_ci_high"] * scale)
        )
        points = ax.get_lines()[0].get_xdata()
        np.testing.assert_allclose(sorted(points), sorted(part["diff"] * scale))
        assert ax.get_title() == label.split(" (")[0]
        unit = "percentage points" if scale == 100 else "ratio"
        assert ax.get_xlabel() == f"a − b ({unit})"
    check_files(fig, tmp_path / "forest")


def test_forest_rejects_a_table_without_intervals():
    with pytest.raises(ValueError, match="diff_ci_low"):
        forest.forest_chart(pd.DataFrame({"a": ["x"], "b": ["y"], "metric": ["m"]}))


# ------------------------------------------------------------------ sweeps
def _points(results, params):
    return results.replications.groupby("point")[params].first().reset_index()


def test_sweep_line_with_ci_band(tmp_path):
    res = synthetic.sweep_results(np.random.default_rng(3), {synthetic.RATE: [2.0, 1.0, 1.5]})
    points = _points(res, [synthetic.RATE])

    def draw():
        return sweeps.sweep_line_chart(
            res.summary, points, "conversion", "conversion (%)", synthetic.RATE, scale=100
        )

    fig = draw()
    ax = fig.axes[0]
    s = res.summary.merge(points, on="point")
    s = s[(s["metric"] == "conversion") & (s["strategy"] == "insight")].sort_values(synthetic.RATE)
    line = ax.get_lines()[1]  # second strategy
    np.testing.assert_allclose(line.get_xdata(), [1.0, 1.5, 2.0])
    np.testing.assert_allclose(line.get_ydata(), 100 * s["mean"].to_numpy())
    band = ax.collections[1].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(100 * s["ci_low"].min())
    assert band.max() == pytest.approx(100 * s["ci_high"].max())
    check_files(fig, tmp_path / "sweep")
    # Results.charts() draws the sweep lines for a one-parameter sweep
    assert [c.stem for c in res.chart_list()] == ["sweep_conversion", "sweep_cost_of_sale"]


def test_sweep_line_refuses_two_varying_parameters(sweep2):
    with pytest.raises(ValueError, match="heatmap"):
        sweeps.sweep_line_chart(
            sweep2.summary, _points(sweep2, [synthetic.RATE, "sellers.team_size"]),
            "conversion", "c", synthetic.RATE,
        )  # fmt: skip


def test_heatmap_of_a_grid(sweep2, tmp_path):
    params = [synthetic.RATE, "sellers.team_size"]
    points = _points(sweep2, params)

    def draw():
        return sweeps.sweep_heatmap(
            sweep2.summary, points, "conversion", "conversion (%)", *params, scale=100
        )

    fig = draw()
    mesh = next(c for c in fig.axes[0].collections if isinstance(c, QuadMesh))
    s = sweep2.summary.merge(points, on="point")
    s = s[(s["metric"] == "conversion") & (s["strategy"] == "push")]
    expected = s.pivot(index="sellers.team_size", columns=synthetic.RATE, values="mean")
    np.testing.assert_allclose(mesh.get_array().reshape(2, 3), 100 * expected.to_numpy())
    assert [c.stem for c in sweep2.chart_list()] == ["heatmap_conversion", "heatmap_cost_of_sale"]
    check_files(fig, tmp_path / "heatmap", draw)


def test_categorical_parameters_sweep_in_the_order_given(tmp_path):
    """A swept decision rule (strings) or switch (booleans): one cell or line point
    per value, labelled by it, in the order of the design."""
    rules, sizes = ["champion", "majority", "consensus"], [1, 6]
    points = pd.DataFrame(
        [(k, r, n) for k, (r, n) in enumerate((r, n) for n in sizes for r in rules)],
        columns=["point", "behaviour.decision_rule", "population.stakeholders.value"],
    )
    summary = pd.DataFrame(
        {"point": range(6), "strategy": "s", "metric": "m", "mean": np.arange(6.0),
         "ci_low": np.arange(6.0) - 0.5, "ci_high": np.arange(6.0) + 0.5, "n": 3}
    )  # fmt: skip
    params = ["behaviour.decision_rule", "population.stakeholders.value"]
    fig = sweeps.sweep_heatmap(summary, points, "m", "m (count)", *params)
    mesh = next(c for c in fig.axes[0].collections if isinstance(c, QuadMesh))
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(2, 3), [[0, 1, 2], [3, 4, 5]])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == rules
    one = points[points["population.stakeholders.value"] == 1]
    line = sweeps.sweep_line_chart(
        summary[summary["point"].isin(one["point"])], one, "m", "m (count)", params[0]
    )
    np.testing.assert_allclose(line.axes[0].lines[0].get_ydata(), [0, 1, 2])
    assert [t.get_text() for t in line.axes[0].get_xticklabels()] == rules
    check_files(fig, tmp_path / "categorical")


def test_a_long_colour_bar_label_stays_inside_the_figure():
    """harajuku's "cost of sale, share of first-deal revenue (%, log scale)" ran past
    both edges of a one-row heatmap; it is wrapped to fit along the bar."""
    points = pd.DataFrame({"point": range(4), "a.x": [0, 1, 0, 1], "b.y": [0, 0, 4, 4]})
    summary = pd.DataFrame(
        {"point": range(4), "strategy": "s", "metric": "m", "mean": [15.0, 40.0, 90.0, 8000.0],
         "ci_low": 0.0, "ci_high": 1.0, "n": 3}
    )  # fmt: skip
    label = "cost of sale, share of first-deal revenue (%)"
    fig = sweeps.sweep_heatmap(summary, points, "m", label, "a.x", "b.y")
    bar = fig.axes[-1].yaxis.label
    assert "\n" in bar.get_text() and bar.get_text().endswith("(%, log scale)")
    FigureCanvasAgg(fig).draw()
    box, frame = bar.get_window_extent(), fig.bbox
    assert frame.y0 <= box.y0 and box.y1 <= frame.y1 and box.x1 <= frame.x1


def test_a_long_axis_label_is_wrapped_to_stay_inside_the_figure():
    """A key path with its description ran past the heatmap's edge and was cut
    ("aviour.compelling_event_rate (events per buyer per ye"); it is now broken
    before its parenthesis, and every line of it is drawn inside the figure."""
    points = pd.DataFrame({"point": range(4), "a.x": [0, 1, 0, 1], "b.y": [0, 0, 4, 4]})
    summary = pd.DataFrame(
        {"point": range(4), "strategy": "s", "metric": "m", "mean": np.arange(4.0),
         "ci_low": 0.0, "ci_high": 1.0, "n": 3}
    )  # fmt: skip
    long = "behaviour.compelling_event_rate (events per buyer per year)"
    fig = sweeps.sweep_heatmap(summary, points, "m", "m (count)", "a.x", "b.y", ylabel=long)
    label = fig.axes[0].yaxis.label
    assert label.get_text() == "behaviour.compelling_event_rate\n(events per buyer per year)"
    FigureCanvasAgg(fig).draw()
    box, frame = label.get_window_extent(), fig.bbox
    assert frame.y0 <= box.y0 and box.y1 <= frame.y1 and frame.x0 <= box.x0
    assert fit_label("short (unit)", 3.0) == "short (unit)"


def test_heatmap_of_a_space_filling_design_bins_the_points(tmp_path):
    rng = np.random.default_rng(9)
    xy = rng.uniform(0, 1, (16, 2))
    points = pd.DataFrame({"point": range(16), "a.x": xy[:, 0], "b.y": xy[:, 1]})
    summary = pd.DataFrame(
        {"point": range(16), "strategy": "s", "metric": "m", "mean": np.arange(16.0),
         "ci_low": 0.0, "ci_high": 1.0, "n": 3}
    )  # fmt: skip

    def draw():
        return sweeps.sweep_heatmap(summary, points, "m", "m (count)", "a.x", "b.y")

    fig = draw()
    mesh = next(c for c in fig.axes[0].collections if isinstance(c, QuadMesh))
    cells = np.asarray(mesh.get_array()).reshape(4, 4)  # 16 points: 4 x 4 equal bins
    # known answer: the mean of the design points falling in each cell, blank if none
    edges = [np.linspace(xy[:, k].min(), xy[:, k].max(), 5) for k in (0, 1)]
    ix, iy = (np.clip(np.searchsorted(edges[k], xy[:, k], side="right") - 1, 0, 3) for k in (0, 1))
    for j in range(4):
        for i in range(4):
            inside = np.arange(16.0)[(ix == i) & (iy == j)]
            if len(inside):
                assert cells[j, i] == pytest.approx(inside.mean())
            else:
                assert np.ma.is_masked(cells[j, i]) or np.isnan(cells[j, i])
    check_files(fig, tmp_path / "binned")


# ------------------------------------------------------------------ sensitivity
def test_sobol_bars_with_whiskers(stored, tmp_path):
    table = pd.read_csv(stored / "sensitivity.csv")
    fig = sensitivity.sobol_chart(table, "roise")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    part = table[(table["metric"] == "roise") & (table["strategy"] == "push")]
    n = len(part)
    np.testing.assert_allclose([b.get_height() for b in bars[:n]], part["S1"])
    np.testing.assert_allclose([b.get_height() for b in bars[n : 2 * n]], part["ST"])
    whiskers = [c for c in ax.collections if isinstance(c, LineCollection)]
    lengths = [s[1][1] - s[0][1] for s in whiskers[0].get_segments()]
    np.testing.assert_allclose(lengths, 2 * part["S1_conf"])
    check_files(fig, tmp_path / "sobol")
    with pytest.raises(ValueError, match="not in the sensitivity table"):
        sensitivity.sobol_chart(table, "wins")


def test_morris_mu_star_sigma(tmp_path):
    table = synthetic.morris_table(np.random.default_rng(2))

    def draw():
        return sensitivity.morris_chart(table, "conversion", "conversion (%)", 100)

    fig = draw()
    ax = fig.axes[0]
    part = table[table["strategy"] == "push"]
    xy = [(c[0].get_xdata()[0], c[0].get_ydata()[0]) for c in ax.containers]
    np.testing.assert_allclose(xy, 100 * part[["mu_star", "sigma"]].to_numpy())
    assert ax.get_xlabel() == "μ* (percentage points)" and ax.get_title() == "push"
    assert "Morris screening of conversion:" in fig.get_suptitle()
    check_files(fig, tmp_path / "morris")


# ------------------------------------------------------------------ robustness
def test_win_region_map_with_prim_boxes(stored, tmp_path):
    worlds = pd.read_csv(stored / "robustness_worlds.csv")
    boxes = {s: {p: tuple(b) for p, b in box.items()} for s, box in synthetic.BOXES.items()}

    def draw():
        return regions.win_region_chart(worlds, boxes, order=synthetic.STRATEGIES)

    fig = draw()
    ax = fig.axes[0]
    # both parameters appear in a box; the value ratio (in two boxes) goes on x
    assert ax.get_xlabel() == synthetic.VALUE and ax.get_ylabel() == synthetic.RATE
    counts = worlds["best"].value_counts()
    dots = {c.get_label().split(" (")[0]: len(c.get_offsets()) for c in ax.collections}
    assert dots == counts.to_dict()
    rects = {p.get_label(): p for p in ax.patches}
    push = rects["PRIM box: push"]
    assert (push.get_x(), push.get_y()) == pytest.approx((3.0, 1.0))
    assert (push.get_width(), push.get_height()) == pytest.approx((1.0, 0.5))
    insight = rects["PRIM box: insight"]  # no bound on the lead rate: spans the data
    assert insight.get_x() == pytest.approx(4.0)
    assert insight.get_height() == pytest.approx(np.ptp(worlds[synthetic.RATE]))
    check_files(fig, tmp_path / "regions", draw)


def test_win_region_map_of_one_parameter(stored, tmp_path):
    worlds = pd.read_csv(stored / "robustness_worlds.csv").drop(columns=[synthetic.RATE])
    fig = regions.win_region_chart(worlds)
    assert fig.axes[0].get_ylabel() == "best strategy"
    check_files(fig, tmp_path / "regions1")


# ------------------------------------------------------------------ the set
def test_results_charts_are_the_gallery(res, tmp_path):
    stems = [c.stem for c in res.chart_list()]
    assert stems == [
        "conversion", "conversion_ecdf", "cost_of_sale", "cost_of_sale_ecdf", "losses_by_cause",
        "orbit_funnel", "paired_differences", "orbit_occupancy", "revenue_vs_cost",
    ]  # fmt: skip
    captions = [c.caption for c in res.chart_list()]
    assert all(c and "\n" not in c and c.endswith(".") for c in captions)
    assert len(set(captions)) == len(captions)


def test_heatmap_colour_scale_is_logarithmic_over_two_orders_of_magnitude():
    """A cost share of 15% to 8,000% (harajuku, where almost nothing is won) left one
    colour for every cell but the extremes: such a range gets a log scale, said on
    the colour bar; a narrower, non-positive or evenly spread range stays linear."""
    from matplotlib.colors import LogNorm

    points = pd.DataFrame({"point": range(4), "a.x": [0, 1, 0, 1], "b.y": [0, 0, 4, 4]})

    def heatmap(values):
        summary = pd.DataFrame(
            {"point": range(4), "strategy": "s", "metric": "m", "mean": values,
             "ci_low": 0.0, "ci_high": 1.0, "n": 3}
        )  # fmt: skip
        fig = sweeps.sweep_heatmap(summary, points, "m", "m (%)", "a.x", "b.y")
        mesh = next(c for c in fig.axes[0].collections if isinstance(c, QuadMesh))
        return mesh.norm, fig.axes[-1].get_ylabel()

    norm, bar = heatmap([15.0, 40.0, 90.0, 8000.0])
    assert isinstance(norm, LogNorm) and (norm.vmin, norm.vmax) == (15.0, 8000.0)
    assert bar == "m (%, log scale)"
    for values in ([15.0, 40.0, 90.0, 800.0], [0.0, 1.0, 200.0, 8000.0], [0.1, 30, 35, 38]):
        norm, bar = heatmap(values)
        assert not isinstance(norm, LogNorm) and bar == "m (%)"


def test_sweep_captions_say_what_a_blank_place_means():
    """A gap or blank cell is 'undefined there' only where the chart draws one cell
    per design point; an averaged cell says it skips undefined points, and a binned
    (lhs/Sobol) cell may be blank for holding no design point at all."""
    from simsales.experiment.figures import _undefined_note

    summary = pd.DataFrame(
        {"metric": ["cost_of_sale_share"] * 2 + ["m"] * 2, "mean": [1.0, np.nan] * 2}
    )
    assert (
        _undefined_note(summary, "cost_of_sale_share", "line")
        == " Gaps: undefined there (no wins)."
    )
    assert _undefined_note(summary, "m", "grid") == " Blank cells: undefined there."
    averaged = _undefined_note(summary, "cost_of_sale_share", "averaged")
    assert "averages the design points where the mean is defined (no wins)" in averaged
    assert "no design point" in _undefined_note(summary, "m", "binned")
    full = pd.DataFrame({"metric": ["m", "m"], "mean": [1.0, 2.0]})
    assert _undefined_note(full, "m", "grid") == _undefined_note(full, "m", "line") == ""
    assert _undefined_note(full, "m", "binned").startswith(" A blank cell holds no design point")
