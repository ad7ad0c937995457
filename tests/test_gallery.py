"""The chart gallery: every chart drawn from small synthetic stored results.

Each chart is written as PNG, PDF and SVG and checked to be a valid file of
the expected size (figure size x 300 dpi), byte-identical when drawn again,
and to show the numbers it is given (known answers read back from the artists).

``SIMSALES_GALLERY=/some/folder pytest tests/test_gallery.py`` also leaves
one PNG of every chart kind in that folder, to look at.
"""

from __future__ import annotations

import itertools
import os
import shutil
import struct
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection, PolyCollection, QuadMesh
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.markers import MarkerStyle
from matplotlib.patches import Rectangle
from PIL import Image
from scipy import stats

import simsales
from simsales.analysis.comparison import declared_comparisons
from simsales.analysis.summary import summary_table
from simsales.experiment.config import Experiment
from simsales.plots import charts, forest, regions, sensitivity_charts, spread_charts, sweeps
from simsales.plots.result_charts import funnel_chart, result_charts, revenue_cost_chart
from simsales.plots.style import BUILTIN_STYLES, DPI, MARKERS, fit_label, save_figure

import synthetic

#: every test here draws its charts for real (tests/blank_charts.py)
pytestmark = pytest.mark.render

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


def keep_png(path: Path) -> None:
    """Copy a chart's PNG into the folder named by SIMSALES_GALLERY, if set."""
    folder = os.environ.get("SIMSALES_GALLERY")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(folder) / path.name)


def check_files(fig: Figure, stem: Path, draw: Callable[[], Figure] | None = None) -> None:
    """Valid PNG of figsize x DPI pixels; PDF and SVG valid and without dates; with
    ``draw``, drawn and saved again, the same bytes (no dates, no random ids)."""
    paths = save_figure(fig, stem, ("png", "pdf", "svg"))
    keep_png(paths[0])
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
        return spread_charts.violin_chart(df, "conversion", "conversion (%)")

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
    fig = spread_charts.violin_chart(df, "m", "m (count)")
    # one density (b), two sets of points
    assert len([c for c in fig.axes[0].collections if isinstance(c, PathCollection)]) == 2
    check_files(fig, tmp_path / "flat")


def test_ecdf(res, tmp_path):
    df = res.replications

    def draw():
        return spread_charts.ecdf_chart(df, "roise", "ROISE (ratio)")

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


def test_funnel_ends_with_the_won_step(res, tmp_path):
    df = res.replications
    fig = charts.funnel_chart(df)
    ax = fig.axes[0]
    first = ax.get_lines()[0].get_ydata()
    push = df[df["strategy"] == "push"]
    assert first[0] == pytest.approx(100.0)  # every lead reached awareness
    assert first[-2] == pytest.approx(100 * push["reached_acquisition"].sum() / push["leads"].sum())
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "won"
    assert first[-1] == pytest.approx(100 * push["wins"].sum() / push["leads"].sum())
    assert first[-1] <= first[-2]  # a won deal reached acquisition
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
    comp = declared_comparisons(res)
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
        dots = [line for line in ax.get_lines() if line.get_linestyle() == "None"]
        points = np.concatenate([line.get_xdata() for line in dots])
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
            summary_table(res), points, "conversion", "conversion (%)", synthetic.RATE, scale=100
        )

    fig = draw()
    ax = fig.axes[0]
    s = summary_table(res).merge(points, on="point")
    s = s[(s["metric"] == "conversion") & (s["strategy"] == "insight")].sort_values(synthetic.RATE)
    line = ax.get_lines()[1]  # second strategy
    np.testing.assert_allclose(line.get_xdata(), [1.0, 1.5, 2.0])
    np.testing.assert_allclose(line.get_ydata(), 100 * s["mean"].to_numpy())
    band = ax.collections[1].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(100 * s["ci_low"].min())
    assert band.max() == pytest.approx(100 * s["ci_high"].max())
    check_files(fig, tmp_path / "sweep")
    # Results.charts() draws the sweep lines for a one-parameter sweep
    assert [c.stem for c in result_charts(res)] == ["sweep_conversion", "sweep_cost_of_sale"]


def test_sweep_line_refuses_two_varying_parameters(sweep2):
    with pytest.raises(ValueError, match="heatmap"):
        sweeps.sweep_line_chart(
            summary_table(sweep2), _points(sweep2, [synthetic.RATE, "sellers.team_size"]),
            "conversion", "c", synthetic.RATE,
        )  # fmt: skip


