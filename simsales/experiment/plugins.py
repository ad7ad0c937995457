"""Finding, and importing, the user code that registers strategies.

An experiment's ``modules`` are Python code: importing one runs it, as a
notebook cell runs. So finding a module (:func:`missing_module`, what
``simsales validate`` does) imports nothing, and importing one
(:func:`import_module`, what ``simsales run`` does) is a step of its own.

Installed distributions can register strategies too, under the entry-point
group :data:`ENTRY_POINT_GROUP` (``simsales.strategies``): the entry point's
name is the strategy's, its value a ``Strategy`` subclass or a module that
registers it. Finding them (:func:`advertised_strategies`) reads the
distributions' metadata and imports nothing; loading one
(:func:`import_entry_point`) runs the distribution's code, in the same step
as the modules, and only for a strategy an experiment names that no module
registered.

A dotted name is looked up on the import path first, and in the experiment's
folder after it: that folder is *appended* to ``sys.path``, so a file there
never shadows an installed package (a ``distributed.py`` beside the
experiment is not what ``import distributed`` finds).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType

from simsales.model.strategies import (
    Strategy,
    available_strategies,
    register_strategy,
    strategy_class,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "MODULE_NAME",
    "advertised_strategies",
    "distribution",
    "import_entry_point",
    "import_entry_points",
    "import_module",
    "import_modules",
    "missing_module",
]

#: The entry-point group under which installed distributions register strategies.
ENTRY_POINT_GROUP = "simsales.strategies"

#: What a dotted module name looks like.
MODULE_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def _file(spec: str, folder: str | Path | None) -> Path:
    """A ``.py`` module's file: relative to ``folder`` (default the working folder)."""
    path = Path(spec)
    if folder is not None and not path.is_absolute():
        path = Path(folder) / path
    return path.resolve()


def _find(name: str, folder: str | Path | None) -> importlib.machinery.ModuleSpec | None:
    """Where ``import name`` would find a module, with ``folder`` last on the path.

    A package on the way is looked into, not imported: its ``__init__`` does
    not run. (A package that extends its own ``__path__`` at import time is
    only looked at in its folder.)
    """
    parts = name.split(".")
    found: importlib.machinery.ModuleSpec | None = None
    for k in range(len(parts)):
        full = ".".join(parts[: k + 1])
        module = sys.modules.get(full)
        if module is not None and getattr(module, "__spec__", None) is not None:
            found = module.__spec__
            continue
        if k == 0:  # a top-level name: the finders look, nothing is imported
            found = importlib.util.find_spec(full)
            if found is None and folder is not None:
                found = importlib.machinery.PathFinder.find_spec(full, [str(folder)])
            continue
        locations = found.submodule_search_locations if found is not None else None
        if not locations:
            return None
        found = importlib.machinery.PathFinder.find_spec(full, list(locations))
        if found is None:
            return None
    return found


def missing_module(spec: str, folder: str | Path | None = None) -> str | None:
    """Why the module ``spec`` cannot be found, or None if it can. Nothing is imported.

    Parameters
    ----------
    spec : str
        A ``.py`` path (relative to ``folder``), or a dotted module name
        (looked up on the import path, then in ``folder``).
    folder : str or Path, optional
        The experiment file's folder; default the working folder for paths,
        and the import path only for names.
    """
    if spec.endswith(".py"):
        path = _file(spec, folder)
        return None if path.is_file() else f"no such file: {str(path)!r}"
    if not MODULE_NAME.fullmatch(spec):
        return f"{spec!r} is neither a .py file nor a dotted module name"
    try:
        found = _find(spec, folder)
    except (ImportError, ValueError) as e:
        return f"cannot look for module {spec!r}: {type(e).__name__}: {e}"
    if found is None:
        where = f" nor in {str(folder)!r}" if folder is not None else ""
        return f"no module named {spec!r} on the import path{where}"
    return None


