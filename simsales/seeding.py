"""Every random stream of simsales, named in one place.

This is the only module that makes a ``SeedSequence`` or a ``Generator``
(``tests/test_seeding.py`` walks the package and fails on any other); every
other module asks it for one by the stream's name. It imports nothing but
numpy and the standard library, so every layer (model, engine, experiment,
analysis, plots) can import it without importing any other layer.

A stream is a PCG64 generator on a ``SeedSequence`` named by a fixed key below
its parent (:func:`child`). ``SeedSequence.spawn`` is stateful: spawning twice
from one object gives new children each time, and copies of one object spawn
the same ones. A named child is instead a pure function of (root seed, key),
whatever the order or the process it is made in, so results do not depend on
the number of workers.

The tree of streams (indented = a key below its parent; ``*path`` is a
customer's path, ``(i,)`` for marketing lead ``i`` and the referrer's path
plus ``k`` for its ``k``-th referral; docs/model.md section 6)::

    SeedSequence(seed)                   root: the experiment's seed
        (the root itself)                paired bootstrap (bootstrap_generator)
                                         and SALib's seed (salib_seed)
        r                                replication r, 0 <= r < MAX_REPLICATIONS
            ARRIVALS = 0                 itself: an unlimited market's arrival times
                MARKET_CLOCKS = 0        a finite market's members' marketing clocks
                PROSPECTING = 1          prospecting hours between outbound hits
                    PROSPECTED = 1       the members hit (finite market)
                MARKET_ORBITS = 2        a finite market's starting orbits
                MARKET_PERIODS = 3       a finite market's monthly moves
            TRAITS = 1
                TRAIT_KEYS[name]         0-10, one stream per trait
                RIVAL_DRAW = 11          the rival-presence uniforms
                REFERRAL_TRAITS, *path   a referral lead's traits (keys as above)
                OUTBOUND_TRAITS, k       the k-th outbound lead's traits
            DECISIONS = 2
                *path                    a customer's decisions
                OUTBOUND_PATH, k         (the path of the k-th outbound lead)
                FIRST_BLOCKS, c          first uniforms of marketing leads, in chunks
                OWN_NOISE, *path         the stakeholders' own evidence noise
                COUNTER_STREAMS          the root key of the customers' counter-based
                                         streams (simsales.counter_streams), for an
                                         engine that steps customers in arrays
            UNCERTAIN = 3
                path_key(key path)       one [uncertain] parameter's draw
            POSTERIOR_DRAW = 4           which [posterior] draw this replication takes
        DESIGN = 1_000_000               a sweep's LHS/Sobol or SALib design
        WHERE = 2_000_000                the root seed of the where-run (where_seed)
        CALIBRATION = 3_000_000          the root seed of a calibration (calibration_seed)

    SeedSequence(calibration_seed(seed)) a calibration's root
        r                                its simulated exports (replications):
                                         r < MAX_REPLICATIONS  simulated moments,
                                         ABC_REPLICATIONS + g * MAX_REPLICATIONS + i
                                                               ABC proposal i of generation g,
                                         CHECK_REPLICATIONS + i  the fit check's export i
        CAL_BOOTSTRAP                    the data's bootstrap resamples
        CAL_SOBOL                        the Sobol' starting points
        CAL_PROPOSALS, g, i              ABC proposal i of generation g
        CAL_POSTERIOR                    draws of the estimate's normal approximation
        CAL_CHECK                        the posterior draws the fit check simulates

    SeedSequence(0) (JITTER_SEED)        the jitter of the distribution chart

The engine's Bass-limit check (:func:`simsales.engine.market.bass_limit`) has
a seed of its own, with its market's clocks at :data:`MARKET_CLOCKS` and its
contacts at :data:`BASS_CONTACTS` below it.

Keys that share a parent are distinct (``tests/test_seeding.py``). Until
simsales 0.2.1 :data:`OUTBOUND_PATH` was ``2**32 - 2``, the key of
:data:`OWN_NOISE` too, so in an unlimited market with prospecting and
``evidence_correlation < 1`` marketing lead ``k``'s own evidence noise was
drawn from the uniforms of outbound lead ``k``'s decisions; it is now
``2**32 - 3`` (CHANGELOG.md). A new stream takes a new key; a key is never
reused or renumbered, as that would change the numbers of every experiment
that draws from it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ABC_REPLICATIONS",
    "ARRIVALS",
    "BASS_CONTACTS",
    "CALIBRATION",
    "CAL_BOOTSTRAP",
    "CAL_CHECK",
    "CAL_POSTERIOR",
    "CAL_PROPOSALS",
    "CAL_SOBOL",
    "CHECK_REPLICATIONS",
    "COUNTER_STREAMS",
    "DECISIONS",
    "DESIGN",
    "FIRST_BLOCKS",
    "FIRST_CHUNK",
    "FIRST_WIDTH",
    "JITTER_SEED",
    "MARKET_CLOCKS",
    "MARKET_ORBITS",
    "MARKET_PERIODS",
    "MAX_REPLICATIONS",
    "OUTBOUND_PATH",
    "OUTBOUND_TRAITS",
    "OWN_NOISE",
    "POSTERIOR_DRAW",
    "PROSPECTED",
    "PROSPECTING",
    "REFERRAL_TRAITS",
    "RIVAL_DRAW",
    "TRAITS",
    "TRAIT_KEYS",
    "UNCERTAIN",
    "WHERE",
    "ReplicationSeeds",
    "bootstrap_generator",
    "calibration_generator",
    "calibration_seed",
    "child",
    "counter_root",
    "design_generator",
    "generator",
    "jitter_generator",
    "path_key",
    "posterior_generator",
    "replication_seed",
    "replication_seeds",
    "salib_seed",
    "spawn_generator",
    "uncertain_generator",
    "where_seed",
]

# --------------------------------------------------------------- below the root
#: Replications are keys ``0 .. MAX_REPLICATIONS - 1`` below the root seed (the
#: schema's bound on ``replications``), so they never reach :data:`DESIGN`.
MAX_REPLICATIONS = 1_000_000
#: Key below the root seed for the design's own stream (LHS, Sobol, SALib).
DESIGN = 1_000_000
#: Key below the root seed that names the seed of a study's where-run.
WHERE = 2_000_000
#: Key below the root seed that names the root seed of a calibration's simulations.
CALIBRATION = 3_000_000

# ------------------------------------------------------ below a calibration's root
#: First replication of ABC-SMC's proposals: ``ABC_REPLICATIONS + g *
#: MAX_REPLICATIONS + i`` for proposal ``i`` of generation ``g`` (at most 50
#: generations, so they stay below :data:`CHECK_REPLICATIONS`).
ABC_REPLICATIONS = 100_000_000
#: First replication of the fit check's simulated exports.
CHECK_REPLICATIONS = 900_000_000
#: Keys of a calibration's own streams (above every replication it simulates).
CAL_BOOTSTRAP, CAL_SOBOL, CAL_PROPOSALS, CAL_POSTERIOR, CAL_CHECK = range(950_000_000, 950_000_005)

# -------------------------------------------------------- below a replication
#: Keys below a replication's seed: its lead arrivals, its customers' traits,
#: its customers' decisions and its ``[uncertain]`` parameters.
ARRIVALS, TRAITS, DECISIONS, UNCERTAIN = 0, 1, 2, 3
#: Key below a replication's seed for the draw it takes from a ``[posterior]`` sample.
POSTERIOR_DRAW = 4

# ------------------------------------------------------------ below ARRIVALS
#: Key below the arrivals seed of a finite market's members' marketing clocks.
MARKET_CLOCKS = 0
#: Key below the arrivals seed of the prospecting stream (prospecting hours
#: between outbound hits); :data:`PROSPECTED` below it draws the members they
#: reach in a finite market.
PROSPECTING = 1
PROSPECTED = 1
#: Keys below the arrivals seed of a finite market's starting orbits and of its
#: monthly orbit dynamics (two uniforms per member per month).
MARKET_ORBITS, MARKET_PERIODS = 2, 3
#: Key below the Bass-limit check's seed of its advocates' contacts.
BASS_CONTACTS = 1

# -------------------------------------------------------------- below TRAITS
#: Keys below the trait seed: one stream per trait, by name, then the
#: rival-presence uniforms. The order is the stream layout: a new trait takes
#: the next key (the rival draw came after the eleven traits, so it shifted none).
TRAIT_KEYS: dict[str, int] = {
    name: key
    for key, name in enumerate(
        (
            "value_ratio",
            "known_need_share",
            "trust",
            "urgency",
            "indecision",
            "patience_days",
            "rival_edge",
            "stakeholders",
            "first_impression_bias",
            "loss_aversion",
            "success_probability",
            "rival_draw",
        )
    )
}
#: Key of the stream of the rival-presence uniforms below the trait seed.
RIVAL_DRAW = TRAIT_KEYS["rival_draw"]
#: Key below the trait seed for referral leads' own trait streams
#: (``(REFERRAL_TRAITS, *path)``, then :data:`TRAIT_KEYS` below it).
REFERRAL_TRAITS = 1000
#: Key below the trait seed for outbound leads' trait streams (unlimited market):
#: ``(OUTBOUND_TRAITS, k)`` for the ``k``-th outbound lead.
OUTBOUND_TRAITS = 1001

# ----------------------------------------------------------- below DECISIONS
#: First element of an outbound lead's path in an unlimited market: ``(OUTBOUND_PATH,
#: k)`` for the ``k``-th outbound lead (no marketing lead has so high an index).
#: (``2**32 - 2`` until 0.2.1, which :data:`OWN_NOISE` uses too.)
OUTBOUND_PATH = 2**32 - 3
#: Key below the decision seed for the first uniforms of marketing leads, drawn
#: :data:`FIRST_CHUNK` leads at a time: ``(FIRST_BLOCKS, i // FIRST_CHUNK)``. It
#: hashes like the path ``(FIRST_BLOCKS, c)`` would, so the streams stay apart as
#: long as there are fewer than 2**32 - 1 marketing leads.
FIRST_BLOCKS = 2**32 - 1
#: Marketing leads per block of first uniforms.
FIRST_CHUNK = 256
#: First uniforms per lead from its block; later ones come from its own stream.
#: 128 after 0.2.0 (48 up to it): 2.4% of a baseline run's streams now build a
#: ``Generator`` of their own, against 29% at 48 (``benchmarks/first_width.py``).
FIRST_WIDTH = 128
#: First key of the stakeholders' own evidence-noise stream below a customer's
#: decision seed: ``(OWN_NOISE, *path)``. No lead's path starts with it, and the
#: first-uniform blocks use ``2**32 - 1``.
OWN_NOISE = 2**32 - 2
#: Key below a decision seed of the root key of its counter-based streams
#: (:func:`counter_root`, :mod:`simsales.counter_streams`); no lead's path starts with it.
COUNTER_STREAMS = 2**32 - 4

# -------------------------------------------------------------------- others
#: Seed of the jitter of the distribution chart's points (no result depends on it).
JITTER_SEED = 0


# ----------------------------------------------------------------- functions
def child(seed: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    """The child of ``seed`` named by ``key`` (a pure function of both).

    Equal to what ``seed.spawn`` would give as child number ``key[0]`` when
    ``key`` has one element and ``seed`` has spawned nothing yet.

    Examples
    --------
    >>> child(np.random.SeedSequence(1), 3, 2).spawn_key
    (3, 2)
    >>> spawned = np.random.SeedSequence(1).spawn(4)[3].generate_state(4)
    >>> bool((child(np.random.SeedSequence(1), 3).generate_state(4) == spawned).all())
    True
    """
    return np.random.SeedSequence(
        seed.entropy,
        spawn_key=tuple(seed.spawn_key) + tuple(int(k) for k in key),
        pool_size=seed.pool_size,
    )


def counter_root(seed: np.random.SeedSequence) -> np.ndarray:
    """The root key (two 32-bit words, as uint64) of the counter-based streams below a
    decision seed: the state of its child :data:`COUNTER_STREAMS`."""
    return child(seed, COUNTER_STREAMS).generate_state(2, np.uint32).astype(np.uint64)


def generator(seed: np.random.SeedSequence, *key: int) -> np.random.Generator:
    """A fresh PCG64 ``Generator`` on the child of ``seed`` named by ``key``
    (on ``seed`` itself without a key)."""
    return np.random.Generator(np.random.PCG64(child(seed, *key)))


def replication_seed(root_seed: int, replication: int) -> np.random.SeedSequence:
    """The seed of replication ``replication``: child ``replication`` of the root."""
    return child(np.random.SeedSequence(root_seed), replication)


@dataclass(frozen=True)
class ReplicationSeeds:
    """The seeds of one replication's streams."""

    arrivals: np.random.SeedSequence
    traits: np.random.SeedSequence
    decisions: np.random.SeedSequence


