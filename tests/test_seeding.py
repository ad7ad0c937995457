"""Every random stream is named in simsales/seeding.py, and only there.

Known-answer tests: no other module of the package makes a ``SeedSequence``,
a ``Generator`` or a bit generator, nor touches numpy's or Python's global
random state (an ``ast`` walk of the source, checked against snippets that
must be caught); the seeding module imports no other part of simsales; keys
that share a parent are distinct, and so are the streams they name. The
regression tests pin seeded numbers the streams gave before they were
gathered into one module.
"""

from __future__ import annotations

import ast
import doctest
import itertools
from pathlib import Path

import numpy as np
import pytest

import simsales
import simsales.seeding as seeding
from simsales.experiment.config import Experiment, Where
from simsales.model.population import CUSTOMER_TRAITS, STAKEHOLDER_TRAITS
from simsales.seeding import (
    ABC_REPLICATIONS,
    ARRIVALS,
    CAL_BOOTSTRAP,
    CAL_CHECK,
    CAL_POSTERIOR,
    CAL_PROPOSALS,
    CAL_SOBOL,
    CALIBRATION,
    CHECK_REPLICATIONS,
    COUNTER_STREAMS,
    DECISIONS,
    DESIGN,
    FIRST_BLOCKS,
    MARKET_CLOCKS,
    MARKET_ORBITS,
    MARKET_PERIODS,
    MAX_REPLICATIONS,
    OUTBOUND_PATH,
    OUTBOUND_TRAITS,
    OWN_NOISE,
    PROSPECTED,
    PROSPECTING,
    REFERRAL_TRAITS,
    RIVAL_DRAW,
    TRAIT_KEYS,
    TRAITS,
    UNCERTAIN,
    WHERE,
    bootstrap_generator,
    child,
    design_generator,
    generator,
    path_key,
    replication_seed,
    replication_seeds,
    salib_seed,
    uncertain_generator,
    where_seed,
)

PACKAGE = Path(simsales.__file__).parent
SEEDING = PACKAGE / "seeding.py"

#: Calls that make a seed, a generator or a bit generator, whatever they are called on.
BUILDERS = {
    "SeedSequence", "default_rng", "Generator", "RandomState", "PCG64", "PCG64DXSM",
    "MT19937", "Philox", "SFC64", "Random", "SystemRandom", "spawn", "generate_state",
}  # fmt: skip


def _dotted(node: ast.expr) -> str:
    """``np.random.seed`` for the expression ``np.random.seed``; '' if not a name chain."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def randomness_made(source: str) -> list[str]:
    """Where ``source`` makes a seed or a generator, or uses global random state."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {a.name}"
                for a in node.names
                if a.name == "random" or a.name.startswith("numpy.random")
            ]
        elif isinstance(node, ast.ImportFrom):
            if node.module in ("random", "numpy.random") or (
                node.module == "numpy" and any(a.name == "random" for a in node.names)
            ):
                found.append(f"line {node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            last = name.rsplit(".", 1)[-1] if name else getattr(node.func, "attr", "")
            global_state = name.startswith(("np.random.", "numpy.random.", "random."))
            if last in BUILDERS or global_state:
                found.append(f"line {node.lineno}: {name or last}(...)")
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        "import numpy as np\nrng = np.random.default_rng(0)",
        "import numpy as np\ns = np.random.SeedSequence(1)",
        "import numpy as np\ng = np.random.Generator(np.random.PCG64(1))",
        "import numpy as np\nnp.random.seed(3)",
        "import numpy as np\nx = np.random.uniform()",
        "import random\nr = random.Random(4)",
        "import random\nx = random.random()",
        "from random import Random",
        "from numpy.random import default_rng",
        "from numpy import random",
        "import numpy.random",
        "def f(rng):\n    return rng.spawn(1)[0]",
        "def f(seed):\n    return seed.generate_state(2)",
        "from numpy.random import SeedSequence as S\ns = S(1)",
    ],
)  # fmt: skip
def test_the_check_catches_every_way_of_making_randomness(snippet: str):
    assert randomness_made(snippet)


