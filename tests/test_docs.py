"""Every code block of README.md and docs/*.md runs (see tests/docs_blocks.py),
and the repository stands on its own.

The runner itself is checked first on small pages with known answers: what it
parses, which commands it runs or checks, and that it fails when a block
fails. Then each page is run, in a process of its own (slow). Last, no tracked
text file cites the team's design note, which is not in the repository, and
every relative link of the Markdown pages (the changelog's too) leads to a
file (and heading) that exists. The papers the package ships with (ODD
description, citation file, licence) are checked in tests/test_docs_papers.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import docs_blocks as db
from docs_blocks import Block, Command

PAGES = db.docs_pages()

SAMPLE = """\
# Title

```python
x = 1
```

1. A list item with an indented block:

   ```sh
   simsales validate a.toml  # check
   ```

<!-- file: a.toml -->
```toml
name = "a"
```

<!-- skip-test: needs a cluster -->
<!-- exit: 3 -->
```console
$ simsales run a.toml
some output
```

```
plain output
```
"""


# ------------------------------------------------------------------ parsing
def test_parse_finds_every_block_with_its_language_line_and_markers():
    blocks = db.parse(SAMPLE, "sample.md")
    assert [(b.line, b.lang) for b in blocks] == [
        (3, "python"),
        (9, "sh"),
        (14, "toml"),
        (20, "console"),
        (25, ""),
    ]
    assert blocks[0].text == "x = 1\n"
    assert blocks[1].text == "simsales validate a.toml  # check\n"  # indent removed
    assert blocks[2].markers == {"file": "a.toml"}
    assert blocks[3].markers == {"skip-test": "needs a cluster", "exit": "3"}
    assert blocks[0].markers == {}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("```python\nx = 1\n", "never closed"),
        ("```ruby\nputs 1\n```\n", "unknown language 'ruby'"),
        ("<!-- skip-test: -->\n```python\nx\n```\n", "needs a reason"),
        ("<!-- skip: why -->\n```python\nx\n```\n", "unknown marker 'skip'"),
    ],
)
def test_parse_refuses_what_it_cannot_run(text: str, needle: str):
    with pytest.raises(ValueError, match=needle):
        db.parse(text, "bad.md")


def test_shell_lines_split_into_commands_without_comments():
    block = Block("p", 1, "sh", "python -m pip install . && python -m pytest  # all\n"
                  "simsales run e.toml \\\n  -n 5\n# a comment line\n")  # fmt: skip
    assert [c.argv for c in db.commands(block)] == [
        ["python", "-m", "pip", "install", "."],
        ["python", "-m", "pytest"],
        ["simsales", "run", "e.toml", "-n", "5"],
    ]


def test_console_blocks_separate_commands_from_their_output():
    block = Block("p", 1, "console", "$ simsales validate a.toml\nok: a.toml\n\n$ simsales x\n")
    assert db.commands(block) == [
        Command(["simsales", "validate", "a.toml"], ["ok: a.toml"]),
        Command(["simsales", "x"], []),
    ]


def test_cli_commands_are_recognised_and_reduced():
    assert db.cli_args(["python", "-m", "simsales", "run", "f.toml"]) == ["run", "f.toml"]
    assert db.cli_args(["X=1", "simsales", "validate", "f"]) == ["validate", "f"]
    assert db.cli_args(["python", "-m", "simsales.docs_tool.reference"]) is None
    assert db.cli_args(["python", "-m", "pytest"]) is None
    cap = str(db.CAP)
    assert db.reduced(["run", "f", "-n", "100", "--seed", "7"]) == [
        "run",
        "f",
        "-n",
        cap,
        "--seed",
        "7",
    ]
    assert db.reduced(["run", "f", "--replications", "1"]) == ["run", "f", "--replications", "1"]
    assert db.reduced(["run", "f", "--precision", "0.01"])[-2:] == [
        "--max-replications",
        str(db.CAP + 1),
    ]
    assert db.reduced(["select", "f.toml", "--delta", "0.1"])[4:] == [
        "--n0", cap, "--max-replications", str(2 * db.CAP),
    ]  # fmt: skip
    assert db.reduced(["select", "results/x", "--delta", "0.1"]) == [
        "select", "results/x", "--delta", "0.1",
    ]  # fmt: skip


def test_experiment_copies_are_shrunk():
    text = (
        "replications = 30\nhorizon_days = 730.0\n[lifecycle]\nend_days = 1095.0\n"
        "[market]\nsize = 10000\nexpansion_size = 0.3\n[sensitivity]\nsamples = 8\n"
    )
    assert db.shrink(text) == (
        f"replications = {db.CAP}\nhorizon_days = 73.0\n[lifecycle]\nend_days = 109.5\n"
        "[market]\nsize = 1000\nexpansion_size = 0.3\n[sensitivity]\nsamples = 2\n"
    )


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ('python -m pip install ".[test]"', "pip"),
        ("pip install .", "pip"),
        ('python -m pytest tests/test_docs.py -m "not slow"', "pytest"),
        ("SIMSALES_TEST_SCALE=0.5 python -m pytest tests/test_docs.py::test_x", "pytest"),
        ("python benchmarks/run.py --quick", "script"),
        ("python -m simsales.docs_tool.reference docs/experiments.md", "module"),
        ("git status", "shell"),
    ],
)
def test_commands_that_are_not_run_are_checked(command: str, kind: str):
    assert db.check(db.commands(Block("p", 1, "sh", command))[0].argv) == kind


@pytest.mark.parametrize(
    ("command", "needle"),
    [
        ('python -m pip install ".[nope]"', "no extra"),
        ("python -m pip install numpy", "not this package"),
        ("python -m pytest tests/test_nothing_here.py", "no tests/test_nothing_here.py"),
        ("python benchmarks/run.py --fast", "no option --fast"),
        ("python tools/nothing.py", "no tools/nothing.py"),
        ("python -m simsales.nothing", "no module"),
        ("rm -rf results", "not a command the docs test can check"),
    ],
)
def test_commands_that_cannot_work_are_refused(command: str, needle: str):
    with pytest.raises(AssertionError, match=needle):
        db.check(db.commands(Block("p", 1, "sh", command))[0].argv)


def test_shown_output_must_appear_in_order():
    out = "error: bad\n  - a: wrong\n  - b:   wrong too\n"
    assert db._output_matches(["error: bad", "- b: wrong too"], out)
    assert db._output_matches(["error: bad", "...", "- b: wrong too"], out)
    assert not db._output_matches(["- b: wrong too", "- a: wrong"], out)
    assert not db._output_matches(["- c: missing"], out)


# ------------------------------------------------------------------ failing blocks fail
def test_a_failing_block_fails(tmp_path: Path):
    ns: dict = {}
    db.run_block(Block("p", 1, "python", "y = 2\n"), ns, tmp_path)
    assert ns["y"] == 2
    with pytest.raises(AssertionError):
        db.run_block(Block("p", 5, "python", "assert y == 3\n"), ns, tmp_path)
    bad_toml = Block("p", 9, "toml", "[market]\nlead_rate = -1.0\n")
    with pytest.raises(ValueError, match=r"market\.lead_rate"):
        db.run_block(bad_toml, ns, tmp_path)
    db.run_block(Block("p", 9, "toml", "[market]\nlead_rate = 1.0\n"), ns, tmp_path)


def test_a_command_fails_on_its_exit_status_or_output(tmp_path: Path):
    (tmp_path / "bad.toml").write_text('name = "b"\nseed = 1\nreplications = 0\n')
    cmd = f"$ simsales validate {tmp_path / 'bad.toml'}\n"
    with pytest.raises(AssertionError, match="exit 2, not 0"):
        db.run_block(Block("p", 1, "console", cmd), {}, tmp_path)
    shown = cmd + "  - replications: Input should be greater than or equal to 1 (got 0)\n"
    db.run_block(Block("p", 1, "console", shown, {"exit": "2"}), {}, tmp_path)
    wrong = cmd + "  - seed: wrong\n"
    with pytest.raises(AssertionError, match="output differs"):
        db.run_block(Block("p", 1, "console", wrong, {"exit": "2"}), {}, tmp_path)


def test_python_c_commands_run(tmp_path: Path):
    assert db.python_c(["python", "-c", "print(1)"]) == "print(1)"
    assert db.python_c(["python", "-m", "simsales"]) is None
    db.run_block(Block("p", 1, "sh", 'python -c "x = 1; assert x == 1"\n'), {}, tmp_path)
    with pytest.raises(AssertionError):
        db.run_block(Block("p", 1, "sh", 'python -c "assert 1 == 2"\n'), {}, tmp_path)


def test_skipped_blocks_do_not_run_and_file_blocks_are_written(tmp_path: Path):
    db.run_block(Block("p", 1, "python", "raise SystemExit(1)\n", {"skip-test": "x"}), {}, tmp_path)
    db.run_block(Block("p", 1, "python", "x = 1\n", {"file": "m/mod.py"}), {}, tmp_path)
    assert (tmp_path / "m" / "mod.py").read_text() == "x = 1\n"
    with pytest.raises(AssertionError, match="outside"):
        db.run_block(Block("p", 1, "toml", "", {"file": "../x.toml"}), {}, tmp_path)


# ------------------------------------------------------------------ the pages
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_parses_and_its_other_commands_check(page: Path):
    kinds = [
        db.check(cmd.argv)
        for block in db.parse(page.read_text(), page.name)
        if block.lang in db.SHELL and "skip-test" not in block.markers
        for cmd in db.commands(block)
        if db.cli_args(cmd.argv) is None and db.python_c(cmd.argv) is None
    ]
    # every command the page shows but the docs test does not run was recognised
    assert set(kinds) <= {"pip", "pytest", "module", "script", "shell"}


def _runs_something(page: Path) -> bool:
    blocks = db.parse(page.read_text(), page.name)
    return any(b.lang not in db.TEXT and "skip-test" not in b.markers for b in blocks)


@pytest.mark.slow
@pytest.mark.parametrize("page", [p for p in PAGES if _runs_something(p)], ids=lambda p: p.name)
def test_page_runs(page: Path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(db.ROOT), env.get("PYTHONPATH")]))
    res = subprocess.run(
        [sys.executable, str(Path(db.__file__)), str(page.relative_to(db.ROOT))],
        capture_output=True, text=True, env=env, timeout=1200, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-6000:] + res.stdout[-3000:]


# ------------------------------------------------------------------ the repository stands alone
# The team's design note lives outside the repository; spelt in two parts so
# that this file does not mention it either.
PRIVATE_NOTE = "DESIGN" + ".md"


def tracked_files() -> list[Path]:
    """The files git tracks; outside a git checkout, every file but those in
    hidden, cache and build folders."""
    res = subprocess.run(["git", "ls-files", "-z"], cwd=db.ROOT, capture_output=True, check=False)
    if res.returncode == 0 and res.stdout:
        names = [n for n in res.stdout.decode().split("\0") if n]
        return [db.ROOT / n for n in names if (db.ROOT / n).is_file()]
    skip = {"__pycache__", "build", "dist"}
    return [
        f
        for f in db.ROOT.rglob("*")
        if f.is_file()
        and not any(part.startswith(".") or part in skip for part in f.relative_to(db.ROOT).parts)
    ]


def _text(path: Path) -> str | None:
    """The file as text, or None for a binary file (charts, parquet tables)."""
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode()
    except UnicodeDecodeError:
        return None


def test_no_tracked_file_cites_the_design_note_outside_the_repository():
    files = tracked_files()
    assert any(f.name == "model.md" for f in files)  # the walk found the docs
    cites = []
    for f in files:
        text = _text(f)
        if text is None:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if PRIVATE_NOTE in line:
                cites.append(f"{f.relative_to(db.ROOT)}:{n}: {line.strip()}")
    assert not cites, (
        f"{PRIVATE_NOTE} is not in the repository; cite docs/model.md (section 0 holds "
        "the ideas, sections 2-7 the mechanisms) instead:\n" + "\n".join(cites)
    )


_LINK = re.compile(
    r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"
)
_CODE_SPAN = re.compile(r"(`+).*?\1")
_HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
_HTML_ID = re.compile(r"""<a\s+(?:id|name)=["'](?P<id>[^"']+)["']""")


def _outside_fences(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every line outside fenced code blocks."""
    lines, fence = [], ""
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^\s*(`{3,}|~{3,})", line)
        if m and (not fence or m.group(1).startswith(fence)):
            fence = "" if fence else m.group(1)
            continue
        if not fence:
            lines.append((n, line))
    return lines


def slug(title: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped,
    spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every anchor of a Markdown page: its headings (a repeated heading gets
    -1, -2, ...) and explicit ``<a id=...>`` tags."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    text = page.read_text()
    for _, line in _outside_fences(text):
        if m := _HEADING.match(line):
            base = slug(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m["title"]))
            k = seen.get(base, 0)
            seen[base] = k + 1
            found.add(base if k == 0 else f"{base}-{k}")
    found.update(m["id"] for m in _HTML_ID.finditer(text))
    return found


def relative_links(page: Path) -> list[tuple[int, str]]:
    """(line, target) of every link and image of ``page`` that is not a URL."""
    out = []
    for n, line in _outside_fences(page.read_text()):
        for m in _LINK.finditer(_CODE_SPAN.sub("", line)):
            target = m["target"]
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, mailto:, ...
                out.append((n, target))
    return out


def test_link_checker_finds_links_and_anchors_with_known_answers(tmp_path: Path):
    page = tmp_path / "p.md"
    page.write_text(
        "# 0. The ideas, modelled\n\n## `[market]` keys\n\n## Again\n\n## Again\n\n"
        'See [a](other.md#x), ![img](pics/a.png "title") and [web](https://x.org).\n'
        "`[not](a-link.md)`\n\n```md\n[not](either.md)\n# not a heading\n```\n"
    )
    assert relative_links(page) == [(9, "other.md#x"), (9, "pics/a.png")]
    assert anchors(page) == {"0-the-ideas-modelled", "market-keys", "again", "again-1"}


# README.md, docs/*.md, the changelog, and the results' READMEs (the reference
# results' own pages)
DOC_PAGES = [
    *PAGES,
    db.ROOT / "CHANGELOG.md",
    *sorted((db.ROOT / "results").glob("**/README.md")),
]


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda p: str(p.relative_to(db.ROOT)))
def test_relative_links_lead_to_files_and_headings_that_exist(page: Path):
    broken = []
    for n, target in relative_links(page):
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        where = f"{page.relative_to(db.ROOT)}:{n}: ({target})"
        if not dest.is_relative_to(db.ROOT):
            broken.append(f"{where} leads outside the repository")
        elif not dest.exists():
            broken.append(f"{where}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{where}: no heading with anchor #{anchor} in {dest.name}")
    assert not broken, "\n".join(broken)