def import_module(spec: str, folder: str | Path | None = None) -> None:
    """Import a module by dotted name, or a ``.py`` file by path: this runs its code.

    A file is imported once per process under a name derived from its
    absolute path, so importing it again (e.g. in a worker) registers nothing
    twice. For a dotted name, ``folder`` is appended to ``sys.path`` (never put
    ahead of installed packages).

    Raises
    ------
    ValueError
        If the module cannot be found or fails on import; the message says why.
    """
    if spec.endswith(".py"):
        path = _file(spec, folder)
        if not path.is_file():
            raise ValueError(f"no such file: {str(path)!r}")
        name = "simsales_user_" + hashlib.sha1(str(path).encode()).hexdigest()[:12]
        if name in sys.modules:
            return
        loader_spec = importlib.util.spec_from_file_location(name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise ValueError(f"cannot import {spec!r} as a Python module")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[name] = module
        try:
            loader_spec.loader.exec_module(module)
        except (Exception, SystemExit) as e:  # sys.exit() too: not the end of simsales
            del sys.modules[name]
            raise ValueError(f"importing {spec!r} failed: {type(e).__name__}: {e}") from None
        return
    if folder is not None and str(folder) not in sys.path:
        sys.path.append(str(folder))  # last: installed packages come first
        importlib.invalidate_caches()
    try:
        importlib.import_module(spec)
    except (Exception, SystemExit) as e:
        raise ValueError(f"cannot import module {spec!r}: {type(e).__name__}: {e}") from None


def import_modules(specs: Iterable[str], folder: str | Path | None = None) -> None:
    """:func:`import_module` for each of ``specs``, in order."""
    for spec in specs:
        import_module(spec, folder)


def advertised_strategies() -> dict[str, list[importlib.metadata.EntryPoint]]:
    """Strategies installed distributions register under :data:`ENTRY_POINT_GROUP`:
    name -> its entry points (more than one if several distributions take the name).

    Reads the distributions' metadata only: nothing is imported.
    """
    found: dict[str, list[importlib.metadata.EntryPoint]] = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, []).append(ep)
    return found


def distribution(ep: importlib.metadata.EntryPoint) -> str:
    """``name version`` of the installed distribution that declares ``ep``."""
    dist = ep.dist
    return f"{dist.name} {dist.version}" if dist is not None else "an installed distribution"


def import_entry_point(name: str, announce: Callable[[str], None] | None = None) -> None:
    """Register strategy ``name`` from the installed distribution that advertises it
    under :data:`ENTRY_POINT_GROUP`: this imports the distribution's code.

    Nothing happens if ``name`` is registered already. A ``Strategy`` subclass
    that its module did not register is registered under the entry point's name.

    Parameters
    ----------
    name : str
        The strategy (the entry point's name).
    announce : callable, optional
        Called with ``"'name' from <distribution> <version>"`` before the code runs.

    Raises
    ------
    ValueError
        If no distribution or more than one advertises ``name``, loading fails,
        or what is loaded registers no strategy ``name``; the message says why.
    """
    if name in available_strategies():
        return
    eps = advertised_strategies().get(name, [])
    if not eps:
        raise ValueError(
            f"no installed distribution advertises strategy {name!r} under the entry-point "
            f"group {ENTRY_POINT_GROUP!r}"
        )
    if len(eps) > 1:
        raise ValueError(
            f"strategy {name!r} is advertised under the entry-point group "
            f"{ENTRY_POINT_GROUP!r} by {', '.join(distribution(ep) for ep in eps)}; exactly "
            "one may (uninstall the others)"
        )
    ep = eps[0]
    what = f"entry point {name} = {ep.value!r} of {distribution(ep)}"
    if announce is not None:
        announce(f"{name!r} from {distribution(ep)}")
    try:
        loaded = ep.load()
    except (Exception, SystemExit) as e:  # sys.exit() too: not the end of simsales
        raise ValueError(f"loading {what} failed: {type(e).__name__}: {e}") from None
    is_strategy = isinstance(loaded, type) and issubclass(loaded, Strategy)
    if not (is_strategy or isinstance(loaded, ModuleType)):
        raise ValueError(
            f"{what} is a {type(loaded).__name__}; allowed: a Strategy subclass, or a "
            "module that registers the strategy"
        )
    if is_strategy and name not in available_strategies():
        own = loaded.name
        if own in available_strategies() and strategy_class(own) is loaded:
            raise ValueError(
                f"{what} names the strategy registered as {own!r}; name the entry point {own}"
            )
        try:
            register_strategy(name)(loaded)
        except ValueError as e:
            raise ValueError(f"{what}: {e}") from None
    if name not in available_strategies():
        raise ValueError(f"{what} was loaded but registers no strategy {name!r}")


def import_entry_points(names: Iterable[str]) -> None:
    """:func:`import_entry_point` for each of ``names`` that is not registered and
    that an installed distribution advertises (a worker process does this for the
    strategies its experiment uses)."""
    missing = [n for n in names if n not in available_strategies()]
    if not missing:
        return
    advertised = advertised_strategies()
    for name in missing:
        if name in advertised:
            import_entry_point(name)
