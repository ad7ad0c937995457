"""From an experiment, its ``[calibrate]`` table and the data to a :class:`Setup`."""

from __future__ import annotations

import pandas as pd

from simsales.calibration.simulate import Setup
from simsales.experiment.calibrate import Calibrate
from simsales.experiment.config import Experiment
from simsales.seeding import calibration_seed

__all__ = ["make_setup"]

#: Tables of the experiment the calibration's simulations do not use.
_NOT_SIMULATED = {
    "sweep",
    "sensitivity",
    "uncertain",
    "claims",
    "where",
    "calibrate",
    "data",
    "compare",
}


def make_setup(
    config: Experiment, spec: Calibrate, frame: pd.DataFrame, targets: tuple[str, ...]
) -> Setup:
    """The calibration's experiment: one strategy, the data's span, its own seed.

    The horizon becomes the data's span (first opening to the export date), so
    a simulated export covers the same months as the data; the post-sale
    observation window is kept at least that long.

    Raises
    ------
    ValueError
        If ``strategy`` names no strategy of the file, or is missing while the
        file has several; or a parameter path does not exist.
    """
    names = config.strategy_names
    if spec.strategy is None:
        if len(names) != 1:
            raise ValueError(
                f"calibrate.strategy: the file has {len(names)} strategies "
                f"({', '.join(names)}); name the one the data were sold with"
            )
        chosen = config.strategies[0]
    else:
        if spec.strategy not in names:
            raise ValueError(
                f"calibrate.strategy: {spec.strategy!r} is not one of the file's strategies "
                f"({', '.join(names)})"
            )
        chosen = config.strategies[names.index(spec.strategy)]
    start = pd.Timestamp(frame["opened"].min()).normalize()
    span = float((pd.Timestamp(frame.attrs["as_of"]).normalize() - start).days)
    if span < 30:
        raise ValueError(f"the data span {span:g} days; at least 30 are needed to fit a funnel")
    raw = config.model_dump(mode="json", exclude=_NOT_SIMULATED)
    raw["strategies"] = [chosen.model_dump(mode="json")]
    raw["horizon_days"] = span
    raw["seed"] = calibration_seed(config.seed)
    end = raw.get("lifecycle", {}).get("end_days")
    if end is not None and end < span:
        raw["lifecycle"]["end_days"] = span
    base = Experiment.model_validate(raw)
    base._module_folder = config._module_folder
    params = tuple(spec.parameters)
    base.at({p: spec.parameters[p].mean for p in params})  # every path exists and is numeric
    return Setup(base, params, targets, start)
