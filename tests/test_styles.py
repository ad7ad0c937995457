"""One look per strategy: the naming rule, the collision rule and the experiment's `style`."""

from __future__ import annotations

import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simsales.cli import app
from simsales.experiment.config import StrategyStyle
from simsales.experiment.loader import ConfigError, load_experiment
from simsales.plots.style import (
    BUILTIN_STYLES,
    DASH_NAMES,
    MARKERS,
    OTHER_COLOURS,
    PALETTE,
    config_styles,
    strategy_style,
    strategy_styles,
    variant_of,
)

ROOT = Path(__file__).resolve().parents[1]
BASE = 'name = "styled"\nseed = 1\nreplications = 2\nhorizon_days = 20.0\n'
#: The names of experiments/orbits.toml: every built-in in two variants.
ORBITS = [f"{b}_{v}" for b in BUILTIN_STYLES for v in ("transaction", "full_orbit")]


def _triple(s):
    return (s.colour, s.line, s.marker)


def test_builtins_have_fixed_distinct_okabe_ito_looks():
    looks = [strategy_style(n) for n in BUILTIN_STYLES]
    assert len({s.colour for s in looks}) == 5
    assert all(s.colour in PALETTE for s in looks)
    assert strategy_style("insight") == BUILTIN_STYLES["insight"]
    # the file's order does not matter
    names = list(BUILTIN_STYLES)
    assert strategy_styles(names) == strategy_styles(names[::-1])


def test_a_variant_shares_its_builtins_colour_but_neither_dash_nor_marker():
    for name in ORBITS:
        base = variant_of(name)
        assert base is not None and name.startswith(base + "_")
        mine, root = strategy_style(name), BUILTIN_STYLES[base]
        assert mine.colour == root.colour
        assert mine.line != root.line and mine.marker != root.marker
    # `strategy = "insight"` in the file makes any name a variant of insight
    assert strategy_style("teach_only", base="insight").colour == BUILTIN_STYLES["insight"].colour
    assert variant_of("pushy") is None  # a prefix must end at an underscore


def test_other_names_take_a_free_colour_chosen_by_a_stable_hash():
    """sha256, not Python's salted hash(): the same look in processes with other seeds."""
    names = ["gallery_demo", "demo_first", "my_strategy", "zeta"]
    here = [_triple(strategy_style(n)) for n in names]
    assert all(c in OTHER_COLOURS for c, _, _ in here)
    code = (
        "from simsales.plots.style import strategy_style as s; "
        f"print([(x.colour, x.line, x.marker) for x in map(s, {names!r})])"
    )
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
            check=True,
        )  # fmt: skip
        assert out.stdout.strip() == str(here)


def test_regression_the_look_of_one_user_name():
    """Pins the hash rule: a change would recolour every user strategy in old charts."""
    assert _triple(strategy_style("gallery_demo")) == ("#999999", "-", "p")


def test_no_two_strategies_share_a_look_and_one_colour_differs_in_dash_and_marker():
    names = [*BUILTIN_STYLES, *ORBITS]
    looks = strategy_styles(names)
    assert len({_triple(s) for s in looks.values()}) == len(names)
    for a in names:
        for b in names:
            if a < b and looks[a].colour == looks[b].colour:
                assert looks[a].line != looks[b].line, (a, b)
                assert looks[a].marker != looks[b].marker, (a, b)
    # many unrelated names: colours repeat, but never colour, dash and marker together
    many = [f"user_{k}" for k in range(60)]
    crowd = strategy_styles(many)
    assert len({_triple(s) for s in crowd.values()}) == 60
    assert strategy_styles(many[::-1]) == crowd  # independent of the order


def test_other_names_spread_over_the_free_colours_before_sharing_one():
    """'a' and 'b' both hash to black; in one set, one of them moves to another colour."""
    assert strategy_style("a").colour == strategy_style("b").colour
    looks = strategy_styles(["a", "b"])
    assert looks["a"].colour != looks["b"].colour and looks["a"] == strategy_style("a")
    trio = strategy_styles(["x1", "x2", "x3"])
    assert {s.colour for s in trio.values()} == set(OTHER_COLOURS)
    # a fourth shares a colour, with another dash and another marker
    four = strategy_styles(["x1", "x2", "x3", "x4"])
    x4 = four["x4"]
    mate = next(s for n, s in four.items() if n != "x4" and s.colour == x4.colour)
    assert mate.line != x4.line and mate.marker != x4.marker


def test_colliding_names_are_settled_the_same_in_every_order():
    """Find two names whose rule gives the same look; the alphabetically first keeps it."""
    seen: dict[tuple[str, str, str], str] = {}
    for k in range(2000):
        name = f"s{k}"
        t = _triple(strategy_style(name))
        if t in seen:
            first, second = seen[t], name
            break
        seen[t] = name
    else:
        pytest.fail("no two names share a look among 2000")
    for order in ([first, second], [second, first]):
        looks = strategy_styles(order)
        assert _triple(looks[min(first, second)]) == t
        assert looks[first] != looks[second]