def replication_seeds(root_seed: int, replication: int) -> ReplicationSeeds:
    """Seeds of replication ``replication`` under ``root_seed``.

    Examples
    --------
    >>> replication_seeds(1, 3).decisions.spawn_key
    (3, 2)
    """
    rep = replication_seed(root_seed, replication)
    return ReplicationSeeds(child(rep, ARRIVALS), child(rep, TRAITS), child(rep, DECISIONS))


def path_key(path: str) -> int:
    """A stable 64-bit number naming a key path (BLAKE2b of its text): the same in
    every process and Python version, unlike ``hash``."""
    return int.from_bytes(hashlib.blake2b(path.encode(), digest_size=8).digest(), "big")


def posterior_generator(root_seed: int, replication: int) -> np.random.Generator:
    """The stream that picks a replication's draw from a ``[posterior]`` sample.

    One stream per replication (:data:`POSTERIOR_DRAW` below it): every
    parameter of the sample is set from the same draw, so their correlations
    are kept, and the ``[uncertain]`` parameters' draws are not moved.
    """
    return generator(replication_seed(root_seed, replication), POSTERIOR_DRAW)


def uncertain_generator(root_seed: int, replication: int, path: str) -> np.random.Generator:
    """The stream of the ``[uncertain]`` parameter ``path`` in a replication.

    Named by the path below the replication's :data:`UNCERTAIN` key, so adding,
    removing or renaming one parameter leaves the draws of the others as they were.
    """
    return generator(replication_seed(root_seed, replication), UNCERTAIN, path_key(path))


