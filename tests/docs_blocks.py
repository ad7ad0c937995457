"""Run the fenced code blocks of the documentation (used by test_docs.py).

Every fenced block of ``docs/*.md`` and ``README.md`` is taken in order, one
working folder per page (a temporary copy of ``experiments/``, shrunk):

- ``python``: executed, the blocks of one page in one namespace;
- ``toml``: validated as an experiment (``name`` and ``seed`` are added to a
  fragment that lacks them);
- ``sh``, ``bash``, ``console``: every command that starts with ``simsales`` or
  ``python -m simsales`` is run through the CLI (in this process) and must exit 0,
  and ``python -c CODE`` is executed; any other
  command is checked, not run (``pip install`` extras exist in pyproject.toml,
  ``pytest`` and script paths exist, ...). In a ``console`` block, lines after
  a ``$`` command are output that must appear, in order, in what it prints
  (``...`` skips lines);
- ``text``, ``output`` or no language: shown output, not executed.

An HTML comment on the line(s) directly above a block changes this:
``<!-- file: NAME -->`` writes the block to ``NAME`` instead (a module, an
experiment file); ``<!-- exit: N -->`` expects exit status N from its commands;
``<!-- skip-test: REASON -->`` skips it.

Sizes are cut so that the examples run in seconds: in the copied experiment
files and the experiment files a page writes, ``replications`` is at most
``CAP``, ``horizon_days``, ``end_days`` and ``size`` are divided by ``SHRINK``,
design ``points`` and ``samples`` are at most 2 and a calibration's search
sizes at most ``SEARCH``'s; a command's ``-n`` is at most ``CAP``,
``--precision`` gets ``--max-replications``, and ``select`` on a file ``--n0``
and ``--max-replications``. Results are not compared (the numbers are the
engine's): the examples must run, and their own ``assert`` statements hold.
Charts are built but not rendered (``Figure.savefig`` writes a small blank image).

Run one page by hand: ``python tests/docs_blocks.py README.md``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CAP = 2  # replications
SHRINK = 10  # horizon, observation window and market size divided by this
TIMEOUT = 600  # seconds per command
#: A calibration's search, cut (the least each key allows, or a few steps).
SEARCH = {"starts": 2, "evaluations": 4, "particles": 20, "generations": 1}

PYTHON = {"python", "py"}
SHELL = {"sh", "bash", "shell", "console"}
TOML = {"toml"}
TEXT = {"", "text", "txt", "output"}
MARKERS = ("skip-test", "file", "exit")

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<lang>[\w+-]*)\s*$")
_MARKER = re.compile(r"^\s*<!--\s*(?P<key>[\w-]+):\s*(?P<value>.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown page."""

    page: str
    line: int  # of the opening fence, from 1
    lang: str
    text: str
    markers: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def docs_pages() -> list[Path]:
    """README.md and every page of docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def parse(text: str, page: str = "<page>") -> list[Block]:
    """The fenced blocks of ``text``, with the markers directly above each.

    Raises
    ------
    ValueError
        For an unclosed fence, an unknown marker, or an unknown language.
    """
    lines = text.splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = len(m["indent"]), m["fence"], m["lang"].lower()
        start = i
        body = []
        i += 1
        while i < len(lines) and not re.match(rf"^ *{re.escape(fence)}\s*$", lines[i]):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        if i == len(lines):
            raise ValueError(f"{page}:{start + 1}: code block is never closed")
        markers = {}
        j = start - 1
        while j >= 0 and (mk := _MARKER.match(lines[j])):
            if mk["key"] not in MARKERS:
                raise ValueError(f"{page}:{j + 1}: unknown marker {mk['key']!r}; known: {MARKERS}")
            markers[mk["key"]] = mk["value"]
            j -= 1
        if lang not in PYTHON | SHELL | TOML | TEXT:
            raise ValueError(
                f"{page}:{start + 1}: unknown language {lang!r}; use python, toml, sh, "
                "console or text (or mark the block <!-- skip-test: why -->)"
            )
        if "skip-test" in markers and not markers["skip-test"]:
            raise ValueError(f"{page}:{start + 1}: skip-test needs a reason")
        blocks.append(Block(page, start + 1, lang, "\n".join(body) + "\n", markers))
        i += 1
    return blocks


# ------------------------------------------------------------------ shell commands
@dataclass(frozen=True)
class Command:
    """One shell command of a block, with the output shown under it (console)."""

    argv: list[str]
    expected: list[str] = field(default_factory=list)


def _split(line: str) -> list[list[str]]:
    """Commands of one shell line: split on ``&&``, ``||``, ``;``; comments dropped."""
    lex = shlex.shlex(line, posix=True, punctuation_chars=";&|")
    lex.whitespace_split = True
    lex.commenters = "#"
    out: list[list[str]] = [[]]
    for tok in lex:
        if tok in ("&&", "||", ";", "|", "&"):
            out.append([])
        else:
            out[-1].append(tok)
    return [c for c in out if c]


def commands(block: Block) -> list[Command]:
    """The commands of a shell block (in a console block, the ``$`` lines)."""
    lines = re.sub(r"\\\n", " ", block.text).splitlines()
    if block.lang != "console":
        return [Command(c) for ln in lines for c in _split(ln)]
    out: list[Command] = []
    for ln in lines:
        if ln.startswith("$ "):
            out += [Command(c) for c in _split(ln[2:])]
        elif out and ln.strip():
            out[-1].expected.append(ln)
    return out


def _env_stripped(argv: list[str]) -> list[str]:
    i = 0
    while i < len(argv) and re.match(r"^[A-Z_][A-Z0-9_]*=", argv[i]):
        i += 1
    return argv[i:]


def cli_args(argv: list[str]) -> list[str] | None:
    """The arguments of a ``simsales`` / ``python -m simsales`` command, else None."""
    argv = _env_stripped(argv)
    if argv[:1] == ["simsales"]:
        return argv[1:]
    if len(argv) >= 3 and argv[0] in ("python", "python3") and argv[1:3] == ["-m", "simsales"]:
        return argv[3:]
    return None


def python_c(argv: list[str]) -> str | None:
    """The code of a ``python -c CODE`` command, else None."""
    a = _env_stripped(argv)
    if len(a) == 3 and a[0] in ("python", "python3") and a[1] == "-c":
        return a[2]
    return None


def reduced(args: list[str]) -> list[str]:
    """CLI arguments with the replications capped (see the module docstring)."""
    out = list(args)
    for flag in ("-n", "--replications"):
        if flag in out[:-1]:
            k = out.index(flag) + 1
            out[k] = str(min(int(out[k]), CAP))
    if "--precision" in out and "--max-replications" not in out:
        out += ["--max-replications", str(CAP + 1)]
    if out[:1] == ["select"] and any(a.endswith(".toml") for a in out):  # runs until KN decides
        if "--n0" not in out:
            out += ["--n0", str(CAP)]
        if "--max-replications" not in out:
            out += ["--max-replications", str(2 * CAP)]
    return out


def _extras() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return set(data["project"].get("optional-dependencies", {}))


def check(argv: list[str]) -> str:
    """Check a command that is not run: it must be one we know how to check, and valid.

    Returns
    -------
    str
        What kind of command it was found to be: ``"pip"``, ``"pytest"``,
        ``"module"``, ``"script"`` or ``"shell"`` (a builtin or git).

    Raises
    ------
    AssertionError
        Saying what is wrong.
    """
    a = _env_stripped(argv)
    py = a[:1] in (["python"], ["python3"])
    if (py and a[1:3] == ["-m", "pip"]) or a[:1] == ["pip"]:
        rest = a[a.index("install") + 1 :] if "install" in a else []
        assert rest, f"{shlex.join(argv)}: only 'pip install' is checked"
        for spec in (x for x in rest if not x.startswith("-")):
            m = re.fullmatch(r"\.(?:\[(?P<extras>[\w,-]+)\])?", spec)
            assert m, f"{shlex.join(argv)}: installs {spec!r}, not this package"
            unknown = set((m["extras"] or "").split(",")) - _extras() - {""}
            assert not unknown, f"{shlex.join(argv)}: no extra {unknown} in pyproject.toml"
        return "pip"
    if py and a[1:3] == ["-m", "pytest"]:
        skip_next = False
        for x in a[3:]:
            if skip_next or x.startswith("-"):
                skip_next = x in ("-m", "-k", "-n", "-p")
                continue
            path = x.split("::")[0]
            assert (ROOT / path).exists(), f"{shlex.join(argv)}: no {path} in the repository"
        return "pytest"
    if py and a[1:2] == ["-m"] and len(a) > 2:
        import importlib.util

        assert importlib.util.find_spec(a[2]) is not None, f"no module {a[2]!r}"
        if a[2] not in ("venv",):
            assert a[2].startswith("simsales."), f"{shlex.join(argv)}: unknown module"
        return "module"
    if py and len(a) > 1 and a[1].endswith(".py"):
        script = ROOT / a[1]
        assert script.is_file(), f"{shlex.join(argv)}: no {a[1]} in the repository"
        text = script.read_text()
        for opt in (x.split("=")[0] for x in a[2:] if x.startswith("--")):
            assert opt in text, f"{shlex.join(argv)}: {a[1]} has no option {opt}"
        return "script"
    if a[:1] in ([":"], ["."], ["source"], ["git"], ["cd"]):
        return "shell"
    raise AssertionError(
        f"{shlex.join(argv)}: not a command the docs test can check; run it through "
        "the CLI, or mark the block <!-- skip-test: why -->"
    )


def _output_matches(expected: list[str], actual: str) -> bool:
    """Whether the expected lines appear in order (``...`` skips any lines)."""
    norm = [" ".join(ln.split()) for ln in actual.splitlines()]
    k = 0
    for e in expected:
        e = " ".join(e.split())
        if e == "...":
            continue
        while k < len(norm) and norm[k] != e:
            k += 1
        if k == len(norm):
            return False
        k += 1
    return True


# ------------------------------------------------------------------ a working folder
def shrink(text: str) -> str:
    """An experiment file's text with its sizes cut (see the module docstring)."""

    def one(m: re.Match[str]) -> str:
        key, value = m["key"], float(m["value"])
        if key == "replications":
            new: float = min(int(value), CAP)
        elif key in ("points", "samples"):
            new = min(int(value), 2)
        elif key in SEARCH:
            new = min(int(value), SEARCH[key])
        elif key == "size":
            new = max(1, int(value) // SHRINK)
        else:
            new = max(1.0, value / SHRINK)
        return f"{m['head']}{new!r}" if isinstance(new, float) else f"{m['head']}{new}"

    keys = "replications|horizon_days|end_days|size|points|samples|" + "|".join(SEARCH)
    pattern = rf"^(?P<head>\s*(?P<key>{keys})\s*=\s*)(?P<value>[0-9_.eE+-]+)"
    return re.sub(pattern, one, text, flags=re.M)


def workdir(folder: Path) -> None:
    """Fill ``folder`` with a shrunk copy of ``experiments/``."""
    dst = folder / "experiments"
    shutil.copytree(ROOT / "experiments", dst)
    for f in dst.glob("*.toml"):
        f.write_text(shrink(f.read_text()))


@dataclass(frozen=True)
class Ran:
    """What a CLI command did."""

    code: int
    output: str


def _cli(args: list[str]) -> Ran:
    """Run ``simsales ARGS`` in this process (as ``python -m simsales`` does)."""
    from typer.testing import CliRunner

    from simsales.cli import app

    res = CliRunner().invoke(app, args, prog_name="simsales", env={"COLUMNS": "160"})
    out = res.output
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        out += "".join(traceback.format_exception(res.exception))
    return Ran(res.exit_code, out)


def _no_rendering() -> None:
    """Charts are built but not rendered: ``Figure.savefig`` writes a small blank
    image of the format asked for (tests/blank_charts.py).

    Rendering is most of a run's time here; tests/test_outputs.py renders them.
    """
    import blank_charts

    blank_charts.install()


def run_block(block: Block, ns: dict[str, Any], cwd: Path) -> None:
    """Execute one block in ``cwd`` (see the module docstring).

    Raises
    ------
    AssertionError
        If a command fails or prints other than what the block shows.
    """
    if "skip-test" in block.markers:
        return
    if "file" in block.markers:
        target = (cwd / block.markers["file"]).resolve()
        assert target.is_relative_to(cwd.resolve()), f"{block.where}: file outside the folder"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(shrink(block.text) if target.suffix == ".toml" else block.text)
        return
    if block.lang in PYTHON:
        exec(compile(block.text, block.where, "exec"), ns)
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
    elif block.lang in TOML:
        from simsales.experiment.loader import to_experiment

        data = tomllib.loads(block.text)
        data.setdefault("name", "docs")
        data.setdefault("seed", 1)
        to_experiment(data, block.where)
    elif block.lang in SHELL:
        if block.lang != "console":
            syntax = subprocess.run(["bash", "-n", "-c", block.text], capture_output=True)
            assert syntax.returncode == 0, f"{block.where}: {syntax.stderr.decode()}"
        want = int(block.markers.get("exit", "0"))
        for cmd in commands(block):
            code = python_c(cmd.argv)
            if code is not None:  # python -c CODE: run here, in a namespace of its own
                exec(compile(code, f"{block.where} (python -c)", "exec"), {"__name__": "__main__"})
                continue
            args = cli_args(cmd.argv)
            if args is None:
                check(cmd.argv)
                continue
            res = _cli(reduced(args))
            shown = f"$ simsales {shlex.join(reduced(args))}\n{res.output}"
            assert res.code == want, f"exit {res.code}, not {want}:\n{shown}"
            assert _output_matches(cmd.expected, res.output), (
                "the output differs from what the block shows:\n" + shown
            )


def run_page(page: Path, verbose: bool = False) -> None:
    """Run every block of one page, in order, in a fresh working folder.

    Raises
    ------
    AssertionError
        Naming the block (page and line) that failed.
    """
    blocks = parse(page.read_text(), str(page.relative_to(ROOT)))
    _no_rendering()
    with tempfile.TemporaryDirectory(prefix="simsales-docs-") as tmp:
        folder = Path(tmp)
        workdir(folder)
        ns: dict[str, Any] = {"__name__": "__main__"}
        old = Path.cwd()
        os.chdir(folder)
        try:
            for b in blocks:
                t0 = time.perf_counter()
                try:
                    run_block(b, ns, folder)
                    if verbose:
                        print(f"{b.where} {b.lang}: {time.perf_counter() - t0:.1f} s")
                except Exception as e:
                    detail = "".join(traceback.format_exception(e)[-12:])
                    raise AssertionError(f"{b.where} ({b.lang or 'text'} block): {detail}") from e
        finally:
            os.chdir(old)


def main(argv: list[str]) -> int:
    """Run the pages given (paths from the repository root); 1 if one fails."""
    for name in argv:
        try:
            run_page(ROOT / name, verbose=True)
        except AssertionError as e:
            print(e, file=sys.stderr)
            return 1
        print(f"{name}: ok")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))
