"""The calibration's report: ``report.md`` and ``report.html`` in its folder.

Built from the stored files of ``simsales calibrate`` (``calibration.json``,
``estimate.csv``, ``check.csv``, ``targets.csv`` and the two charts), so it
can be written again without simulating anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from simsales.reporting.document import Document, Image, Section, Table
from simsales.reporting.render import to_html, to_markdown
from simsales.store.files import atomic_write

__all__ = ["calibration_document", "write_calibration_report"]

_METHODS = {"msm": "the method of simulated moments", "abc": "ABC-SMC"}


def _g(x: object) -> str:
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float | int):
        return f"{x:.4g}"
    return str(x)


def _table(frame: pd.DataFrame, columns: dict[str, str]) -> Table:
    rows = [[_g(v) for v in row] for row in frame[list(columns)].itertuples(index=False)]
    numeric = frozenset(
        k for k, c in enumerate(columns) if pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
    )  # fmt: skip
    return Table(list(columns.values()), rows, numeric)


def calibration_document(folder: Path) -> Document:
    """The report of the calibration stored in ``folder``."""
    info = json.loads((folder / "calibration.json").read_text())
    estimate = pd.read_csv(folder / "estimate.csv")
    check = pd.read_csv(folder / "check.csv")
    targets = pd.read_csv(folder / "targets.csv")
    intro = (
        f"{len(info['parameters'])} parameters of the {info['strategy']} strategy of "
        f"{info['experiment']}, fitted by {_METHODS[info['method']]} to "
        f"{info['opportunities']} opportunities ({info['data_source']}, as of "
        f"{info['as_of']}); {info['simulations']} simulated exports "
        f"({info['resumed_simulations']} resumed) in {info['wall_seconds']:.0f} s on the "
        f"{info.get('engine', 'simpy')} engine"
        + (f" ({info['engine_note']})." if info.get("engine_note") else ".")
    )
    findings = Section("Findings", "findings", [*info["findings"]])
    params = Section(
        "Parameters",
        "parameters",
        [
            "Identification is the posterior spread over the prior's: below 0.5 the data "
            "identify the parameter, from 0.5 to 0.9 weakly, from 0.9 not at all (the value "
            "is then the prior speaking).",
            _table(
                estimate,
                {
                    "parameter": "parameter",
                    "estimate": "estimate",
                    "se": "se or sd",
                    "lo90": "5%",
                    "hi90": "95%",
                    "width_ratio": "spread / prior's",
                    "identification": "identification",
                },
            ),
            Image(
                "calibration_pairs",
                "The posterior over each pair of parameters, within their search ranges.",
            ),
        ],
    )
    fit = Section(
        "Fit check",
        "fit-check",
        [
            "Each target's value in the data (with its 90% bootstrap interval) against the "
            "5–95% range of exports simulated from the fitted parameters. A value outside it "
            "is a target the model does not reproduce at the fit.",
            _table(
                check,
                {
                    "target": "target",
                    "data": "data",
                    "data_lo90": "data 5%",
                    "data_hi90": "data 95%",
                    "sim_p05": "simulated 5%",
                    "sim_p50": "simulated 50%",
                    "sim_p95": "simulated 95%",
                    "inside": "inside",
                },
            ),
            Image("calibration_check", "Data against exports simulated from the fit."),
        ],
    )
    data = Section(
        "Targets",
        "targets",
        [
            "The fitted statistics of the data, with Poisson-bootstrap standard errors and "
            "90% intervals.",
            _table(
                targets, {"target": "target", "data": "data", "se": "se", "lo": "5%", "hi": "95%"}
            ),
        ],
    )
    return Document(f"Calibration of {info['experiment']}", intro, [findings, params, fit, data])


def write_calibration_report(folder: Path) -> list[Path]:
    """Write ``report.md`` and ``report.html`` into ``folder``; returns both paths."""
    doc = calibration_document(folder)
    pngs = {img.stem: (folder / f"{img.stem}.png").read_bytes() for img in doc.images()}
    md, html = to_markdown(doc), to_html(doc, pngs)
    paths = [folder / "report.md", folder / "report.html"]
    atomic_write(paths[0], lambda p: p.write_text(md, encoding="utf-8"))
    atomic_write(paths[1], lambda p: p.write_text(html, encoding="utf-8"))
    return paths
