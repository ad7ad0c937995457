"""The report of stored results: sections, captions, self-contained HTML, CLI and API."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

import simsales
from simsales.analysis.paired import paired_differences
from simsales.cli import app
from simsales.plots.result_charts import result_charts
from simsales.reporting import ReportError, write_report
from simsales.reporting.document import with_ci
from simsales.reporting.outputs import save_results
from simsales.reporting.pairs import report_comparisons
from simsales.reporting.render import png_size
from simsales.store.folder import stamp

import blank_charts
import synthetic
from worlds import small_experiment

SECTIONS = ["experiment", "summary", "comparisons", "best", "charts", "appendix"]
EXTRA_SECTIONS = ["sensitivity", "robustness"]


class Page(HTMLParser):
    """What a browser would fetch or show: tags with src/href, images, captions, sections."""

    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[dict[str, str]] = []
        self.refs: list[tuple[str, str, str]] = []
        self.sections: list[str] = []
        self.h2: list[str] = []
        self.captions: list[str] = []
        self.tags: set[str] = set()
        self._in: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        for key in ("src", "href", "data", "srcset", "poster", "action"):
            if key in a:
                self.refs.append((tag, key, a[key]))
        if tag == "img":
            self.imgs.append(a)
        if tag == "section":
            self.sections.append(a["id"])
        if tag in ("h2", "figcaption"):
            self._in, self._text = tag, []

    def handle_data(self, data):
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == self._in:
            text = "".join(self._text).strip()
            (self.h2 if tag == "h2" else self.captions).append(text)
            self._in = None


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("report")
    synthetic.write_folder(d)
    return d


@pytest.fixture(scope="module")
def written(folder):
    with blank_charts.real():  # its images are checked
        html_path, md_path = write_report(folder)
    return folder, html_path, md_path


def _expected_captions(folder: Path) -> dict[str, str]:
    from simsales.reporting.extras import read_extras
    from simsales.reporting.write import extra_charts

    res = simsales.load_results(folder)
    charts = result_charts(res) + extra_charts(read_extras(folder), synthetic.STRATEGIES)
    return {c.stem: c.caption for c in charts}


def test_html_is_self_contained_and_every_image_decodes(written):
    folder, html_path, _ = written
    page = parse(html_path)
    assert not {"script", "link", "iframe", "object", "embed"} & page.tags
    for tag, _attr, value in page.refs:  # nothing outside the page itself
        assert value.startswith("#") or value.startswith("data:image/png;base64,"), (tag, value)
    expected = _expected_captions(folder)
    assert len(page.imgs) == len(expected) == 12
    for img in page.imgs:
        data = base64.b64decode(img["src"].removeprefix("data:image/png;base64,"), validate=True)
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
        stem = next(s for s, c in expected.items() if img["alt"].endswith(c))
        assert data == (folder / f"{stem}.png").read_bytes()  # the chart file, embedded
        w, h = png_size(data)
        assert (int(img["width"]), int(img["height"])) == (round(w * 96 / 300), round(h * 96 / 300))


def test_every_section_and_caption_is_in_both_files(written):
    folder, html_path, md_path = written
    page = parse(html_path)
    md = md_path.read_text(encoding="utf-8")
    assert page.sections == SECTIONS[:4] + EXTRA_SECTIONS + SECTIONS[4:]
    for title in page.h2:
        assert f"## {title}" in md
    expected = _expected_captions(folder)
    shown = [c.split(". ", 1)[1] for c in page.captions]  # "Figure n. caption (files ...)"
    # the charts section says each chart is in the folder "under the name shown": it is
    named = [f"{c} (files {s}.png, {s}.pdf)" for s, c in expected.items()]
    assert sorted(shown) == sorted(named)
    for stem, caption in expected.items():
        assert f"{caption} (vector: [{stem}.pdf]({stem}.pdf))" in md
        assert f"]({stem}.png)" in md and (folder / f"{stem}.png").is_file()
        assert (folder / f"{stem}.pdf").read_bytes()[:5] == b"%PDF-"
    for text in ("root seed", "| 7 |", "sellers.team_size", "insight vs push", "S1", "PRIM"):
        assert text in md, text


def test_summary_and_comparisons_show_the_stored_numbers(written):
    folder, _, md_path = written
    md = md_path.read_text(encoding="utf-8")
    summary = pd.read_csv(folder / "summary.csv")
    row = summary[(summary["strategy"] == "insight") & (summary["metric"] == "conversion")].iloc[0]
    assert with_ci(row["mean"], row["ci_low"], row["ci_high"], 100) in md
    comp = pd.read_csv(folder / "comparisons.csv")
    r = comp[(comp["a"] == "insight") & (comp["metric"] == "roise")].iloc[0]
    assert with_ci(r["diff"], r["diff_ci_low"], r["diff_ci_high"], signed=True) in md


def test_best_strategy_is_computed_from_the_replications(written):
    folder, _, md_path = written
    md = md_path.read_text(encoding="utf-8")
    reps = pd.read_parquet(folder / "replications.parquet")
    # synthetic ROISE: insight 3.5, push 3.0, coaching 2.5 on shared worlds
    d = paired_differences(reps, [("insight", "push")], ["roise"]).iloc[0]
    m = reps.loc[reps["strategy"] == "insight", "roise"]
    assert "`insight` has the highest mean over 12 replications" in md
    assert f"{m.mean():.3f}"[:4] in md
    lead = with_ci(d["diff"], d["diff_ci_low"], d["diff_ci_high"])
    lo, hi = lead.split(" [")[1].rstrip("]").split(", ")
    assert f"the runner-up, `push`, by {lead.split(' [')[0]} (95% CI {lo} to {hi})" in md
    assert d["diff_ci_low"] > 0 and "the lead is clear at the 95% level" in md


@pytest.mark.render  # the same charts drawn again are the same bytes
def test_report_reads_files_only_and_is_reproducible(written, monkeypatch, tmp_path):
    import simsales.runner.replications as runner

    def forbidden(*a, **k):
        raise AssertionError("the report must not run the model")

    monkeypatch.setattr(runner, "run_replications", forbidden)
    monkeypatch.setattr(runner, "run_replication", forbidden)
    folder, html_path, md_path = written
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    html2, md2 = simsales.report(copy)  # the public API, from the stored files
    assert html2.read_bytes() == html_path.read_bytes()
    assert md2.read_bytes() == md_path.read_bytes()


def _sweep_folder(tmp_path: Path) -> tuple[Path, simsales.Results]:
    res = synthetic.sweep_results(
        np.random.default_rng(4), {synthetic.RATE: [1.0, 2.0], "sellers.team_size": [2, 4]}
    )
    return save_results(res, tmp_path / "sweep", with_charts=False), res


def test_report_of_a_sweep_from_the_command_line(tmp_path):
    d, _ = _sweep_folder(tmp_path)
    res = CliRunner().invoke(app, ["report", str(d)])
    assert res.exit_code == 0, res.output
    assert "report written to" in res.output
    md = (d / "report.md").read_text()
    assert "heatmap_conversion.png" in md and "heatmap_cost_of_sale.png" in md
    assert len(parse(d / "report.html").imgs) == 2
    assert "design points;" in md and "over the runner-up exclude" in md
    assert "## Appendix" not in md and "in the appendix" not in md  # no promise of one
    # each design point is named by its number and one column per swept parameter
    names = f"| design point | {synthetic.RATE} | sellers.team_size |"
    assert f"{names} strategy |" in md and f"{names} leader |" in md
    assert "| 0 | 1 | 2 |" in md and "| 3 | 2 | 4 |" in md


def test_report_draws_with_the_workers_asked_for_and_refuses_fewer_than_one(tmp_path, monkeypatch):
    import simsales.reporting.write as write_module

    asked = []
    real = write_module.write_charts

    def recording(charts, directory, workers=1):
        asked.append(workers)
        real(charts, directory, workers)

    monkeypatch.setattr(write_module, "write_charts", recording)
    d, _ = _sweep_folder(tmp_path)
    for workers in ("1", "2"):
        res = CliRunner().invoke(app, ["report", str(d), "--workers", workers])
        assert res.exit_code == 0, res.output
    assert asked == [1, 2]
    assert (d / "heatmap_conversion.pdf").is_file()
    res = CliRunner().invoke(app, ["report", str(d), "--workers", "0"], env={"COLUMNS": "200"})
    assert res.exit_code == 2
    assert "Invalid value for '--workers': Input should be greater than or equal to 1" in (
        res.output
    )


def test_selections_replace_the_computed_statement_side_by_side(tmp_path):
    d, res = _sweep_folder(tmp_path)
    for metric, text in (("conversion", "Coaching wins."), ("cost_per_win", "Push is cheapest.")):
        (d / f"selection_{metric}.json").write_text(json.dumps({"statement": text}))
    stamp(d, ["selection_conversion.json", "selection_cost_per_win.json"], res.results_id)
    _, md_path = simsales.report(d, res)  # results in memory
    md = md_path.read_text()
    assert "Coaching wins." in md and "Push is cheapest." in md and "has the best mean" not in md
    assert "(From `selection_cost_per_win.json`.)" in md
    assert "## Sensitivity" not in md and "## Robustness" not in md


def test_analysis_files_of_other_results_are_left_out_and_named(tmp_path):
    d, res = _sweep_folder(tmp_path)
    (d / "selection_conversion.json").write_text(json.dumps({"statement": "Stale claim."}))
    stamp(d, ["selection_conversion.json"], "another-results-id")
    (d / "selection_roise.json").write_text(json.dumps({"statement": "Hand-made claim."}))
    (d / "selection.json").write_text(json.dumps({"statement": "Old single file."}))
    _, md_path = simsales.report(d, res)
    md = md_path.read_text()
    assert "Stale claim." not in md and "Hand-made claim." not in md and "Old single" not in md
    assert "has the best mean" in md  # the statement computed from the results themselves
    files_left_out = md.split("## Files left out", 1)[1].split("\n## ", 1)[0]
    for name in ("selection_conversion.json", "selection_roise.json", "selection.json"):
        assert f"`{name}`" in files_left_out
    assert "computed from other results" in files_left_out
    assert "no record of the results it was computed from" in files_left_out


def test_without_declared_comparisons_each_strategy_meets_the_first():
    rng = np.random.default_rng(8)
    res = simsales.Results(
        synthetic.replications(rng), synthetic.manifest(synthetic.config(compare=[]))
    )
    comp = report_comparisons(res)
    assert not comp.declared and comp.reference == "push"
    assert list(zip(comp.table["a"], comp.table["b"], strict=True)) == [
        ("insight", "push"), ("insight", "push"),
        ("decision_coaching", "push"), ("decision_coaching", "push"),
    ]  # fmt: skip
    wide = res.replications.pivot(index="replication", columns="strategy", values="roise")
    row = comp.table[(comp.table["a"] == "insight") & (comp.table["metric"] == "roise")].iloc[0]
    assert row["diff"] == pytest.approx((wide["insight"] - wide["push"]).mean())
    declared = simsales.Results(res.replications, synthetic.manifest(synthetic.config()))
    assert report_comparisons(declared).declared


# ---------------------------------------------------------------------- bad input
def test_bad_inputs_name_the_file_and_what_is_allowed(tmp_path):
    with pytest.raises(ReportError, match="not a results folder"):
        write_report(tmp_path)
    d = tmp_path / "r"
    synthetic.write_folder(d, extras=False)
    pd.DataFrame({"strategy": ["a"], "metric": ["m"], "parameter": ["p"], "S1": [0.1]}).to_csv(
        d / "sensitivity.csv", index=False
    )
    # malformed files recorded as computed from these results (else they are left out)
    source = simsales.load_results(d).results_id
    stamp(d, [*synthetic.EXTRAS, "selection_conversion.json"], source)
    with pytest.raises(ReportError, match=r"sensitivity\.csv: needs the Sobol columns.*S1_conf"):
        write_report(d)
    (d / "sensitivity.csv").unlink()
    pd.DataFrame({"strategy": ["push"], "parameter": ["a.b"], "low": [2.0], "high": [1.0]}).to_csv(
        d / "robustness_boxes.csv", index=False
    )
    with pytest.raises(ReportError, match=r"'push', 'a\.b' needs low <= high"):
        write_report(d)
    (d / "robustness_boxes.csv").unlink()
    pd.DataFrame({"a.b": [1.0]}).to_csv(d / "robustness_worlds.csv", index=False)
    with pytest.raises(ReportError, match="needs a 'best' column"):
        write_report(d)
    (d / "robustness_worlds.csv").unlink()
    (d / "selection_conversion.json").write_text('["insight"]')
    with pytest.raises(
        ReportError, match=r'selection_conversion\.json: needs an object \{"statement"'
    ):
        write_report(d)


def test_cli_report_exits_2_on_bad_input(tmp_path):
    cli = CliRunner()
    res = cli.invoke(app, ["report", str(tmp_path / "missing")])
    assert res.exit_code == 2 and "is not a folder" in res.output
    res = cli.invoke(app, ["report", str(tmp_path)])
    assert res.exit_code == 2 and "not a results folder" in res.output


def test_report_charts_the_metrics_asked_for(tmp_path):
    """`--metrics` (repeatable) replaces the experiment's chart_metrics in the report;
    an unknown metric exits 2 naming it, and nothing is written."""
    d = tmp_path / "r"
    synthetic.write_folder(d, extras=False)
    cli = CliRunner()
    args = ["report", str(d), "--metrics", "cost_per_win", "--metrics", "revenue_total"]
    res = cli.invoke(app, args)
    assert res.exit_code == 0, res.output
    md = (d / "report.md").read_text()
    for stem in ("cost_per_win", "cost_per_win_ecdf", "revenue_total", "revenue_total_ecdf"):
        assert f"]({stem}.png)" in md and (d / f"{stem}.pdf").is_file()
    assert "](conversion.png)" not in md
    assert "Cost per win (units of price) in each replication" in md
    assert "Experiment gallery, 12 replications." in md
    bad = tmp_path / "bad"
    synthetic.write_folder(bad, extras=False)
    before = sorted(p.name for p in bad.iterdir())
    res = cli.invoke(app, ["report", str(bad), "--metrics", "cost_per_wn", "--metrics", "joy"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "--metrics: unknown metric(s) 'cost_per_wn' (did you mean 'cost_per_win'?), 'joy'" in (
        res.output
    )
    assert sorted(p.name for p in bad.iterdir()) == before
    with pytest.raises(ReportError, match="metrics: unknown metric"):
        write_report(bad, metrics=["joy"])


def test_run_writes_the_report_unless_told_not_to(tmp_path):
    exp = tmp_path / "exp.toml"
    cfg = small_experiment(replications=2, horizon_days=15.0)
    exp.write_text(
        f'name = "r"\nseed = {cfg["seed"]}\nreplications = 2\nhorizon_days = 15.0\n'
        '[[strategies]]\nname = "push"\n[[strategies]]\nname = "insight"\n'
    )
    cli = CliRunner()
    res = cli.invoke(app, ["run", str(exp), "-o", str(tmp_path / "a"), "--workers", "1"])
    assert res.exit_code == 0, res.output
    page = parse(tmp_path / "a" / "report.html")
    assert page.sections == SECTIONS and len(page.imgs) == 9  # 8 charts + the forest plot
    md = (tmp_path / "a" / "report.md").read_text()
    assert "compared with the first in the file, `push`" in md
    res = cli.invoke(
        app, ["run", str(exp), "-o", str(tmp_path / "b"), "--workers", "1", "--no-report"]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "b" / "summary.csv").is_file()
    assert not (tmp_path / "b" / "report.html").exists()
    assert not (tmp_path / "b" / "report.md").exists()


class Reader(HTMLParser):
    """What a reader sees: the visible text, the links of the contents and the ids."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self._skip = False

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href", "").startswith("#"):
            self.links.append(a["href"][1:])
        self._skip = tag in ("style", "title")

    def handle_endtag(self, tag):
        self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _read(path: Path) -> Reader:
    reader = Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    return reader


