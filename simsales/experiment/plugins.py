"""Finding, and importing, the user modules that register strategies.

An experiment's ``modules`` are Python code: importing one runs it, as a
notebook cell runs. So finding a module (:func:`missing_module`, what
``simsales validate`` does) imports nothing, and importing one
(:func:`import_module`, what ``simsales run`` does) is a step of its own.

A dotted name is looked up on the import path first, and in the experiment's
folder after it: that folder is *appended* to ``sys.path``, so a file there
never shadows an installed package (a ``distributed.py`` beside the
experiment is not what ``import distributed`` finds).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import re
import sys
from collections.abc import Iterable
from pathlib import Path

__all__ = ["MODULE_NAME", "import_module", "import_modules", "missing_module"]

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