def design_generator(root_seed: int) -> np.random.Generator:
    """The stream of a design (LHS, Sobol, SALib sample): :data:`DESIGN` below the root."""
    return generator(np.random.SeedSequence(root_seed), DESIGN)


def _root_below(root_seed: int, key: int) -> int:
    """A root seed (63 bits, as the schema allows) drawn from the root's child ``key``."""
    state = child(np.random.SeedSequence(root_seed), key).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1])) & (2**63 - 1)


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
    return _root_below(root_seed, WHERE)


def calibration_seed(root_seed: int) -> int:
    """The root seed of a calibration's simulated exports.

    Drawn from ``SeedSequence(root_seed)``'s child :data:`CALIBRATION`, so a
    calibration never reuses the replications of a run of the same file (a
    synthetic export written by that run is not among its own draws).

    Examples
    --------
    >>> calibration_seed(1) == calibration_seed(1) != where_seed(1)
    True
    """
    return _root_below(root_seed, CALIBRATION)


def calibration_generator(calibration_root: int, key: int, *more: int) -> np.random.Generator:
    """One of a calibration's own streams (``CAL_*`` keys) below its root seed."""
    return generator(np.random.SeedSequence(calibration_root), key, *more)


def bootstrap_generator(seed: int | None) -> np.random.Generator:
    """The stream of the paired bootstrap intervals: the root seed's own.

    Analyses read stored tables, so this stream is drawn after every
    simulation, never beside one.
    """
    return np.random.default_rng(seed)


def salib_seed(seed: int) -> int:
    """The integer seed of SALib's bootstrap of sensitivity indices, from the root seed.

    SALib seeds its bootstrap only for a truthy seed: the number is odd, never 0.

    Examples
    --------
    >>> salib_seed(7) % 2
    1
    """
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1


def jitter_generator() -> np.random.Generator:
    """The stream of the distribution chart's jitter (:data:`JITTER_SEED`; not part
    of any result)."""
    return np.random.default_rng(JITTER_SEED)


def spawn_generator(rng: np.random.Generator) -> np.random.Generator:
    """A generator spawned from ``rng`` (a buyer's own-noise stream below a plain
    ``Generator``, as in the tests; in a run it is named by :data:`OWN_NOISE`)."""
    return rng.spawn(1)[0]