def test_heatmap_of_a_grid(sweep2, tmp_path):
    params = [synthetic.RATE, "sellers.team_size"]
    points = _points(sweep2, params)

    def draw():
        return sweeps.sweep_heatmap(
            summary_table(sweep2), points, "conversion", "conversion (%)", *params, scale=100
        )

    fig = draw()
    mesh = next(c for c in fig.axes[0].collections if isinstance(c, QuadMesh))
    s = summary_table(sweep2).merge(points, on="point")
    s = s[(s["metric"] == "conversion") & (s["strategy"] == "push")]
    expected = s.pivot(index="sellers.team_size", columns=synthetic.RATE, values="mean")
    np.testing.assert_allclose(mesh.get_array().reshape(2, 3), 100 * expected.to_numpy())
    assert [c.stem for c in result_charts(sweep2)] == ["heatmap_conversion", "heatmap_cost_of_sale"]
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
    fig = sensitivity_charts.sobol_chart(table, "roise")
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
        sensitivity_charts.sobol_chart(table, "wins")


def test_morris_mu_star_sigma(tmp_path):
    table = synthetic.morris_table(np.random.default_rng(2))

    def draw():
        return sensitivity_charts.morris_chart(table, "conversion", "conversion (%)", 100)

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
    stems = [c.stem for c in result_charts(res)]
    assert stems == [
        "conversion", "conversion_ecdf", "cost_of_sale", "cost_of_sale_ecdf", "losses_by_cause",
        "orbit_funnel", "paired_differences", "orbit_occupancy", "revenue_vs_cost",
    ]  # fmt: skip
    captions = [c.caption for c in result_charts(res)]
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
    from simsales.plots.result_sweeps import _undefined_note

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


# ------------------------------------------------------------------ any metric, one look
def _marker_of(points: PathCollection) -> str:
    """The marker a scatter was drawn with, read back from its path."""
    drawn = points.get_paths()[0].vertices
    for m in MARKERS:
        style = MarkerStyle(m)
        path = style.get_path().transformed(style.get_transform())
        if path.vertices.shape == drawn.shape and np.allclose(path.vertices, drawn):
            return m
    raise AssertionError("not one of the markers")


def _as_project(res, names: dict[str, str], order: list[str], styles=None):
    """``res`` with its strategies renamed and listed (in the file and the tables) in
    ``order``, as if it were another experiment of the same project."""
    rank = {s: k for k, s in enumerate(order)}

    def renamed(df: pd.DataFrame) -> pd.DataFrame:
        df = df.assign(strategy=df["strategy"].map(names))
        keys = ["replication", "_rank", *(["month"] if "month" in df.columns else [])]
        out = df.assign(_rank=df["strategy"].map(rank)).sort_values(keys, kind="stable")
        return out.drop(columns="_rank").reset_index(drop=True)

    strategies = [{"name": n, "style": (styles or {}).get(n)} for n in order]
    # the project's own strategies come from its module, not imported here
    config = res.record.config.model_dump(mode="json")
    config.update(compare=[], strategies=strategies, modules=["gallery_strategies"])
    record = res.record.model_copy(update={"config": Experiment.model_validate(config)})
    return simsales.Results(renamed(res.replications), record, renamed(res.timeseries))


#: The synthetic strategies as a built-in, a variant of one and a user's own.
PROJECT = {"push": "push", "insight": "insight_full_orbit", "decision_coaching": "gallery_demo"}


def _looks(res) -> dict[str, dict[str, tuple]]:
    """What each strategy looks like in each chart of ``res``, read from the artists."""
    out: dict[str, dict[str, tuple]] = {}
    order = [str(s) for s in pd.unique(res.replications["strategy"])]
    violin = simsales.distribution_chart(res, "cost_per_win").axes[0]
    dots = [c for c in violin.collections if isinstance(c, PathCollection)]
    for s, c in zip(order, dots, strict=True):
        out.setdefault(s, {})["violin"] = (to_hex(c.get_facecolor()[0]), _marker_of(c))
    for line in simsales.ecdf_chart(res, "revenue_total").axes[0].get_lines():
        look = (to_hex(line.get_color()), line.get_linestyle(), line.get_marker())
        out[line.get_label()]["ecdf"] = look
    for line in funnel_chart(res).axes[0].get_lines():
        look = (to_hex(line.get_color()), line.get_linestyle(), line.get_marker())
        out[line.get_label()]["funnel"] = look
    for line in revenue_cost_chart(res).axes[0].get_lines():
        look = (to_hex(line.get_color()), line.get_linestyle(), line.get_marker())
        out[line.get_label()]["revenue"] = look
    return out


