"""Seller strategies: one small protocol, a registry, and the built-ins.

A strategy is a policy: given what the seller can observe (a
:class:`~simsales.model.actions.SellerView`), it chooses the next
:class:`~simsales.model.actions.Action`. Write your own by subclassing
:class:`Strategy` (or :class:`PhasedStrategy`), and register it::

    from simsales import PhasedStrategy, Action, register_strategy

    @register_strategy("my_strategy")
    class Mine(PhasedStrategy):
        class Params(PhasedStrategy.Params):
            middle: Action = Action(name="demo", hours=2.0, evidence=1.0)

Then name ``"my_strategy"`` in an experiment file, with
``modules = ["my_module"]`` (or a path to the ``.py`` file) at its top level.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from simsales.model.actions import Action, SellerView
from simsales.model.orbits import Orbit

__all__ = [
    "PhasedStrategy",
    "SequenceStrategy",
    "Strategy",
    "available_strategies",
    "make_strategy",
    "register_strategy",
    "strategy_class",
]


class Strategy(ABC):
    """Base of every strategy.

    Subclasses define a pydantic ``Params`` model (all fields with defaults)
    and :meth:`act`. Parameters given by the user are merged into the
    defaults, nested tables included, and validated.
    """

    class Params(BaseModel):
        """No parameters."""

        model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: ClassVar[str] = "strategy"

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        defaults = self.Params().model_dump()
        merged = _merge(defaults, dict(params or {}))
        self.params = self.Params.model_validate(merged, strict=True)

    @abstractmethod
    def act(self, view: SellerView) -> Action:
        """The action for a meeting with a buyer seen as ``view``."""

    def follow_up(self, view: SellerView) -> Action:
        """The action of chasing a buyer that did not ask for the next step."""
        return Action(name="follow_up", hours=0.5)

    def after_sale(self, view: SellerView) -> Action | None:
        """The action at a post-sale step (INSTALLATION onward); None invests nothing."""
        return None

    def programme_reach(self) -> float | None:
        """Members of a finite market that this strategy's market programme reaches
        a month, before any seller meets them (docs/model.md 4.9); None leaves
        the experiment's ``[market] programme_reach``."""
        return None


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], dict(v))
        else:
            out[key] = v
    return out


class PhasedStrategy(Strategy):
    """A strategy with one action per phase of the pre-sale journey.

    ``opening`` at AWARENESS, ``middle`` at POTENTIAL to OBSERVATION,
    ``closing`` at ACQUISITION, and ``follow_up`` to chase a buyer. After the
    sale, with ``invest_after_sale = true`` ("full orbit"), ``onboarding`` at
    INSTALLATION, ``adoption_support`` at ADAPTATION and ``account_review``
    from BELIEF on; with ``false`` ("transaction only", the default) nothing.
    """

    class Params(BaseModel):
        """The actions of each phase."""

        model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
        opening: Action = Field(
            Action(name="intro_call", hours=1.0), description="meeting at AWARENESS"
        )
        middle: Action = Field(
            Action(name="presentation", hours=2.0, evidence=0.5),
            description="meeting at POTENTIAL, BENEFIT and OBSERVATION",
        )
        closing: Action = Field(
            Action(name="proposal", hours=2.0, evidence=0.5), description="meeting at ACQUISITION"
        )
        follow_up: Action = Field(
            Action(name="follow_up", hours=0.5),
            description="chasing a buyer that did not ask for the next meeting",
        )
        invest_after_sale: bool = Field(
            False, description='post-sale actions below ("full orbit") or none ("transaction only")'
        )
        programme_reach: float | None = Field(
            None,
            ge=0,
            le=1_000_000,
            description="investing before the transaction: members of a finite market a "
            "market programme reaches a month (docs/model.md 4.9); none: the "
            "experiment's [market] programme_reach",
        )
        onboarding: Action = Field(
            Action(name="onboarding", hours=6.0, adoption_gain=0.3, trust_gain=0.05),
            description="post-sale step at INSTALLATION",
        )
        adoption_support: Action = Field(
            Action(name="adoption_support", hours=3.0, adoption_gain=0.15),
            description="post-sale step at ADAPTATION",
        )
        account_review: Action = Field(
            Action(name="account_review", hours=2.0, internalise=0.1, trust_gain=0.05),
            description="post-sale step from BELIEF on",
        )

    params: Any

    def act(self, view: SellerView) -> Action:
        if view.orbit == Orbit.AWARENESS:
            return self.params.opening  # type: ignore[no-any-return]
        if view.orbit >= Orbit.ACQUISITION:
            return self.params.closing  # type: ignore[no-any-return]
        return self.middle(view)

    def middle(self, view: SellerView) -> Action:
        """The action in the middle orbits; override for more than one."""
        return self.params.middle  # type: ignore[no-any-return]

    def follow_up(self, view: SellerView) -> Action:
        return self.params.follow_up  # type: ignore[no-any-return]

    def programme_reach(self) -> float | None:
        return self.params.programme_reach  # type: ignore[no-any-return]

    def after_sale(self, view: SellerView) -> Action | None:
        p = self.params
        if not p.invest_after_sale:
            return None
        if view.orbit == Orbit.INSTALLATION:
            return p.onboarding  # type: ignore[no-any-return]
        if view.orbit == Orbit.ADAPTATION:
            return p.adoption_support  # type: ignore[no-any-return]
        return p.account_review  # type: ignore[no-any-return]