def test_the_check_lets_types_and_isinstance_pass():
    code = (
        "import numpy as np\n"
        "def f(seed: np.random.SeedSequence) -> np.random.Generator:\n"
        "    assert isinstance(seed, np.random.SeedSequence)\n"
        "    return make(seed)\n"
    )
    assert randomness_made(code) == []


def test_no_module_but_seeding_makes_a_seed_or_a_generator():
    offenders = {
        str(path.relative_to(PACKAGE.parent)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != SEEDING and (found := randomness_made(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "ask simsales.seeding for the stream instead"


def test_the_seeding_module_is_seen_making_them():
    # the check finds what it looks for in the one module allowed to do it
    assert len(randomness_made(SEEDING.read_text(encoding="utf-8"))) >= 5


def test_the_seeding_module_imports_only_numpy_and_the_standard_library():
    tree = ast.parse(SEEDING.read_text(encoding="utf-8"))
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) if n.module}
    assert modules == {"__future__", "dataclasses", "hashlib", "numpy"}


def test_docstring_examples_hold():
    result = doctest.testmod(seeding)
    assert result.attempted > 0
    assert result.failed == 0


# ------------------------------------------------------------ distinct keys
def test_replications_never_reach_the_root_seeds_other_keys():
    assert MAX_REPLICATIONS <= DESIGN < WHERE
    bound = [m.le for m in Experiment.model_fields["replications"].metadata if hasattr(m, "le")]
    assert bound == [MAX_REPLICATIONS]
    where = [m.le for m in Where.model_fields["replications"].metadata if hasattr(m, "le")]
    assert where[0] <= MAX_REPLICATIONS


def test_keys_below_a_parent_are_distinct():
    siblings = {
        "replication": [ARRIVALS, TRAITS, DECISIONS, UNCERTAIN],
        "arrivals": [MARKET_CLOCKS, PROSPECTING, MARKET_ORBITS, MARKET_PERIODS],
        "traits": [*TRAIT_KEYS.values(), REFERRAL_TRAITS, OUTBOUND_TRAITS],
        # first elements of keys: marketing leads are 0, 1, ... far below these
        "decisions": [FIRST_BLOCKS, OWN_NOISE, OUTBOUND_PATH, COUNTER_STREAMS],
        "root": [DESIGN, WHERE, CALIBRATION],
        "calibration root": [CAL_BOOTSTRAP, CAL_SOBOL, CAL_PROPOSALS, CAL_POSTERIOR, CAL_CHECK],
    }
    for parent, keys in siblings.items():
        assert len(set(keys)) == len(keys), parent
    # a calibration's replications (msm below MAX_REPLICATIONS, then up to 50 ABC
    # generations, then the fit check) stay apart and below its own streams
    assert MAX_REPLICATIONS <= ABC_REPLICATIONS
    assert ABC_REPLICATIONS + 51 * MAX_REPLICATIONS <= CHECK_REPLICATIONS
    assert (
        min(CAL_BOOTSTRAP, CAL_SOBOL, CAL_PROPOSALS, CAL_POSTERIOR, CAL_CHECK)
        >= CHECK_REPLICATIONS + MAX_REPLICATIONS
    )
    assert PROSPECTED == 1  # its parent (PROSPECTING) has no other child


def test_trait_keys_are_the_populations_traits_in_order():
    assert tuple(TRAIT_KEYS) == (*CUSTOMER_TRAITS, *STAKEHOLDER_TRAITS, "rival_draw")
    assert list(TRAIT_KEYS.values()) == list(range(len(TRAIT_KEYS)))
    assert RIVAL_DRAW == 11


def _named_streams() -> dict[str, np.random.SeedSequence]:
    """A sample of the streams of one experiment, by where they sit in the tree."""
    root = np.random.SeedSequence(2026)
    reps = replication_seeds(2026, 0)
    named = {
        "root": root,
        "replication 0": replication_seed(2026, 0),
        "replication 1": replication_seed(2026, 1),
        "design": child(root, DESIGN),
        "where": child(root, WHERE),
        "arrivals": reps.arrivals,
        "traits": reps.traits,
        "decisions": reps.decisions,
        "uncertain a": child(replication_seed(2026, 0), UNCERTAIN, path_key("market.lead_rate")),
        "uncertain b": child(replication_seed(2026, 0), UNCERTAIN, path_key("sellers.team_size")),
        "market clocks": child(reps.arrivals, MARKET_CLOCKS),
        "prospecting": child(reps.arrivals, PROSPECTING),
        "prospected": child(reps.arrivals, PROSPECTING, PROSPECTED),
        "market orbits": child(reps.arrivals, MARKET_ORBITS),
        "market periods": child(reps.arrivals, MARKET_PERIODS),
        "referral traits": child(reps.traits, REFERRAL_TRAITS, 0, 0),
        "outbound traits": child(reps.traits, OUTBOUND_TRAITS, 0),
        "lead 0": child(reps.decisions, 0),
        "lead 1": child(reps.decisions, 1),
        "referral (0, 0)": child(reps.decisions, 0, 0),
        "first block 0": child(reps.decisions, FIRST_BLOCKS, 0),
        "own noise of lead 0": child(reps.decisions, OWN_NOISE, 0),
        "outbound lead 1": child(reps.decisions, OUTBOUND_PATH, 1),
    }
    named |= {f"trait {name}": child(reps.traits, key) for name, key in TRAIT_KEYS.items()}
    return named


def test_the_named_streams_are_distinct():
    states = {name: tuple(s.generate_state(4).tolist()) for name, s in _named_streams().items()}
    same = [(a, b) for (a, sa), (b, sb) in itertools.combinations(states.items(), 2) if sa == sb]
    assert same == []


def test_own_noise_and_outbound_leads_have_streams_apart():
    # until 0.2.1 both keys were 2**32 - 2 (CHANGELOG.md)
    decisions = replication_seeds(2026, 0).decisions
    own_noise_of_lead_3 = child(decisions, OWN_NOISE, 3).generate_state(4)
    outbound_lead_3 = child(decisions, OUTBOUND_PATH, 3).generate_state(4)
    assert not np.array_equal(own_noise_of_lead_3, outbound_lead_3)


def test_a_named_child_is_what_spawn_gives():
    spawned = np.random.SeedSequence(5).spawn(3)[2]
    assert np.array_equal(child(np.random.SeedSequence(5), 2).generate_state(4),
                          spawned.generate_state(4))  # fmt: skip
    assert child(child(np.random.SeedSequence(5), 2), 7).spawn_key == (2, 7)


def test_a_stream_is_the_same_however_often_it_is_made():
    a = generator(replication_seeds(9, 4).decisions, 12).random(5)
    b = generator(replication_seeds(9, 4).decisions, 12).random(5)
    assert np.array_equal(a, b)


# ----------------------------------------------------- regression: pinned numbers
def test_regression_seeded_numbers_are_those_before_the_streams_moved():
    seeds = replication_seeds(1, 3)
    assert (seeds.arrivals.spawn_key, seeds.traits.spawn_key) == ((3, 0), (3, 1))
    assert generator(seeds.arrivals).random() == 0.66515602949444
    assert where_seed(1) == 6206437072162591461
    assert where_seed(2026) == 694141117911935710
    assert uncertain_generator(1, 3, "market.lead_rate").random() == 0.35711401743451954
    assert design_generator(5).random() == 0.59181931691309
    assert salib_seed(7) == 2083679833
    assert bootstrap_generator(7).random() == 0.625095466604667