def test_a_strategy_looks_the_same_in_every_figure_whatever_the_file_order(res):
    names = list(PROJECT.values())
    one = _looks(_as_project(res, PROJECT, names))
    other = _looks(_as_project(res, PROJECT, names[::-1]))
    assert one == other
    for s, looks in one.items():
        colours = {look[0] for look in looks.values()}
        assert len(colours) == 1, (s, looks)  # one colour in every chart
        assert looks["violin"][1] == looks["funnel"][2]  # one marker
        # one dash and one marker in every line chart: colour is never the only cue
        assert looks["ecdf"] == looks["funnel"] == looks["revenue"]
    assert one["push"]["ecdf"] == ("#d55e00", "-", "o")  # the built-in's fixed look
    variant = one["insight_full_orbit"]["funnel"]
    assert variant[0] == "#0072b2" and variant[1:] != ("-", "D")  # insight's colour, own dash
    # three strategies, three looks in each chart
    for chart in ("violin", "ecdf", "funnel"):
        assert len({one[s][chart] for s in names}) == 3


def test_a_style_set_in_the_experiment_is_used_by_every_chart(res):
    mine = {"gallery_demo": {"colour": "#F0E442", "line": ":", "marker": "*"}}
    looks = _looks(_as_project(res, PROJECT, list(PROJECT.values()), styles=mine))
    assert looks["gallery_demo"]["violin"] == ("#f0e442", "*")
    assert looks["gallery_demo"]["ecdf"] == ("#f0e442", ":", "*")
    assert looks["gallery_demo"]["funnel"] == ("#f0e442", ":", "*")


def test_any_metric_gets_a_violin_and_an_ecdf_titled_with_its_unit(res, tmp_path):
    project = _as_project(res, PROJECT, list(PROJECT.values()))
    fig = simsales.distribution_chart(project, "cost_per_win")
    ax = fig.axes[0]
    assert ax.get_title() == "Cost per win (units of price)"
    dots = [c for c in ax.collections if isinstance(c, PathCollection)]
    for s, c in zip(PROJECT.values(), dots, strict=True):
        reps = project.replications
        expected = reps.loc[reps["strategy"] == s, "cost_per_win"].to_numpy()
        np.testing.assert_allclose(np.sort(c.get_offsets()[:, 1]), np.sort(expected))
    check_files(fig, tmp_path / "any_metric_violin")
    fig = simsales.ecdf_chart(project, "win_rate_all_leads")  # a share: in percent
    ax = fig.axes[0]
    assert "(%)" in ax.get_title() and ax.get_xlabel() == "win rate of all leads (%)"
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "push")
    push = project.replications.query("strategy == 'push'")["win_rate_all_leads"]
    np.testing.assert_allclose(np.unique(line.get_xdata()[np.isfinite(line.get_xdata())]),
                               np.unique(100 * push))  # fmt: skip
    check_files(fig, tmp_path / "any_metric_ecdf")


def test_an_unknown_metric_is_named_with_a_guess_and_the_known_ones(res, sweep2):
    with pytest.raises(ValueError, match=r"unknown metric 'cost_per_wins' \(did you mean "
                       r"'cost_per_win'\?\); known metrics: leads, qualified"):  # fmt: skip
        simsales.distribution_chart(res, "cost_per_wins")
    with pytest.raises(ValueError, match="unknown metric 'happiness'; known"):
        simsales.ecdf_chart(res, "happiness")
    with pytest.raises(ValueError, match=r"sweep of 6 design points: give point="):
        simsales.distribution_chart(sweep2, "conversion")
    fig = simsales.distribution_chart(sweep2, "conversion", point=2)
    reps = sweep2.replications.query("point == 2")
    dots = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in dots) == len(reps)


