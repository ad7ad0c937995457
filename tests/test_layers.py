"""The layers of simsales: arrows run one way, and no import cycle anywhere.

Every ``import`` of every module under simsales/ is read with ``ast`` (those
inside functions and under ``if TYPE_CHECKING:`` too) and each import of a
simsales module is an arrow. A module may import modules of its own layer or of
a lower one (:data:`LAYERS`, lowest first, as in the README's layout); an arrow
to a higher layer fails, as does any cycle of modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simsales"

#: The layers, lowest first: (name, module prefixes). A module belongs to the layer of
#: its longest matching prefix; ``simsales`` alone is the package root.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("version", ("simsales.version",)),
    # numba's compiler as simsales sets it (numba only)
    ("compiled", ("simsales.compiled",)),
    # every random stream's key; the only maker of seeds and generators (numpy, and compiled)
    ("seeding", ("simsales.seeding", "simsales.counter_streams")),
    # behaviour: traits, prospect theory, strategies; no SimPy, no files
    ("model", ("simsales.model",)),
    # SimPy processes, the metrics of a replication
    ("engine", ("simsales.engine",)),
    # CRM exports: presets, parsing, funnel statistics; nothing of the simulator
    ("data", ("simsales.data",)),
    # the experiment file: schema, validation, designs, posterior table, fingerprint
    ("experiment", ("simsales.experiment",)),
    # how metrics and parameters read for people (names, units, numbers)
    ("labels", ("simsales.labels",)),
    # a results folder: the run record, the tables, ownership, provenance, parts, lock
    ("store", ("simsales.store",)),
    # statistics over stored results
    ("analysis", ("simsales.analysis",)),
    # charts over stored results
    ("plots", ("simsales.plots",)),
    # report.md / report.html and the files written beside the results
    ("reporting", ("simsales.reporting",)),
    # running experiments: replications, workers, Dask, resume, KN in batches
    ("runner", ("simsales.runner",)),
    # fitting an experiment to a CRM export: it runs simulations
    ("calibration", ("simsales.calibration",)),
    # generating docs/experiments.md from the schema
    ("docs_tool", ("simsales.docs_tool",)),
    # the command line
    ("cli", ("simsales.cli",)),
    # the public names (PEP 562), the deprecated Results methods, python -m simsales
    ("package", ("simsales", "simsales.deprecated", "simsales.__main__")),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    """Index in :data:`LAYERS` of ``module``'s layer."""
    best, length = -1, -1
    for k, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and len(prefix) > length:
                best, length = k, len(prefix)
    if best < 0:
        raise AssertionError(f"{module} is in no layer of tests/test_layers.py: add it")
    return best


def imports(module: str) -> Iterator[tuple[str, int]]:
    """``(imported simsales module, line)`` of every import in ``module``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "simsales":
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the package, up level - 1
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] != "simsales":
                continue
            for alias in node.names:  # a submodule imported from its package is that module
                sub = f"{target}.{alias.name}"
                yield (sub if sub in MODULES else target), node.lineno


GRAPH = {m: sorted({t for t, _ in imports(m) if t != m}) for m in MODULES}


def test_every_module_is_in_a_layer_and_every_import_is_a_module() -> None:
    for module in MODULES:
        layer_of(module)
    unknown = [(m, t) for m, targets in GRAPH.items() for t in targets if t not in MODULES]
    assert not unknown, f"imports of modules that do not exist: {unknown}"


def test_arrows_run_one_way() -> None:
    upward = []
    for module in MODULES:
        for target, line in imports(module):
            if target in MODULES and layer_of(target) > layer_of(module):
                upward.append(
                    f"{MODULES[module].relative_to(ROOT)}:{line}: {module} "
                    f"({LAYERS[layer_of(module)][0]}) imports {target} "
                    f"({LAYERS[layer_of(target)][0]})"
                )
    assert not upward, "imports against the layer order:\n" + "\n".join(upward)


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle() -> None:
    cycles = _cycles(GRAPH)
    assert not cycles, "import cycles between modules: " + "; ".join(
        " <-> ".join(c) for c in cycles
    )


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        ({"a": ["b"], "b": ["c"], "c": ["a"]}, ["a", "b", "c"]),
        ({"a": ["b"], "b": ["c"], "c": []}, None),
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, list[str]], cycle: list[str] | None):
    assert _cycles(graph) == ([cycle] if cycle else [])


def test_an_upward_arrow_would_be_caught() -> None:
    # the store reading the analyses would be an arrow against the order
    assert layer_of("simsales.analysis.summary") > layer_of("simsales.store.results")
    assert layer_of("simsales.runner.run") > layer_of("simsales.reporting.write")
    assert layer_of("simsales") == len(LAYERS) - 1 == layer_of("simsales.deprecated")
    assert layer_of("simsales.version") == 0
