"""Write ``report.md`` and ``report.html`` for a results folder."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from functools import partial
from pathlib import Path

from simsales.experiment.config import unknown_metrics
from simsales.labels import metric_label, parameter_label
from simsales.plots import regions
from simsales.plots import sensitivity_charts as sens_charts
from simsales.plots.captioned import Chart, caption_end, result_styles
from simsales.plots.forest import forest_chart
from simsales.plots.result_charts import result_charts
from simsales.plots.style import Style, split_unit
from simsales.plots.writing import processes, write_charts
from simsales.reporting import best_section, experiment_section, sections
from simsales.reporting.document import Document, Section
from simsales.reporting.extras import Extras, ReportError, read_extras, sensitivity_method
from simsales.reporting.pairs import report_comparisons
from simsales.reporting.render import to_html, to_markdown
from simsales.reporting.where import read_where, where_section
from simsales.store.files import atomic_write
from simsales.store.results import Results, load_results, not_results

__all__ = ["extra_charts", "write_report"]

#: Names of the report files.
HTML, MARKDOWN = "report.html", "report.md"


def _sensitivity_charts(extras: Extras, styles: Mapping[str, Style] | None = None) -> list[Chart]:
    table = extras.sensitivity
    if table is None:
        return []
    method = sensitivity_method(table)
    strategies = ", ".join(map(str, table["strategy"].unique()))
    out = []
    for metric in map(str, table["metric"].unique()):
        label, scale = metric_label(metric)
        if method == "sobol":
            out.append(
                Chart(
                    f"sobol_{metric}",
                    f"First-order (S1) and total (ST) Sobol indices of {label} for each "
                    f"parameter, one panel per strategy ({strategies}); whiskers are 95% CIs.",
                    partial(
                        sens_charts.sobol_chart, table, metric, split_unit(label)[0], styles=styles
                    ),
                )
            )
        else:
            out.append(
                Chart(
                    f"morris_{metric}",
                    f"Morris screening of {label}: μ* (overall influence) against σ "
                    f"(non-linearity, interactions) per parameter, one panel per strategy "
                    f"({strategies}); whiskers are 95% CIs of μ*.",
                    partial(sens_charts.morris_chart, table, metric, label, scale, styles=styles),
                )
            )
    return out


def _robustness_chart(
    extras: Extras, order: list[str], styles: Mapping[str, Style] | None = None
) -> Chart | None:
    worlds = extras.robustness
    if worlds is None:
        return None
    shown = regions.map_axes(worlds, extras.boxes)
    boxes = " and PRIM boxes (dashed)" if extras.boxes else ""
    return Chart(
        "win_regions",
        f"Each of the {len(worlds)} plausible worlds at its value of "
        f"{' and '.join(shown)}, coloured and shaped by the strategy best there{boxes}.",
        partial(
            regions.win_region_chart,
            worlds,
            extras.boxes,
            x=shown[0],
            y=shown[1] if len(shown) > 1 else None,
            order=order,
            labels={p: parameter_label(p) for p in shown},
            styles=styles,
        ),
    )


def extra_charts(
    extras: Extras, order: list[str], styles: Mapping[str, Style] | None = None
) -> list[Chart]:
    """Charts of the optional inputs: sensitivity indices and the win-region map."""
    found = _sensitivity_charts(extras, styles)
    robust = _robustness_chart(extras, order, styles)
    return found + ([robust] if robust else [])


def _n_points(results: Results) -> int:
    reps = results.replications
    return int(reps["point"].nunique()) if "point" in reps.columns else 1


def _draw(
    directory: Path, charts: list[Chart], keep: Collection[str], workers: int
) -> dict[str, bytes]:
    """Write each chart's PNG and PDF (except those in ``keep`` that exist), by up to
    ``workers`` processes at once; PNG bytes."""

    def drawn(c: Chart) -> bool:
        png, pdf = directory / f"{c.stem}.png", directory / f"{c.stem}.pdf"
        return c.stem in keep and png.is_file() and pdf.is_file()

    write_charts([c for c in charts if not drawn(c)], directory, workers)
    return {c.stem: (directory / f"{c.stem}.png").read_bytes() for c in charts}


def write_report(
    directory: str | Path,
    results: Results | None = None,
    *,
    keep: Collection[str] = (),
    metrics: Sequence[str] | None = None,
    workers: int | None = None,
) -> tuple[Path, Path]:
    """Write ``report.html`` (self-contained) and ``report.md`` into a results folder.

    The report has: the experiment as run (settings, strategies, versions),
    the summary table, the paired comparisons, the best-strategy statement,
    sensitivity and robustness sections when ``sensitivity.csv`` or
    ``robustness_worlds.csv`` are in the folder (see :mod:`simsales.reporting.extras`),
    the section "Where the claim holds" when ``where/claims.json`` is
    (:mod:`simsales.reporting.where`),
    every chart with a one-line caption, and an appendix of every metric. It
    reads stored results only and never runs the model.

    Parameters
    ----------
    directory : path
        The results folder (written by ``simsales run`` or :meth:`Results.save`).
        Charts are written there as PNG (300 dpi) and PDF; the Markdown refers
        to them, the HTML embeds them.
    results : Results, optional
        The results, if already in memory (``directory`` is then created if
        needed); default read from ``directory``.
    keep : collection of str
        Stems of charts already drawn in ``directory`` from these very results
        (e.g. by :meth:`Results.save` just before), kept as they are; every
        other chart is drawn.
    metrics : sequence of str, optional
        Metrics to chart (violins and ECDFs, or sweep charts) instead of the
        experiment's ``chart_metrics``.
    workers : int, optional
        Processes that draw charts at once; default all cores
        (:func:`simsales.plots.writing.write_charts`). The files are the same
        whatever ``workers``.

    Returns
    -------
    (Path, Path)
        ``report.html`` and ``report.md``.

    Raises
    ------
    ReportError
        If ``directory`` holds no results, an optional input is malformed, or a
        metric is not a metric name.
    ValueError
        If ``workers`` is below 1.
    """
    problem = unknown_metrics(metrics or [])
    if problem:
        raise ReportError(f"metrics: {problem}")
    n_workers = processes(workers)
    d = Path(directory)
    if results is None:
        problem = not_results(d)
        if problem:
            raise ReportError(problem)
        results = load_results(d)
    else:
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ReportError(f"{str(d)!r}: cannot create or use it as a folder ({e})") from None
    try:
        extras = read_extras(d, results.results_id)
    except ReportError as e:  # its message starts with the file's name: give its folder too
        raise ReportError(os.path.join(d, str(e))) from None
    order = [str(s) for s in results.replications["strategy"].unique()]
    styles = result_styles(results)
    standard = result_charts(results, list(metrics) if metrics is not None else None)
    forest = next((c for c in standard if c.stem == "paired_differences"), None)
    others = [c for c in standard if c is not forest]
    comp = report_comparisons(results)
    if forest is None and not comp.table.empty:
        labels = {str(m): metric_label(str(m)) for m in comp.table["metric"].unique()}
        forest = Chart(
            "paired_differences",
            f"Paired differences between each strategy and {comp.reference} on the same "
            "customers: mean over replications with its 95% confidence interval, one panel "
            "per metric, each row in the colour of its strategy." + caption_end(results),
            partial(forest_chart, comp.table, labels, styles=styles),
        )
        standard = [*standard, forest]
    sens = _sensitivity_charts(extras, styles)
    robust = _robustness_chart(extras, order, styles)
    charts = [*standard, *sens, *([robust] if robust else [])]
    pngs = _draw(d, charts, keep, n_workers)
    where = read_where(d, results.results_id)
    if where is not None:
        pngs.update(where.pngs)
    parts: list[Section | None] = [
        experiment_section.experiment(results),
        sections.ignored_files(extras),
        sections.summary(results),
        sections.comparisons(comp, forest, _n_points(results)),
        best_section.best_strategy(results, extras),
        where_section(where),
        sections.sensitivity(extras, sens),
        sections.robustness(extras, robust, order),
        sections.charts_section(others),
        sections.appendix(results),
    ]
    doc = Document(
        f"simsales report: {results.name}",
        f"Results of the experiment `{results.name}`, read from the files in this folder "
        "(`manifest.json`, `replications.parquet`, `summary.csv` and the others named below).",
        [p for p in parts if p is not None],
    )
    html_path, md_path = d / HTML, d / MARKDOWN
    text_md = to_markdown(doc)
    text_html = to_html(doc, pngs)
    atomic_write(md_path, lambda p: p.write_text(text_md, encoding="utf-8"))
    atomic_write(html_path, lambda p: p.write_text(text_html, encoding="utf-8"))
    return html_path, md_path
