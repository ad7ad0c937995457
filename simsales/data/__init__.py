"""Real funnels: reading a CRM opportunity export and describing it.

:func:`read_opportunities` reads an export into the canonical frame (one row per
opportunity, open ones right-censored); :func:`funnel_statistics` gives the
statistics a calibration compares with the simulator's; :func:`describe` is what
``simsales data`` prints. Nothing here imports the simulator.

The names are imported when first used (PEP 562): the experiment schema uses
:class:`DataSpec` without loading pandas or scipy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_PUBLIC: dict[str, str] = {
    "CRMError": "simsales.data.crm",
    "Problem": "simsales.data.crm",
    "read_opportunities": "simsales.data.crm",
    "describe": "simsales.data.funnel",
    "funnel_statistics": "simsales.data.funnel",
    "win_rate_interval": "simsales.data.funnel",
    "PRESETS": "simsales.data.spec",
    "ColumnMap": "simsales.data.spec",
    "DataSpec": "simsales.data.spec",
    "OutcomeMap": "simsales.data.spec",
}

__all__ = [
    "PRESETS",
    "CRMError",
    "ColumnMap",
    "DataSpec",
    "OutcomeMap",
    "Problem",
    "describe",
    "funnel_statistics",
    "read_opportunities",
    "win_rate_interval",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use, and keep it in the module."""
    try:
        module = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'simsales.data' has no attribute {name!r}") from None
    found = getattr(import_module(module), name)
    globals()[name] = found
    return found


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})


if TYPE_CHECKING:  # what type checkers and IDEs see
    from simsales.data.crm import CRMError, Problem, read_opportunities
    from simsales.data.funnel import describe, funnel_statistics, win_rate_interval
    from simsales.data.spec import PRESETS, ColumnMap, DataSpec, OutcomeMap
