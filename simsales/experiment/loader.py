"""Reading experiment files, with errors that name the key and what is allowed."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simsales.experiment.config import Experiment, strategies_required
from simsales.experiment.errors import MAX_PROBLEMS, error_lines
from simsales.experiment.plausible import implausible_values, warn
from simsales.experiment.plugins import (
    MODULE_NAME,
    advertised_strategies,
    import_entry_point,
    import_module,
    missing_module,
)
from simsales.experiment.posterior import file_sha256, posterior_columns

__all__ = [
    "MAX_DEPTH",
    "ConfigError",
    "load_experiment",
    "load_modules",
    "resolve",
    "to_experiment",
    "toml_error",
    "too_deep",
]

#: Deepest nesting of tables and arrays an experiment may have (the schema needs 6).
MAX_DEPTH = 32
_DEEP = (
    f"tables or arrays nested too deeply (more than {MAX_DEPTH} levels); an experiment "
    "file needs a few: see docs/experiments.md"
)


def too_deep(data: Any, limit: int = MAX_DEPTH) -> str | None:
    """Why ``data`` nests tables or arrays more than ``limit`` deep (naming the key
    path where it does), or None. Walks without recursion, so any depth is answered.

    Examples
    --------
    >>> too_deep({"a": {"b": [1]}}, limit=3) is None
    True
    >>> too_deep({"a": {"b": [[1]]}}, limit=3).split(":")[0]
    'a.b[0]'
    """
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, Mapping | list | tuple) and depth > limit:
            return f"{path or '(top level)'}: " + _DEEP.replace(str(MAX_DEPTH), str(limit))
        if isinstance(node, Mapping):
            stack += [(v, f"{path}.{k}" if path else str(k), depth + 1) for k, v in node.items()]
        elif isinstance(node, list | tuple):
            stack += [(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node)]
    return None


class ConfigError(ValueError):
    """An experiment that cannot run; ``errors`` holds one line per problem."""

    def __init__(self, errors: list[str], source: str = "experiment") -> None:
        self.errors = errors
        self.source = source
        super().__init__(f"{source}: " + "; ".join(errors))

    def __str__(self) -> str:
        lines = [f"invalid experiment {self.source}:"] + [f"  - {e}" for e in self.errors]
        return "\n".join(lines)


_BARE = re.compile(r"[A-Za-z_][\w-]*(?:[ \t]+[\w-]+)*")
_KEY = r'(?:[\w-]+|"[^"]*")(?:\s*\.\s*(?:[\w-]+|"[^"]*"))*'  # a key, maybe dotted


def _key_path(lines: list[str], row: int, col: int, key: str) -> str:
    """The key path of ``key``, whose value starts at ``lines[row][col]``: its table,
    the inline tables open around it, and the key itself."""
    table = ""
    items: dict[str, int] = {}
    for line in lines[:row]:
        head = re.match(r"\s*(\[\[?)\s*([^\]]+?)\s*\]", line)
        if head:
            table = head.group(2)
            if head.group(1) == "[[":  # an array of tables: its k-th item
                items[table] = items.get(table, -1) + 1
                table += f"[{items[table]}]"
    inline: list[str] = []
    for m in re.finditer(rf"({_KEY})\s*=\s*\{{|\}}", lines[row][:col]):
        if m.group(0) == "}":
            inline = inline[:-1]
        else:
            inline.append(m.group(1).strip('"'))
    return ".".join(k for k in [table, *inline, re.sub(r"\s*\.\s*", ".", key)] if k)


def toml_error(text: str, e: tomllib.TOMLDecodeError) -> str:
    """The message of a TOML syntax error; a bare word where a value belongs (a string
    without quotes, ``True`` for ``true``) is answered with the line to write.

    Examples
    --------
    >>> try:
    ...     tomllib.loads("name = baseline")
    ... except tomllib.TOMLDecodeError as e:
    ...     print(toml_error("name = baseline", e))
    name: a string needs quotes: write name = "baseline" (TOML syntax error: Invalid value (at line 1, column 8))
    """  # noqa: E501
    where = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
    plain = f"TOML syntax error: {e}"
    if where is None or not str(e).startswith("Invalid value"):
        return plain
    lines = text.splitlines()
    row, col = int(where.group(1)) - 1, int(where.group(2)) - 1
    if row >= len(lines):
        return plain
    word = _BARE.match(lines[row], col)
    before = lines[row][:col]
    key = re.search(rf"({_KEY})\s*=\s*$", before)
    in_list = re.search(rf"({_KEY})\s*=\s*\[[^\]]*$", before)  # an item of an array
    found = key or in_list
    if word is None or found is None:
        return plain
    bare, name = word.group(0).rstrip(), found.group(1)
    path = _key_path(lines, row, col, name)
    if bare.lower() in ("true", "false", "inf", "nan"):
        fix = f"{bare.lower()} is written in lower case: write {bare.lower()}"
    else:
        fix = f'a string needs quotes: write "{bare}"'
    if key is not None:
        fix = fix.replace("write ", f"write {name} = ")
    return f"{path}: {fix} ({plain})"


def _missing_modules(modules: Any, folder: str | None) -> list[str]:
    """One line per module of ``modules`` that cannot be found (nothing is imported);
    entries that are not module names at all are left to validation."""
    if not isinstance(modules, list):
        return []
    lines = []
    for k, m in enumerate(modules):
        if isinstance(m, str) and (m.endswith(".py") or MODULE_NAME.fullmatch(m)):
            why = missing_module(m, folder)
            if why:
                lines.append(f"modules[{k}]: {why}")
    return lines


def to_experiment(
    data: Mapping[str, Any] | Experiment,
    source: str = "experiment",
    *,
    module_folder: str | Path | None = None,
    **overrides: Any,
) -> Experiment:
    """Validate a mapping (or re-validate an Experiment with overrides).

    Validation runs no user code: each of ``modules`` is checked to exist, not
    imported, and a strategy name that is not registered yet is accepted if
    the experiment has ``modules`` (:func:`load_modules` imports them and
    checks it).

    Parameters
    ----------
    data : mapping or Experiment
        The experiment's keys, as in a TOML file.
    source : str
        Names the input in error messages.
    module_folder : str or Path, optional
        Where ``.py`` paths in ``modules`` are relative to, and where dotted
        names are looked up after the import path: the experiment file's
        folder. Default: that of ``data`` if it is an Experiment, else none
        (paths are relative to the working folder).
    **overrides
        Top-level keys to replace (``replications``, ``seed``, ...); None is ignored.

    Raises
    ------
    ConfigError
        Listing every problem with its key path.

    Warns
    -----
    ImplausibleValueWarning
        For each money value that is implausibly large in units of the offer's
        price (see :func:`~simsales.experiment.plausible.implausible_values`).
    """
    raw = data.model_dump() if isinstance(data, Experiment) else dict(data)
    deep = too_deep(raw)
    if deep is not None:
        raise ConfigError([deep], source)
    raw.update({k: v for k, v in overrides.items() if v is not None})
    if module_folder is None and isinstance(data, Experiment):
        module_folder = data.module_folder
    folder = str(Path(module_folder).resolve()) if module_folder is not None else None
    missing = _missing_modules(raw.get("modules"), folder)
    try:
        # strict: "7" is not a seed and true is not a count; ints still pass as floats
        exp = Experiment.model_validate(raw, strict=True)
    except ValidationError as e:
        raise ConfigError(
            missing + error_lines(e, model=Experiment, limit=MAX_PROBLEMS), source
        ) from None
    if missing:
        raise ConfigError(missing, source)
    exp._module_folder = folder
    if isinstance(data, Experiment) and exp.engine == data.engine:
        exp._engine_note = data.engine_note  # the default's reason, if it chose the engine
    lines = implausible_values(exp)
    if isinstance(data, Experiment):  # warned about when it was read; only what is new
        lines = [ln for ln in lines if ln not in implausible_values(data)]
    warn(lines)
    return exp


def load_experiment(path: str | Path, **overrides: Any) -> Experiment:
    """Read, and fully validate, an experiment file: no code of it runs.

    Module paths ending in ``.py``, and ``[data]``'s ``path``, are taken relative
    to the file's folder, and dotted module names are looked up on the import
    path, then in that folder. Modules are checked to exist, not imported:
    :func:`load_modules` imports them (``simsales.run`` does).

    Raises
    ------
    ConfigError
        If the file is missing, is not valid TOML, or has any bad value.
    """
    p = Path(path)
    if not p.exists():
        raise ConfigError([f"no such file: {str(p)!r}"], str(p))
    if not p.is_file():
        raise ConfigError([f"not a file: {str(p)!r} (give an experiment .toml file)"], str(p))
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except RecursionError:
        raise ConfigError([_DEEP], str(p)) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError([toml_error(p.read_text(encoding="utf-8"), e)], str(p)) from None
    except UnicodeDecodeError as e:
        raise ConfigError([f"not a UTF-8 text file: {e}"], str(p)) from None
    mods = raw.get("modules")
    if isinstance(mods, list):
        raw["modules"] = [
            str((p.parent / m).resolve()) if isinstance(m, str) and m.endswith(".py") else m
            for m in mods
        ]
    data = raw.get("data")
    if isinstance(data, dict) and isinstance(data.get("path"), str) and data["path"]:
        raw["data"] = {**data, "path": str((p.parent / data["path"]).resolve())}
    post = raw.get("posterior")
    if isinstance(post, dict) and isinstance(post.get("path"), str) and post["path"]:
        raw["posterior"] = _read_posterior_file(post, p)
    return to_experiment(raw, str(p), module_folder=p.parent, **overrides)


def _read_posterior_file(post: dict[str, Any], file: Path) -> dict[str, Any]:
    """``[posterior]`` with its path resolved, its columns read (when not given) and
    its SHA-256 recorded; ConfigError naming the key if the file cannot be read."""
    path = (file.parent / post["path"]).resolve()
    if not path.is_file():
        raise ConfigError(
            [f"posterior.path: {post['path']!r}: no such file (relative to {file.parent}); "
             "allowed: a posterior.parquet written by simsales calibrate"],
            str(file),
        )  # fmt: skip
    try:
        columns = posterior_columns(path)
    except Exception as e:  # pyarrow raises several kinds for a file that is not Parquet
        raise ConfigError(
            [f"posterior.path: {post['path']!r} is not a Parquet file ({type(e).__name__}: {e})"],
            str(file),
        ) from None
    out = {**post, "path": str(path), "sha256": file_sha256(path)}
    if out.get("parameters") is None:
        out["parameters"] = columns
    return out


def load_modules(
    config: Experiment,
    source: str = "experiment",
    announce: Callable[[str], None] | None = None,
) -> Experiment:
    """Import the experiment's ``modules``, then the installed packages' strategies
    it uses (this runs their code), then check its strategies against what is
    registered.

    This is the one step that runs user code: validation
    (:func:`load_experiment`, ``Experiment.model_validate``) imports nothing.
    A dotted name is looked up on the import path, then in the experiment
    file's folder: the folder is appended to ``sys.path``, never put ahead of
    installed packages. A strategy the modules do not register is then loaded
    from the installed distribution that advertises it under the entry-point
    group ``simsales.strategies`` (only the ones the experiment names).

    Parameters
    ----------
    config : Experiment
        A validated experiment (e.g. from :func:`load_experiment`).
    source : str
        Names the experiment in error messages.
    announce : callable, optional
        Called with ``"'name' from <distribution> <version>"`` before a
        distribution's strategy is loaded.

    Returns
    -------
    Experiment
        The experiment, validated again with every strategy known: each
        strategy's ``params`` are checked too.

    Raises
    ------
    ConfigError
        If a module or an entry point cannot be loaded (its error is in the
        message), or a strategy is still unknown once they are.
    """
    problems = []
    for k, m in enumerate(config.modules):
        try:
            import_module(m, config.module_folder)
        except ValueError as e:
            problems.append(f"modules[{k}]: {e}")
    if problems:
        raise ConfigError(problems, source)
    pending = config.unchecked_strategies  # what the modules did not register
    advertised = advertised_strategies() if pending else {}
    for name in pending:
        if name in advertised:
            try:
                import_entry_point(name, announce)
            except ValueError as e:
                problems.append(f"{_strategy_key(config, name)}: {e}")
    if problems:
        raise ConfigError(problems, source)
    with strategies_required():
        return to_experiment(config, source)


def _strategy_key(config: Experiment, name: str) -> str:
    """The key path where ``config`` first names the registered strategy ``name``."""
    for k, s in enumerate(config.strategies):
        if s.sequence:
            for j, p in enumerate(s.sequence):
                if p.strategy == name:
                    return f"strategies[{k}].sequence[{j}].strategy"
        elif (s.strategy or s.name) == name:
            return f"strategies[{k}].{'strategy' if s.strategy else 'name'}"
    return "strategies"


def resolve(
    experiment: str | Path | Mapping[str, Any] | Experiment, **overrides: Any
) -> Experiment:
    """An :class:`Experiment` from a file path, a mapping or an Experiment, with overrides."""
    if isinstance(experiment, (str, Path)):
        return load_experiment(experiment, **overrides)
    return to_experiment(experiment, **overrides)
