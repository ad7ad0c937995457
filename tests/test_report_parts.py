"""Known answers for the report's parts: number formats, rendering, the leader and its lead."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simsales.experiment.labels import metric_label, parameter_label
from simsales.reporting.best import Lead, lead
from simsales.reporting.document import (
    Document,
    Image,
    Section,
    Table,
    num,
    row_numbers,
    shared_decimals,
    with_ci,
)
from simsales.reporting.render import png_size, to_html, to_markdown
from simsales.reporting.sections import _leaders_sentence

PNG_1x2 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000208060000009977a0c4"
)  # signature + IHDR of a 1 x 2 image


@pytest.mark.parametrize(
    ("args", "kwargs", "text"),
    [
        ((21.6834, 20.94, 22.43), {}, "21.68 [20.94, 22.43]"),  # half-width 0.745: 2 decimals
        ((0.156, 0.0827, 0.2293), {}, "0.156 [0.083, 0.229]"),  # half-width 0.073: 3 decimals
        ((0.2168, 0.2094, 0.2243), {"scale": 100}, "21.68 [20.94, 22.43]"),
        ((1.5, 0.5, 2.5), {"signed": True}, "+1.5 [+0.5, +2.5]"),
        ((107.5, 103.8, 111.2), {}, "107.5 [103.8, 111.2]"),
        ((5.0, math.nan, math.nan), {}, "5"),  # no interval: the mean alone
        ((2.0, 2.0, 2.0), {}, "2 [2, 2]"),  # zero width: four significant digits
        ((math.nan, 1.0, 2.0), {}, "–"),
        ((12345.6, 12000.0, 12600.0), {}, "12,346 [12,000, 12,600]"),
    ],
)
def test_interval_formats(args, kwargs, text):
    assert with_ci(*args, **kwargs) == text


def test_number_formats():
    assert num(0.00012345) == "0.0001234"
    assert num(123456.0) == "123,456"
    assert num(-0.5, 100, signed=True, decimals=1) == "-50.0"
    assert num(None) == num(math.inf) == "–"


def test_labels_carry_units():
    assert metric_label("conversion") == ("conversion of qualified opportunities (%)", 100.0)
    assert metric_label("cost_per_win") == ("cost per win (units of price)", 1.0)
    assert metric_label("not_a_metric") == ("not a metric", 1.0)
    # every metric has its own label: no two columns or axes read the same
    from simsales.engine.metrics import METRICS

    labels = [metric_label(m)[0] for m in METRICS]
    assert len(set(labels)) == len(labels)
    assert parameter_label("sellers.team_size") == "sellers.team_size (sellers working in parallel)"
    assert parameter_label("no.such.key") == "no.such.key"


def test_markdown_and_html_render_the_same_document():
    doc = Document(
        "T <1>",
        "intro with `code`",
        [
            Section("S", "s", ["a | b", Table(["x", "y|z"], [["1", "<2>"]], frozenset({1}))]),
            Section("F", "f", [Image("stem", "A caption & more.")]),
        ],
    )
    md = to_markdown(doc)
    assert "| x | y\\|z |\n|---|---:|\n| 1 | &lt;2> |" in md  # text, never raw HTML
    assert md.startswith("# T &lt;1>\n")
    assert "![Figure 1. A caption & more.](stem.png)" in md
    assert "**Figure 1.** A caption & more. (vector: [stem.pdf](stem.pdf))" in md
    html = to_html(doc, {"stem": PNG_1x2})
    assert "<title>T &lt;1&gt;</title>" in html and "<code>code</code>" in html
    assert '<td class="n">&lt;2&gt;</td>' in html
    assert '<img src="data:image/png;base64,' in html and 'width="0" height="1"' in html
    assert "<figcaption><b>Figure 1.</b> A caption &amp; more. " in html
    assert "(files <code>stem.png</code>, <code>stem.pdf</code>)" in html
    assert png_size(PNG_1x2) == (1, 2)
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(b"GIF89a" + bytes(20))


def _table(values: dict[str, list[float]]) -> pd.DataFrame:
    n = len(next(iter(values.values())))
    return pd.DataFrame(
        [{"replication": r, "strategy": s, "m": v[r]} for s, v in values.items() for r in range(n)]
    )


def test_leader_and_its_paired_lead():
    base = np.array([10.0, 12.0, 8.0, 11.0, 9.0])
    df = _table({"a": base, "b": base + 2.0, "c": base + 2.5 + np.array([1, -1, 1, -1, 0.0])})
    hi = lead(df, "m", higher_is_better=True)
    assert (hi.leader, hi.runner_up) == ("c", "b")
    assert hi.mean == pytest.approx(base.mean() + 2.5)
    assert hi.diff == pytest.approx(0.5)  # paired: c - b = 0.5 + (1, -1, 1, -1, 0)
    assert hi.diff_ci_low < 0 < hi.diff_ci_high and not hi.clear
    lo = lead(df, "m", higher_is_better=False)
    assert (lo.leader, lo.runner_up) == ("a", "b")
    # a is below b by exactly 2 in every replication: a zero-width interval, clearly ahead
    assert lo.diff == lo.diff_ci_low == lo.diff_ci_high == pytest.approx(-2.0)
    assert lo.clear


def test_a_single_strategy_has_no_runner_up():
    one = lead(_table({"a": [1.0, 2.0, 3.0]}), "m", True)
    assert one.leader == "a" and one.runner_up is None and math.isnan(one.diff)
    assert lead(_table({"a": [math.nan, math.nan]}), "m", True) is None


def test_numbers_side_by_side_share_their_decimals():
    # four significant digits of the largest, for all; thousands separated alike
    assert row_numbers([549.3, 496.0, 502.84]) == ["549.3", "496.0", "502.8"]
    assert row_numbers([3.276, 3.05]) == ["3.276", "3.050"]
    assert row_numbers([10378.4, 8632.2]) == ["10,378", "8,632"]
    assert row_numbers([0.0, 0.04321, math.nan], 100) == ["0", "4.321", "–"]
    assert shared_decimals([math.nan, 0.0]) is None
    assert num(3735.0) == "3,735"  # as 1,078 beside it, not 3735


def test_html_tables_may_wrap_long_names_and_intervals():
    doc = Document(
        "T",
        "i",
        [
            Section(
                "S",
                "s",
                [
                    Table(
                        ["decision_rule", "m"],
                        [["a_b", "1.5 [1.2, 1.8]"], ["c", "2.0 [1.0, 3.0] (n = 3)"]],
                        frozenset({1}),
                    )
                ],
            )
        ],
    )
    html = to_html(doc, {})
    assert "<th>decision_<wbr>rule</th>" in html and "<td>a_<wbr>b</td>" in html
    assert '<span class="m">1.5</span> <span class="ci">[1.2, 1.8]</span>' in html
    assert (
        '<span class="m">2.0</span> <span class="ci nk"><span>[1.0, 3.0]</span> '
        "<span>(n = 3)</span></span>" in html
    )
    assert "| a_b | 1.5 [1.2, 1.8] |" in to_markdown(doc)  # Markdown as it was


def _lead_at(leader: str, clear: bool) -> Lead:
    nan = math.nan
    return Lead("roise", True, leader, 1.0, nan, nan, 5, "x", nan, nan, nan, nan, clear)


def test_a_tie_for_most_design_points_names_every_strategy_in_it():
    found = [
        (0, _lead_at("insight", True)), (1, _lead_at("insight", False)),
        (2, _lead_at("push", True)), (3, _lead_at("need", False)), (4, _lead_at("need", False)),
    ]  # fmt: skip
    text = _leaders_sentence("ROISE", found)
    assert text.startswith("On ROISE, `insight` and `need` each have the best mean at 2 of 5")
    assert "at 1 and 0 of them respectively" in text and "other points: `push` at 1." in text
    one = _leaders_sentence("ROISE", found[:3])
    assert one.startswith("On ROISE, `insight` has the best mean at 2 of 3 design points; its")


def test_summary_marks_a_mean_over_fewer_replications():
    """Cost per win undefined where a strategy won nothing: its cell says over how
    many replications the mean is, and the text says what that leaves out."""
    from simsales.experiment.results import Results
    from simsales.reporting.sections import summary

    rows = []
    for r in range(5):
        for s in ("a", "b"):
            rows.append({
                "replication": r, "strategy": s, "conversion": 0.2 + 0.01 * r,
                "cost_per_win": float("nan") if (s == "b" and r < 2) else 0.3 + 0.01 * r,
            })  # fmt: skip
    section = summary(
        Results(pd.DataFrame(rows), {"config": {"name": "t", "seed": 0, "replications": 5}})
    )
    text, table = section.blocks
    assert isinstance(text, str) and isinstance(table, Table)
    cells = {row[0]: row for row in table.rows}
    cost = table.header.index(metric_label("cost_per_win")[0])
    assert cells["b"][cost].endswith("(n = 3)")
    assert "(n = " not in " ".join(cells["a"])
    assert "defined in only k of the replications" in text
    # a replication missing altogether (it failed) is not an undefined metric
    failed = pd.DataFrame([r for r in rows if r["replication"] >= 2])
    text, table = summary(
        Results(failed, {"config": {"name": "t", "seed": 0, "replications": 5}})
    ).blocks
    assert isinstance(table, Table) and "(n = " not in str(table.rows)
    assert "defined in only k" not in str(text)
