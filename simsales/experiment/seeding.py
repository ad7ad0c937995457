"""Where every random stream of an experiment comes from.

One root ``SeedSequence(seed)``; replication ``r`` is its child ``r``; inside a
replication, fixed children give the lead arrivals, the customer traits (one
stream per trait) and the customers' decisions (one stream per customer).
Every stream is named by its key, so results do not depend on the number of
workers or the order in which replications run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simsales.model.streams import child

__all__ = ["ReplicationSeeds", "replication_seeds"]

ARRIVALS, TRAITS, DECISIONS = 0, 1, 2


@dataclass(frozen=True)
class ReplicationSeeds:
    """The seeds of one replication's streams."""

    arrivals: np.random.SeedSequence
    traits: np.random.SeedSequence
    decisions: np.random.SeedSequence


def replication_seeds(root_seed: int, replication: int) -> ReplicationSeeds:
    """Seeds of replication ``replication`` under ``root_seed``."""
    rep = child(np.random.SeedSequence(root_seed), replication)
    return ReplicationSeeds(child(rep, ARRIVALS), child(rep, TRAITS), child(rep, DECISIONS))


#: Key below the root seed that names the seed of a study's where-run.
WHERE = 2_000_000


def where_seed(root_seed: int) -> int:
    """The root seed of a study's run over the plausible range (``[where]``).

    Drawn from ``SeedSequence(root_seed)``'s child :data:`WHERE`, so the
    where-run's worlds are independent of the run at the defaults, whose seeds
    (children 0, 1, ... by replication) stay as they were.

    Examples
    --------
    >>> where_seed(1) == where_seed(1) != where_seed(2)
    True
    """
    state = child(np.random.SeedSequence(root_seed), WHERE).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1])) & (2**63 - 1)
