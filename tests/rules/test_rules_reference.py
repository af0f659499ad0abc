"""The rules reference page: `newsclean rules --markdown` renders every rule in force, and docs/rules.md is it."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from newsclean.cli import main
from newsclean.rulebook import RuleSet

PAGE = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def markdown(*args: str) -> str:
    result = CliRunner().invoke(main, ["rules", "--markdown", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_committed_reference_page_is_the_commands_output():
    assert PAGE.read_text(encoding="utf-8") == markdown(), (
        "docs/rules.md is out of date: regenerate it with `newsclean rules --markdown > docs/rules.md`")


def test_the_page_shows_every_rule_with_its_examples_and_keeps():
    page = markdown()
    rules = RuleSet.load()
    for rule in rules.chrome + rules.gaps:
        assert f"### `{rule.id}`" in page
    assert "- removes: `首页 » 常识 » 预防`" in page
    assert "- finds: `总投资亿元，` (gap at 3, unit `亿元`)" in page
    assert "### The learned detector" in page and "newsclean/models/numbers-gap.json.gz" in page
    assert "- `江城\\u200b新闻` → `江城新闻`" in page  # an invisible character is shown, not hidden


def test_a_disabled_rule_is_left_out_of_the_page_and_named():
    page = markdown("--disable-rule", "breadcrumb")
    assert "### `breadcrumb`\n" not in page and "Disabled: `breadcrumb`." in page
