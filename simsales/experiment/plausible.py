"""Values that are valid but almost surely a mistake: money written in currency.

Money in simsales is in units of the offer's price (the price is 1): a seller
hour at 0.003 costs 0.3% of what one sale brings. A user who writes
``cost_per_hour = 150`` (euros, say) gets a valid experiment whose every sale
loses money many times over. Such values are warned about, not refused: the
run goes on, and the warning says which unit the key expects.

:func:`implausible_values` gives the warning lines; :func:`warn` issues them as
:class:`ImplausibleValueWarning` (a ``UserWarning``) for Python users, and the
command line prints them on stderr.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from simsales.experiment.config import Experiment
from simsales.experiment.design import Range

__all__ = ["MONEY", "ImplausibleValueWarning", "implausible_values", "warn"]


class ImplausibleValueWarning(UserWarning):
    """A value that validates but is very likely in the wrong unit."""


#: Money keys (units of the offer's price) -> (largest plausible value, what more would mean).
#: tests/test_messages.py checks that every key described as "units of price" is here.
MONEY: dict[str, tuple[float, str]] = {
    # A sale takes hours of selling (every built-in strategy spends several hours
    # on a buyer), so a seller hour costing more than the whole price makes every
    # sale cost several times what it brings: no real selling works like that.
    "sellers.cost_per_hour": (1.0, "a seller hour would cost more than a whole sale"),
    # The same holds for the success team's hours, spent on every won customer.
    "success.cost_per_hour": (1.0, "a success hour would cost more than a whole sale"),
    # Most leads are not won, so a lead costing more than the price makes the
    # leads of every win alone cost several prices.
    "market.lead_cost": (1.0, "a lead would cost more than a whole sale"),
    "lifecycle.referral_lead_cost": (1.0, "a referral lead would cost more than a whole sale"),
    # Switching costs (migration, training) are often of the order of the price,
    # sometimes a few times it; at ten prices no buyer changes unless its value
    # ratio is far above the default population's (median 4).
    "behaviour.switching_cost": (10.0, "changing would cost a buyer over ten times the price"),
    # Expansion is a share of the first deal added per term (default 0.3); ten
    # first deals' worth of expansion every term is a bigger company, not an upsell.
    "lifecycle.expansion_size": (10.0, "expansion would add over ten first deals every term"),
    # A loaded seller-year is a few prices for enterprise deals and up to a
    # hundred or so for small ones; a thousand sales' worth is a currency amount.
    "sellers.cost_per_year": (1000.0, "a seller-year would cost more than a thousand sales"),
    # Content and events cost cents to dollars per member reached, not a sale.
    "market.programme_cost": (1.0, "reaching one member would cost more than a whole sale"),
}


def _default(path: str) -> Any:
    table, key = path.split(".")
    model = Experiment.model_fields[table].annotation
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model.model_fields[key].default


def _values(exp: Experiment, path: str) -> Iterator[tuple[str, float]]:
    """Where ``path`` takes a value in ``exp``, and the value: its table, and the
    ends of a sweep, a sensitivity range, or an uncertain parameter's mean."""
    table, key = path.split(".")
    yield path, float(getattr(getattr(exp, table), key))
    if exp.sweep is not None and path in exp.sweep.parameters:
        spec = exp.sweep.parameters[path]
        values = [spec.low, spec.high] if isinstance(spec, Range) else spec
        where = f"sweep.parameters[{path!r}]"
        yield from ((where, float(v)) for v in values if isinstance(v, int | float))
    if exp.sensitivity is not None and path in exp.sensitivity.parameters:
        yield f"sensitivity.parameters[{path!r}].high", exp.sensitivity.parameters[path].high
    if path in exp.uncertain:
        yield f"uncertain[{path!r}] (mean)", exp.uncertain[path].mean


def implausible_values(exp: Experiment) -> list[str]:
    """``key = value: why it is implausible, and the unit expected`` for each money value
    that is implausibly large (see :data:`MONEY` for each key's bound and why).

    Examples
    --------
    >>> exp = Experiment(name="x", seed=1, sellers={"cost_per_hour": 150.0})
    >>> print(implausible_values(exp)[0])  # doctest: +ELLIPSIS
    sellers.cost_per_hour = 150: implausibly large, a seller hour would cost more than a...
    """
    lines = []
    for path, (bound, meaning) in MONEY.items():
        for where, value in _values(exp, path):
            if value > bound:
                lines.append(
                    f"{where} = {value:g}: implausibly large, {meaning}; money is in units "
                    f"of the offer's price (price = 1), so {value:g} looks like an amount in "
                    f"currency: divide it by the price (the default is {_default(path):g})"
                )
                break  # one line per key is enough
    return lines


def warn(lines: list[str]) -> None:
    """Issue each line as an :class:`ImplausibleValueWarning`, attributed to the first
    caller outside simsales (so the warning points at the user's code)."""
    package = str(Path(__file__).parents[1]) + os.sep
    level, frame = 1, sys._getframe()
    while frame.f_back is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    for line in lines:
        warnings.warn(line, ImplausibleValueWarning, stacklevel=level)