UNDEFINED = re.compile(r"\b(nan|NaN|None|null|inf)\b")


def test_contents_links_resolve_and_no_undefined_value_shows(written, tmp_path):
    d, _ = _sweep_folder(tmp_path)
    write_report(d)
    for folder in (written[0], d):
        reader = _read(folder / "report.html")
        assert len(reader.links) >= 5 and set(reader.links) <= reader.ids
        text = " ".join(reader.text)
        md = (folder / "report.md").read_text(encoding="utf-8")
        for shown in (text, md):
            assert not UNDEFINED.findall(shown), UNDEFINED.findall(shown)[:5]


def test_a_sweep_names_a_switch_true_or_false_and_says_why_there_are_no_comparisons(tmp_path):
    grid = {synthetic.RATE: [1.0, 2.0], "behaviour.urgency_framing": [False, True]}
    res = synthetic.sweep_results(np.random.default_rng(5), grid)
    reps = res.replications
    reps["behaviour.urgency_framing"] = reps["behaviour.urgency_framing"].astype(bool)
    d = save_results(res, tmp_path / "switch", with_charts=False)
    _, md_path = write_report(d)
    md = md_path.read_text()
    # as the heatmap's axis says it, not 0/1 (a NumPy bool read back from the table)
    assert "| 0 | 1 | False |" in md and "| 3 | 2 | True |" in md
    assert "| 1 | 1 | 1 |" not in md
    assert "it is a sweep of 4 design points" in md


def test_a_metric_undefined_for_every_strategy_is_named_not_shown_as_dashes(tmp_path):
    rng = np.random.default_rng(6)
    reps = synthetic.replications(rng).assign(churn_rate=np.nan)  # e.g. lifecycle off
    res = simsales.Results(reps, synthetic.manifest(synthetic.config()))
    d = save_results(res, tmp_path / "nochurn", with_charts=False)
    md = write_report(d)[1].read_text()
    summary = md.split("## Summary", 1)[1].split("## Paired", 1)[0]
    assert "Undefined for every strategy, so not shown: churn rate (%)." in summary
    assert "churn rate" not in summary.split("\n|", 1)[1]  # not a column of the table
    assert "| churn rate (%) | – | – | – |" in md  # the appendix still lists it
