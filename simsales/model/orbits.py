"""The customer's orbits (stages) and the ways a deal can end."""

from __future__ import annotations

from enum import IntEnum, StrEnum

__all__ = ["PRE_SALE", "Ending", "Orbit"]


class Orbit(IntEnum):
    """Orbits of docs/model.md 3, in order. Pre-sale ones end at ACQUISITION;
    INSTALLATION to ZEALOT are the post-sale orbits (:mod:`simsales.model.lifecycle`).
    """

    AWARENESS = 0
    POTENTIAL = 1
    BENEFIT = 2
    OBSERVATION = 3
    ACQUISITION = 4
    INSTALLATION = 5
    ADAPTATION = 6
    BELIEF = 7
    EXPANSION = 8
    REFER = 9
    ZEALOT = 10

    @classmethod
    def parse(cls, name: str) -> Orbit:
        """Orbit by case-insensitive name, with a clear error otherwise."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            allowed = ", ".join(o.name.lower() for o in cls)
            raise ValueError(f"unknown orbit {name!r}; allowed: {allowed}") from None


PRE_SALE = (Orbit.AWARENESS, Orbit.POTENTIAL, Orbit.BENEFIT, Orbit.OBSERVATION, Orbit.ACQUISITION)


class Ending(StrEnum):
    """How a lead's pre-sale journey ended."""

    WON = "won"
    RIVAL = "rival"  # preferred change, chose a rival's offer
    STATUS_QUO = "status_quo"  # did not prefer change over doing nothing
    INDECISION = "indecision"  # preferred change but stalled for fear of choosing wrong
    WENT_DARK = "went_dark"  # a qualified buyer stopped answering
    UNQUALIFIED = "unqualified"  # never granted a first meeting (not an opportunity)