def test_a_style_set_in_the_file_wins_and_the_rest_move_around_it():
    specs = [
        {"name": "push"},
        {"name": "mine", "strategy": "push", "style": {"colour": "#F0E442", "line": "dotted"}},
        {"name": "theirs", "style": {"colour": "#D55E00", "line": "-", "marker": "o"}},
    ]
    looks = config_styles(specs)
    assert (looks["mine"].colour, looks["mine"].line) == ("#F0E442", ":")
    assert _triple(looks["theirs"]) == ("#D55E00", "-", "o")  # push's look, set by the file
    assert looks["push"].colour == "#D55E00" and _triple(looks["push"]) != ("#D55E00", "-", "o")
    with pytest.raises(ValueError, match="'a' and 'b' have the same colour, line and marker"):
        config_styles(
            [{"name": n, "style": {"colour": "#000000", "line": "-", "marker": "o"}}
             for n in ("a", "b")]
        )  # fmt: skip


def test_the_schema_allows_exactly_the_dashes_and_markers_of_the_style_module():
    fields = StrategyStyle.model_fields
    lines = set(typing.get_args(typing.get_args(fields["line"].annotation)[0]))
    markers = set(typing.get_args(typing.get_args(fields["marker"].annotation)[0]))
    assert lines == set(DASH_NAMES) | set(DASH_NAMES.values())
    assert markers == set(MARKERS)


STYLE_CASES = {
    "colour_name": ('colour = "blue"', ["strategies[0].style.colour", '"#RRGGBB"', "'blue'"]),
    "colour_short": ('colour = "#09c"', ["strategies[0].style.colour", '"#RRGGBB"', "'#09c'"]),
    "line": ('line = "wavy"', ["strategies[0].style.line", "'dashed'", "'wavy'"]),
    "marker": ('marker = "x"', ["strategies[0].style.marker", "'o'"]),
    "key": ('color = "#000000"', ["strategies[0].style.color", "unknown key"]),
}


def _message(tmp_path: Path, text: str) -> str:
    f = tmp_path / "exp.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_experiment(f)
    return str(info.value)


@pytest.mark.parametrize("case", sorted(STYLE_CASES))
def test_a_bad_style_names_the_key_and_what_is_allowed(tmp_path, case):
    style, needles = STYLE_CASES[case]
    msg = _message(tmp_path, BASE + f'[[strategies]]\nname = "push"\nstyle = {{{style}}}\n')
    for needle in needles:
        assert needle in msg, (needle, msg)


def test_two_strategies_set_to_one_look_are_refused(tmp_path):
    same = 'style = {colour = "#000000", line = "--", marker = "s"}\n'
    text = BASE + f'[[strategies]]\nname = "push"\n{same}[[strategies]]\nname = "insight"\n{same}'
    msg = _message(tmp_path, text)
    assert "strategies[1].style: 'insight' has the colour, line and marker of strategies[0]" in msg
    text = text.replace('line = "--"', 'line = "dashed"', 1)  # a dash by name is the same dash
    assert "strategies[1].style" in _message(tmp_path, text)


def test_chart_metrics_are_checked_with_a_guess(tmp_path):
    msg = _message(tmp_path, BASE + 'chart_metrics = ["conversion", "cost_per_wins"]\n')
    assert "chart_metrics: unknown metric(s) 'cost_per_wins' (did you mean 'cost_per_win'?)" in msg
    assert "known: leads, qualified" in msg
    msg = _message(tmp_path, BASE + 'chart_metrics = ["roise", "roise"]\n')
    assert "chart_metrics: 'roise' given more than once" in msg
    f = tmp_path / "exp.toml"
    f.write_text(BASE + 'chart_metrics = ["cost_per_wins"]\n')
    res = CliRunner().invoke(app, ["validate", str(f)])
    assert res.exit_code == 2 and "cost_per_wins" in res.output and "Traceback" not in res.output


def test_a_good_style_is_kept_in_the_config(tmp_path):
    f = tmp_path / "exp.toml"
    f.write_text(
        BASE + '[[strategies]]\nname = "push"\nstyle = {colour = "#0072b2", line = "dashed"}\n'
    )
    exp = load_experiment(f)
    style = exp.strategies[0].style
    assert style is not None and (style.colour, style.line, style.marker) == (
        "#0072B2", "dashed", None
    )  # fmt: skip
    looks = config_styles(s.model_dump(mode="json") for s in exp.strategies)
    assert _triple(looks["push"]) == ("#0072B2", "--", "o")