def test_the_experiment_names_the_metrics_charted(res):
    config = res.record.config.model_copy(
        update={"chart_metrics": ["conversion", "cost_of_sale_share", "cost_per_win"]}
    )
    record = res.record.model_copy(update={"config": config})
    charted = simsales.Results(res.replications, record, res.timeseries)
    charts_ = result_charts(charted)
    stems = [c.stem for c in charts_]
    assert stems[:6] == [
        "conversion", "conversion_ecdf", "cost_of_sale", "cost_of_sale_ecdf",
        "cost_per_win", "cost_per_win_ecdf",
    ]  # fmt: skip
    for c in charts_:  # every caption names the experiment and the replications
        assert c.caption.endswith(" Experiment gallery, 12 replications."), c.caption
    assert [c.stem for c in result_charts(res, ["revenue_total"])][:2] == [
        "revenue_total", "revenue_total_ecdf"
    ]  # fmt: skip
    with pytest.raises(ValueError, match="'revenu' \\(did you mean 'revenue'"):
        result_charts(res, ["revenu"])


def test_sweep_charts_follow_the_named_metrics(sweep2, tmp_path):
    stems = [c.stem for c in result_charts(sweep2, ["cost_per_win", "roise"])]
    assert stems == ["heatmap_cost_per_win", "heatmap_roise"]
    chart = result_charts(sweep2, ["cost_per_win"])[0]
    fig = chart.draw()
    assert "Cost per win (units of price)" in fig.get_suptitle()
    assert "Experiment gallery_sweep" in chart.caption
    check_files(fig, tmp_path / "heatmap_cost_per_win")


def test_revenue_and_cost_have_a_confidence_band(res, tmp_path):
    ts = res.timeseries
    fig = charts.revenue_cost_chart(ts)
    ax = fig.axes[0]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == len(synthetic.STRATEGIES)
    push = ts[ts["strategy"] == "push"]
    cum = push.groupby("replication")["revenue"].cumsum().groupby(push["month"])
    n = push["replication"].nunique()
    half = stats.t.ppf(0.975, n - 1) * cum.std() / np.sqrt(n)
    y = bands[0].get_paths()[0].vertices[:, 1]
    assert y.min() == pytest.approx((cum.mean() - half).min())
    assert y.max() == pytest.approx((cum.mean() + half).max())
    line = ax.get_lines()[0].get_ydata()
    assert np.all((cum.mean() - half <= line + 1e-12) & (line <= cum.mean() + half + 1e-12))


def test_neighbouring_orbits_differ_clearly(res):
    fig = charts.occupancy_chart(res.timeseries)
    bands = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
    assert len(bands) == len(charts.ORBIT_COLOURS)

    def lightness(rgba) -> float:  # relative luminance (WCAG)
        rgb = np.array(rgba[:3])
        lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
        return float(lin @ [0.2126, 0.7152, 0.0722])

    colours = [b.get_facecolor()[0] for b in bands]
    for a, b in itertools.pairwise(colours):
        lo, hi = sorted((lightness(a), lightness(b)))
        hue_apart = abs(float(np.argmax(a[:3])) - float(np.argmax(b[:3]))) > 0
        assert (hi + 0.05) / (lo + 0.05) > 1.5 or hue_apart, (a, b)
    # each panel is marked with its strategy's colour
    top = fig.axes[0].spines["top"]
    assert top.get_visible() and to_hex(top.get_edgecolor()) == "#d55e00"  # push


def test_a_big_project_gets_distinct_looks_in_one_figure(tmp_path):
    """The ten strategies of experiments/orbits.toml and a user's: no two lines alike."""
    names = [f"{b}_{v}" for b in BUILTIN_STYLES for v in ("transaction", "full_orbit")]
    names.append("gallery_demo")
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        [{"replication": r, "strategy": s, "m": rng.normal(k, 1.0)}
         for r in range(10) for k, s in enumerate(names)]
    )  # fmt: skip
    fig = spread_charts.ecdf_chart(df, "m", "m (count)")
    looks = [(ln.get_color(), ln.get_linestyle()) for ln in fig.axes[0].get_lines()]
    assert len(set(looks)) == len(names)
    check_files(fig, tmp_path / "ecdf_eleven")
    fig = spread_charts.violin_chart(df, "m", "m (count)")
    dots = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    assert len({(to_hex(c.get_facecolor()[0]), _marker_of(c)) for c in dots}) == len(names)
    check_files(fig, tmp_path / "violin_eleven")
