"""Importing the user modules that register strategies."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path

__all__ = ["import_module"]


def import_module(spec: str) -> None:
    """Import a module by dotted name, or a ``.py`` file by path.

    A file is imported once per process under a name derived from its
    absolute path, so importing it again (e.g. in a worker) registers nothing twice.

    Raises
    ------
    ValueError
        If the module cannot be found or fails on import; the message says why.
    """
    if spec.endswith(".py"):
        path = Path(spec).resolve()
        if not path.is_file():
            raise ValueError(f"no such file: {spec!r}")
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
        except Exception as e:
            del sys.modules[name]
            raise ValueError(f"importing {spec!r} failed: {type(e).__name__}: {e}") from None
        return
    try:
        importlib.import_module(spec)
    except Exception as e:
        raise ValueError(f"cannot import module {spec!r}: {type(e).__name__}: {e}") from None