_REGISTRY: dict[str, type[Strategy]] = {}
S = TypeVar("S", bound=type[Strategy])


def register_strategy(name: str) -> Callable[[S], S]:
    """Class decorator: make a strategy available under ``name``.

    Raises
    ------
    ValueError
        If ``name`` is taken by a different class.
    """
    if not name.isidentifier():
        raise ValueError(f"strategy name must be an identifier, got {name!r}")

    def deco(cls: S) -> S:
        old = _REGISTRY.get(name)
        if old is not None and _where(old) != _where(cls):
            # Re-importing the same module (e.g. in a worker) is fine; a second
            # class under a taken name would silently change results.
            raise ValueError(
                f"strategy {name!r} is already registered by {_where(old)}; choose another name"
            )
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return deco


def _where(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def available_strategies() -> list[str]:
    """Names of the registered strategies, sorted."""
    return sorted(_REGISTRY)


def strategy_class(name: str) -> type[Strategy]:
    """The class registered as ``name``.

    Raises
    ------
    KeyError
        If no strategy has that name; the message lists the known ones.
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(
            f"unknown strategy {name!r}; available: {', '.join(available_strategies())}"
        ) from None


def make_strategy(name: str, params: Mapping[str, Any] | None = None) -> Strategy:
    """Instantiate the strategy registered as ``name`` with ``params``.

    Raises
    ------
    KeyError
        If no strategy has that name; the message lists the known ones.
    """
    return strategy_class(name)(params)


class SequenceStrategy(Strategy):
    """A mix: several strategies, each used until the buyer reaches an orbit.

    Parameters
    ----------
    parts : list of (Strategy, Orbit or None)
        Each strategy is used while the buyer's orbit is below its orbit;
        the last part's orbit must be None (used to the end).
    """

    name = "sequence"

    def __init__(self, parts: list[tuple[Strategy, Orbit | None]]) -> None:
        super().__init__()
        if not parts or parts[-1][1] is not None:
            raise ValueError("a sequence needs parts, the last without 'until'")
        self.parts = parts

    def _current(self, view: SellerView) -> Strategy:
        for strategy, until in self.parts:
            if until is None or view.orbit < until:
                return strategy
        return self.parts[-1][0]

    def act(self, view: SellerView) -> Action:
        return self._current(view).act(view)

    def follow_up(self, view: SellerView) -> Action:
        return self._current(view).follow_up(view)

    def after_sale(self, view: SellerView) -> Action | None:
        return self.parts[-1][0].after_sale(view)

    def programme_reach(self) -> float | None:
        # the programme works before any seller meets a buyer: the first part's
        return self.parts[0][0].programme_reach()


# ------------------------------------------------------------------ built-ins
# Effects and hours as listed in docs/model.md 5.1 (package assumptions).


@register_strategy("push")
class Push(PhasedStrategy):
    """Transactional baseline: pitches and follow-ups until a decision.

    Pitches carry evidence with an oversell (``claim_bias``) and pressure,
    which erodes trust; follow-ups press too.
    """

    class Params(PhasedStrategy.Params):
        opening: Action = Action(name="cold_call", hours=1.0, pressure=0.03)
        middle: Action = Action(
            name="pitch", hours=2.0, evidence=0.5, claim_bias=0.3, pressure=0.05
        )
        closing: Action = Action(
            name="close", hours=2.0, evidence=0.5, claim_bias=0.3, pressure=0.1
        )
        follow_up: Action = Action(name="follow_up", hours=0.5, pressure=0.05)


@register_strategy("relationship")
class Relationship(PhasedStrategy):
    """Builds liking and trust (and so access) with a small halo on success.

    No effect on needs, impressions or urgency: buyers still buy what is in
    their interest, not from whom they like.
    """

    class Params(PhasedStrategy.Params):
        opening: Action = Action(name="intro_call", hours=1.0, trust_gain=0.1)
        middle: Action = Action(name="relationship_meeting", hours=3.0, trust_gain=0.15, halo=0.03)
        closing: Action = Action(name="proposal", hours=2.0, trust_gain=0.05)
        follow_up: Action = Action(name="check_in", hours=0.5, trust_gain=0.02)


@register_strategy("need_uncovering")
class NeedUncovering(PhasedStrategy):
    """Discovery questions; once the buyer shares its needs, a tailored offer.

    Learns known needs only when the buyer trusts enough to share them;
    reveals no latent need and adds no urgency.
    """

    class Params(PhasedStrategy.Params):
        middle: Action = Action(
            name="discovery",
            hours=2.5,
            evidence=0.5,
            discovery=True,
            tailor_gain=0.15,
            trust_gain=0.05,
        )
        tailored: Action = Field(
            Action(name="tailored_presentation", hours=2.0, evidence=0.8),
            description="the middle meeting once the buyer has shared its needs",
        )

    #: its middle() looks at the orbit and needs_shared only: an array engine tabulates it
    tabular_methods = ("middle",)

    def middle(self, view: SellerView) -> Action:
        return self.params.tailored if view.needs_shared else self.params.middle  # type: ignore[no-any-return]


@register_strategy("insight")
class Insight(PhasedStrategy):
    """Teaching: reveals latent needs, corrects impressions, raises urgency.

    Costs more preparation, and a skeptical (low-trust) buyer may reject it.
    """

    class Params(PhasedStrategy.Params):
        opening: Action = Action(name="insight_intro", hours=2.0, reveal=0.2, skeptic_risk=0.2)
        middle: Action = Action(
            name="teach",
            hours=5.0,
            evidence=3.0,  # corrects 57% of a first impression's error (docs/model.md 2.3)
            reveal=0.4,
            urgency_gain=0.2,
            skeptic_risk=0.3,
        )


@register_strategy("decision_coaching")
class DecisionCoaching(PhasedStrategy):
    """Helps the buyer decide well: less indecision, value-aligned, internalised.

    Coaching carries unbiased evidence, so impressions move toward true value
    and some bad-fit buyers rightly do not buy.
    """

    class Params(PhasedStrategy.Params):
        middle: Action = Action(
            name="coach",
            hours=3.0,
            evidence=1.0,
            coaching=0.3,
            internalise=0.25,
            trust_gain=0.05,
        )
        closing: Action = Action(
            name="decision_review", hours=3.0, evidence=0.5, coaching=0.3, internalise=0.2
        )
