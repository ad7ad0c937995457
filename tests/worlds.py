"""Tiny deterministic worlds and small experiments shared by the tests."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from simsales.engine.params import Market, Sellers
from simsales.engine.world import World
from simsales.model.behaviour import Behaviour
from simsales.model.buyer import Buyer
from simsales.model.lifecycle import Lifecycle
from simsales.model.population import Population, draw_traits

#: Multiplies the size of slow statistical tests; CI sets it below 1.
SCALE = float(os.environ.get("SIMSALES_TEST_SCALE", "1"))


def const(v: float) -> dict[str, Any]:
    """A constant trait distribution."""
    return {"dist": "constant", "value": v}


def tiny_population(**over: Any) -> Population:
    """Every trait constant: one known customer type."""
    base = {
        "value_ratio": const(10.0),
        "known_need_share": const(1.0),
        "first_impression_bias": const(0.0),
        "loss_aversion": const(2.25),
        "success_probability": const(0.9),
        "trust": const(0.5),
        "urgency": const(1.0),
        "indecision": const(0.0),
        "patience_days": const(100.0),
        "rival_edge": const(0.0),
        "stakeholders": const(1),
    }
    base.update(over)
    return Population(**base)


def exact_behaviour(**over: Any) -> Behaviour:
    """No noise anywhere: exact choice, fixed pace, no events, self-education or rivals."""
    base: dict[str, Any] = {
        "temperature": 0.0,
        "pace_noise": False,
        "compelling_event_rate": 0.0,
        "self_education_rate": 0.0,
        "rivals": False,
    }
    base.update(over)
    return Behaviour(**base)


def make_buyer(pop: Population | None = None, behaviour: Behaviour | None = None) -> Buyer:
    """One buyer of ``pop`` (tiny population by default)."""
    traits = draw_traits(pop or tiny_population(), 1, np.random.SeedSequence(0))
    return Buyer(traits, 0, behaviour or exact_behaviour(), arrival=0.0)


def small_experiment(**over: Any) -> dict[str, Any]:
    """A quick experiment: a few replications of a short horizon."""
    base: dict[str, Any] = {
        "name": "small",
        "seed": 11,
        "replications": 3,
        "horizon_days": 40.0,
        "market": {"lead_rate": 2.0},
    }
    base.update(over)
    return base


def tiny_world(
    pop: Population,
    behaviour: Behaviour,
    arrivals: list[float],
    team: int = 1,
    hours_per_day: float = 8.0,
    lifecycle: dict[str, Any] | None = None,
    horizon: float = 1000.0,
    end: float | None = None,
    seed: int | tuple[int, ...] = 0,
) -> World:
    """A World with given arrival days; lifecycle off unless given; every stream from
    ``seed``."""
    seed_ = np.random.SeedSequence(seed)
    life = Lifecycle(**(lifecycle if lifecycle is not None else {"enabled": False}))
    return World(
        traits=draw_traits(pop, len(arrivals), seed_),
        arrivals=np.asarray(arrivals, dtype=float),
        population=pop,
        behaviour=behaviour,
        lifecycle=life,
        market=Market(),
        sellers=Sellers(team_size=team, hours_per_day=hours_per_day),
        success=Sellers(team_size=team, hours_per_day=hours_per_day),
        arrival_seed=seed_,
        trait_seed=seed_,
        decision_seed=seed_,
        horizon=horizon,
        end=end if end is not None else horizon,
    )
