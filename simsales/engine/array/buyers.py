"""The buyers of an array engine's batch: one row each, struct of arrays.

Every field of a :class:`~simsales.model.buyer.Buyer` (and of its account after
the sale) is an array over the batch's buyers; per-stakeholder fields are
``(B, S)`` arrays padded to the largest group. Rows are added as leads appear
(referrals), so the arrays grow by doubling. :meth:`Buyers.view` gathers the
fields the valuation rules read (:mod:`simsales.model.valuation`) for some rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from simsales.model import equations
from simsales.model.behaviour import Behaviour
from simsales.model.group import tk_weight
from simsales.model.population import Traits
from simsales.model.xp import ARRAY

__all__ = ["Buyers", "Rows"]

Rows = npt.NDArray[np.int64]

_INT = (
    "cell", "strategy", "phase", "orbit", "max_orbit", "refusals", "rejections", "stalls",
    "interactions", "n", "source", "ending", "referrals", "renewals", "slot", "member",
)  # fmt: skip
_FLOAT = (
    "t", "t_advocate", "r", "k", "trust", "urgency", "indecision", "patience", "rival_edge",
    "hour_factor", "halo", "revealed", "tailor", "internalisation", "hours", "arrival",
    "last_progress", "lead_cost", "gap", "pending_hours", "end", "won_at", "post_hours",
    "revenue_expansion", "revenue_renewal", "adoption", "expectation", "renewal_due",
    "internalisation_end", "qualified_at",
)  # fmt: skip
_BOOL = (
    "rival", "needs_shared", "chose_us", "timed_out", "churned", "expanded", "referring",
    "void",
)  # fmt: skip
_GROUP = ("bias", "ea", "eb", "precision", "lam", "p_success", "w_rival", "w_ours")
#: The fields the valuation rules read, gathered by :meth:`Buyers.view`.
_VALUED = (
    "r", "k", "tailor", "revealed", "rival_edge", "urgency", "n", "w_rival", "w_ours", "ea",
    "eb", "lam",
)  # fmt: skip


class Buyers:
    """The rows of a batch's buyers.

    Parameters
    ----------
    behaviour : Behaviour
        The mechanisms' parameters (the batch's; see ``per_cell``).
    width : int
        Stakeholder columns (the largest group of the batch's populations).
    per_cell : dict, optional
        Fields of ``behaviour`` whose value differs between the batch's cells: each
        an array of one value per cell (:meth:`par` reads them).
    """

    def __init__(
        self, behaviour: Behaviour, width: int, per_cell: dict[str, np.ndarray] | None = None
    ) -> None:
        self.b = behaviour
        self.width = width
        self.per_cell = dict(per_cell or {})
        self.size = 0
        self.cap = 0
        #: ``(1 + c)^beta``: the price plus switching cost, as a loss (the same for all)
        self.loss_term = equations.loss_term(behaviour)
        self.a: dict[str, np.ndarray] = {}
        for name in _INT:
            self.a[name] = np.zeros(0, dtype=np.int64)
        for name in _FLOAT:
            self.a[name] = np.zeros(0)
        for name in _BOOL:
            self.a[name] = np.zeros(0, dtype=bool)
        for name in _GROUP:
            self.a[name] = np.zeros((0, width))
        self.__dict__.update(self.a)

    # Each field is also an attribute: the whole capacity (rows beyond ``size`` unused;
    # indexing by rows reads and writes in place, with no slicing on every access).
    def __getattr__(self, name: str) -> np.ndarray:
        raise AttributeError(name)

    def par(self, name: str, rows: Rows) -> Any:
        """Behaviour parameter ``name`` of ``rows``: the batch's value, or an array of
        each row's cell's value if it differs between cells."""
        values = self.per_cell.get(name)
        if values is None:
            return getattr(self.b, name)
        return values[self.a["cell"][rows]]

    def column(self, name: str) -> np.ndarray:
        """Field ``name`` of the ``size`` rows in use."""
        return self.a[name][: self.size]

    def add(
        self, traits: Traits, rows: npt.ArrayLike, cell: npt.ArrayLike, strategy: npt.ArrayLike,
        arrival: npt.ArrayLike, source: npt.ArrayLike, lead_cost: npt.ArrayLike,
    ) -> Rows:  # fmt: skip
        """Add buyers with traits ``traits`` rows ``rows``; return their indices."""
        rows = np.asarray(rows, dtype=np.int64)
        m = len(rows)
        first = self.size
        self._reserve(first + m)
        self.size = first + m
        new = np.arange(first, first + m)
        a, b = self.a, self.b
        a["cell"][new] = cell
        a["strategy"][new] = strategy
        a["arrival"][new] = arrival
        a["last_progress"][new] = arrival
        a["t"][new] = arrival
        a["t_advocate"][new] = np.inf
        a["source"][new] = source
        a["lead_cost"][new] = lead_cost
        a["won_at"][new] = np.nan
        a["qualified_at"][new] = np.nan
        n = traits.stakeholders[rows]
        a["n"][new] = n
        a["r"][new] = traits.value_ratio[rows]
        w = min(self.width, traits.success_probability.shape[1])
        k, indecision, rival, bias, lam = equations.mechanisms_in_use(
            ARRAY, b, traits.known_need_share[rows], traits.indecision[rows],
            traits.rival_draw[rows], self.par("rival_presence", new),
            traits.first_impression_bias[rows, :w], traits.loss_aversion[rows, :w],
        )  # fmt: skip
        a["k"][new] = k
        a["trust"][new] = traits.trust[rows]
        a["urgency"][new] = traits.urgency[rows]
        a["indecision"][new] = indecision
        a["patience"][new] = traits.patience_days[rows]
        a["rival_edge"][new] = traits.rival_edge[rows]
        a["rival"][new] = rival
        a["hour_factor"][new] = equations.hour_factor(b, n)
        # a population with smaller groups than the batch's widest fills the first
        # columns; the rest are beyond every one of its groups, so never read
        a["bias"][new, :w] = bias
        a["precision"][new] = equations.prior_precision(b)
        a["lam"][new, :w] = lam
        p = traits.success_probability[rows, :w]
        a["p_success"][new, :w] = p
        a["w_rival"][new, :w] = tk_weight(ARRAY, p, b.gamma)
        a["w_ours"][new] = a["w_rival"][new]
        self.biased(new)
        return new

    def biased(self, rows: Rows) -> None:
        """Refresh ``exp(alpha bias)`` and ``exp(beta bias)`` of ``rows``."""
        ea, eb = equations.impression_factors(ARRAY, self.b, self.a["bias"][rows])
        self.a["ea"][rows], self.a["eb"][rows] = ea, eb

    def view(self, rows: Rows) -> _View:
        """The valuation fields of ``rows`` (:mod:`simsales.model.valuation` reads them)."""
        return _View(self, rows)

    def reserve(self, size: int) -> None:
        """Make room for ``size`` rows in all."""
        self._reserve(size)

    def _reserve(self, size: int) -> None:
        if size <= self.cap:
            return
        cap = max(size, 2 * self.cap, 64)
        for name, arr in self.a.items():
            grown = np.zeros((cap, *arr.shape[1:]), dtype=arr.dtype)
            grown[: len(arr)] = arr
            self.a[name] = grown
        self.__dict__.update(self.a)
        self.cap = cap


class _View:
    """Some rows' valuation fields, as a buyer's state for :mod:`simsales.model.valuation`;
    each field is gathered when first read (the rival's fields only for the rival's offer)."""

    def __init__(self, buyers: Buyers, rows: Rows) -> None:
        self._a = buyers.a
        self._rows = rows
        self.loss_term = np.full(len(rows), buyers.loss_term)

    def __getattr__(self, name: str) -> Any:
        if name not in _VALUED:
            raise AttributeError(name)
        value = self._a[name][self._rows]
        setattr(self, name, value)
        return value
