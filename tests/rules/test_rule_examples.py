"""Every rule carries its own examples (what it must find) and keeps (look-alikes it must not touch), and is
checked against them here; which rule wins when two match is file order."""
from __future__ import annotations

import pytest

from newsclean.builtin_rules import BUILTIN_RULES
from newsclean.pipeline import Pipeline
from newsclean.rulebook import RuleError, RuleSet, RuleSource, marked_gap
from newsclean.stages.numbers import find_gaps

RULES = RuleSet.load()


@pytest.mark.parametrize("rule", RULES.chrome, ids=lambda r: r.id)
def test_chrome_rule_takes_its_examples_and_leaves_its_keeps(rule):
    assert rule.examples and rule.keeps, f"chrome rule {rule.id!r} needs examples and keeps"
    missed = [e for e in rule.examples if not rule.takes(e)]
    touched = [k for k in rule.keeps if rule.takes(k)]
    assert not missed, f"chrome rule {rule.id!r} does not take its examples {missed}"
    assert not touched, f"chrome rule {rule.id!r} takes its keeps {touched}"


@pytest.mark.parametrize("rule", RULES.gaps, ids=lambda r: r.id)
def test_gap_rule_finds_its_examples_and_not_its_keeps(rule):
    assert rule.examples and rule.keeps, f"gap rule {rule.id!r} needs examples and keeps"
    for example in rule.examples:
        text, span = marked_gap(example)
        assert span in rule.gaps(text), f"gap rule {rule.id!r} does not find the gap marked in {example!r}"
    touched = {k: rule.gaps(k) for k in rule.keeps if rule.gaps(k)}
    assert not touched, f"gap rule {rule.id!r} finds gaps in its keeps {touched}"


@pytest.mark.parametrize("rule", [b for b in BUILTIN_RULES if b.examples], ids=lambda b: b.id)
def test_code_rule_turns_its_examples_into_their_clean_text(rule):
    pipeline = Pipeline(stages=(rule.stage,))
    for raw, clean in rule.examples:
        result = pipeline.clean(raw)
        assert result.text == clean, f"code rule {rule.id!r} on {raw!r}"
        assert any(key.endswith(f":{rule.id}") for key in result.counts), f"code rule {rule.id!r} not counted"


def test_every_rule_of_the_files_is_covered_by_its_examples():
    bare = [r.id for r in RULES.chrome + RULES.gaps if not (r.examples and r.keeps)]
    assert bare == []
    assert len(RULES.chrome) + len(RULES.gaps) >= 130  # the examples test above ran over all of them


BODY = "江城市今年新建三所幼儿园，新增学位一千个，家长们纷纷点赞。"


def test_when_two_chrome_rules_take_a_line_the_earlier_in_the_file_names_it():
    line = "江ICP备12345678号"
    copyright, icp = (next(r for r in RULES.chrome if r.id == rid) for rid in ("copyright", "icp-licence"))
    assert copyright.takes(line) and icp.takes(line)
    assert RULES.chrome_order["copyright"] < RULES.chrome_order["icp-licence"]
    removed = Pipeline(RULES, stages=("chrome",)).clean(f"{BODY}\n{line}").removed
    assert [r["rule"] for r in removed] == ["copyright"]
    without = RuleSet.load(RuleSource(disabled=("copyright",)))
    assert [r["rule"] for r in Pipeline(without, stages=("chrome",)).clean(f"{BODY}\n{line}").removed] == ["icp-licence"]


def test_when_two_gap_rules_find_one_gap_the_earlier_in_the_file_names_it():
    text = "项目将于，年12月完工"
    ids = [g.id for g in RULES.gaps]
    assert ids.index("year-before-month") < ids.index("year-after-preposition")
    assert find_gaps(text, RULES) == [(5, 6, "year-before-month")]
    without = RuleSet.load(RuleSource(disabled=("year-before-month",)))
    assert find_gaps(text, without) == [(5, 6, "year-after-preposition")]


@pytest.mark.parametrize("field, message", [
    ('examples = "江城网讯"', "examples must be a list of non-empty strings"),
    ('keeps = [""]', "keeps must be a list of non-empty strings"),
    ('examples = ["江城网讯\\n第二行"]', "must be one line"),
])
def test_a_chrome_rule_with_badly_shaped_examples_is_refused_naming_it(tmp_path, field, message):
    (tmp_path / "chrome.toml").write_text(
        f'[[rule]]\nid = "my-rule"\ndescription = "x"\n{field}\npattern = \'江城网讯\'\n', encoding="utf-8")
    with pytest.raises(RuleError, match=f"rule 'my-rule': .*{message}"):
        RuleSet.load(RuleSource(extra=str(tmp_path)))


@pytest.mark.parametrize("field", ['examples = ["总投资亿元"]', 'examples = ["总投资⟨⟩亿元"]', 'keeps = ["总投资⟨亿元⟩"]'])
def test_a_gap_rule_whose_examples_do_not_mark_one_gap_is_refused_naming_it(tmp_path, field):
    (tmp_path / "numbers.toml").write_text(
        f'[[gap]]\nid = "my-gap"\ndescription = "x"\n{field}\npattern = \'(?<=投资)(?P<unit>亿元)\'\n',
        encoding="utf-8")
    with pytest.raises(RuleError, match="rule 'my-gap': "):
        RuleSet.load(RuleSource(extra=str(tmp_path)))
