"""Chrome rules are gated on keys every match must hold one of (`rulebook.required_keys`: two characters in a
row of the words a match must hold, such as `转载` of `转载请注明` or `CP` of `ICP备`, or single characters): a
line without any of them never runs the pattern. The gate must never lose a match, so every shipped rule is run on a
corpus of lines with and without its gate. The corpus is the project's own writing: every string of the
chrome test modules and of the chrome probes (`benchmarks/chrome_probe*.jsonl`, invented site styles), the
examples in the rules' descriptions, and each of those lines with one character cut out (near misses are
where a wrong gate would show)."""
from __future__ import annotations

import ast
from copy import copy
import json
from pathlib import Path
import random

import pytest
import regex

from newsclean.gappairs import START, PairGate, pattern_key, shipped_starts, start_constraints
from newsclean.rulebook import (GapGate, GapRule, Pattern, RuleSet, RuleSieve, gate_keys, marked_gap, meets,
                                required_chars, required_literals)

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["tests/stages/test_chrome.py", "tests/stages/test_chrome_wordings.py", "tests/stages/test_page_text.py",
           "tests/stages/test_site_chrome.py", "tests/test_everyday.py"]
PROBES = sorted((ROOT / "benchmarks").glob("chrome_probe*.jsonl"))


def _strings_of(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings_of(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings_of(v)


def _corpus(rules: RuleSet) -> list[str]:
    texts = []
    for name in SOURCES:
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        texts += [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    for probe in PROBES:
        for line in probe.read_text(encoding="utf-8").splitlines():
            texts += list(_strings_of(json.loads(line)))
    for rule in rules.chrome:  # "…: 首页 » 常识 » 预防 / 您当前的位置：首页 > 新闻中心"
        examples = rule.description.split(": ", 1)[-1]
        texts += [e.strip() for e in regex.split(r" / |; |, | or ", examples)]
    lines = {line.strip() for text in texts for line in text.split("\n") if line.strip()}
    cut = {line[:i] + line[i + 1:] for line in lines if len(line) <= 60 for i in range(len(line))}
    return sorted(lines | cut)


@pytest.fixture(scope="module")
def shipped():
    rules = RuleSet.load()
    return rules, _corpus(rules)


def _matches(rule, lines):
    find = rule.pattern.compiled.search if rule.search else rule.pattern.compiled.fullmatch
    return [line for line in lines if find(line)]


def test_most_shipped_rules_have_a_gate(shipped):
    rules, _ = shipped
    gated = [r.id for r in rules.chrome if r.requires is not None]
    assert len(gated) >= 0.8 * len(rules.chrome)
    assert next(r for r in rules.chrome if r.id == "icp-licence").requires == {"CP", "公网", "网文"}
    # a paragraph that holds 转 or 声 but none of the notices' keys does not run the broad disclaimer pattern
    disclaimer = next(r for r in rules.chrome if r.id == "disclaimer")
    assert {"转载", "未经", "免责"} <= disclaimer.requires
    assert not meets(disclaimer.requires, "他转身发表了声，称此事另有原因，有关部门正在调查。")


def test_the_gate_keeps_every_match_of_every_shipped_rule(shipped):
    rules, lines = shipped
    joined = [a + b for a, b in zip(lines, lines[1:])]
    matched_rules = 0
    for rule in rules.chrome:
        corpus = [t for t in (joined if rule.join_next else lines) if len(t) <= rule.max_chars]  # as the stage does
        ungated = _matches(rule, corpus)
        gated = _matches(rule, [t for t in corpus if meets(rule.requires, t)])
        assert gated == ungated, f"{rule.id}: the gate {sorted(rule.requires or ())} loses {set(ungated) - set(gated)}"
        matched_rules += bool(ungated)
    assert matched_rules >= 0.8 * len(rules.chrome)  # the corpus does exercise the rules


@pytest.mark.parametrize("pattern, answers", [
    # every set listed would be right; the smallest is kept
    (r"首页\s*>", [{"首"}, {"页"}, {">"}]),
    (r"(?:来源|出处)[:：]", [{"来", "出"}, {"源", "出"}, {"来", "处"}, {"源", "处"}, {":", "："}]),
    (r"(?:编辑|记者)\S+", [{"编", "记"}, {"辑", "记"}, {"编", "者"}, {"辑", "者"}]),
    (r"[A-C]\d+", [{"A", "B", "C"}]),
    (r"[^a]b|c", [{"b", "c"}]),
    (r"a?b*", None),  # nothing must occur
    (r"(?i)ab", None),  # a case-insensitive letter has more forms than one
    (r"\p{Han}{2,}", None),
    (r"(?=.*版权).{2,40}", None),  # a lookahead holds nothing of the match itself
    (r"(?:abc){e<=1}", None),  # fuzzy matching needs none of its letters
])
def test_required_chars_of_patterns(pattern, answers):
    got = required_chars(regex.compile(pattern))
    assert got is None if answers is None else got in [frozenset(a) for a in answers]


@pytest.mark.parametrize("pattern, answer", [
    (r"首页\s*>", {"首页"}),  # the longest word a match holds
    (r"转载请?注明", {"转载注明", "转载请注明"}),  # an optional character: both spellings
    (r"(?:来源|出处)[:：]", {"来源:", "来源：", "出处:", "出处："}),  # a word and a class multiply out
    (r"[\p{Han}]ICP[备证]\s*\d{6,}|公网安备\s*\d{6,}", {"ICP备", "ICP证", "公网安备"}),
    (r"免责声明|版权声明|声明[:：]", {"免责声明", "版权声明", "声明:", "声明："}),
    (r"(?:转载|转载请注明)出处", {"转载出处", "转载请注明出处"}),
    (r"不代表(?:本网|本站)?观点|不代表", {"不代表"}),  # a word that holds another is left out
    (r"^风险提示(?:[:：]|$)", {"风险提示"}),  # anchors hold no character
    (r"(?<=\s)》|»", {"》", "»"}),  # nor do lookarounds
    (r"[A-C]\d+", {"A", "B", "C"}),  # no word: single characters, as required_chars gives
    (r"(?:编辑|记者)\S+", {"编辑", "记者"}),
    (r"a?b*", None),  # nothing must occur
    (r"(?i)ab", None),  # a case-insensitive letter has more forms than one
    (r"(?i)版权ab", {"版权"}),  # ... a Han character has one
    (r"\p{Han}{2,}", None),
    (r"(?=.*版权).{2,40}", None),  # a lookahead holds nothing of the match itself
    (r"(?:abc){e<=1}", None),  # fuzzy matching needs none of its letters
    (r"(来源)：\1", {"来源："}),  # a back reference matches what the group did: the group's word stands
    (r"[一二三四五六七八九]{3}年", {"年"}),  # 729 spellings: past the limit, so the run starts again at 年
])
def test_required_literals_of_patterns(pattern, answer):
    got = required_literals(regex.compile(pattern))
    assert got == (None if answer is None else frozenset(answer))


def test_the_gate_keys_stand_for_every_word():
    words = frozenset({"转载请注明", "转载请联系", "未经授权", "版权声明", "免责声明", "ID"})
    keys = gate_keys(words)
    assert keys == {"转载", "声明", "授权", "ID"}  # the pair most of the words share, so few keys stand for all
    assert all(any(k in w for k in keys) for w in words)
    assert gate_keys(frozenset("年月")) == {"年", "月"}  # single characters are their own
    assert gate_keys(frozenset({"年", "年度报告"})) == {"年"}  # a key that holds another is left out
    assert gate_keys(None) is None


def test_a_chrome_rule_still_removes_its_line_with_the_gate():
    from newsclean import clean

    body = "今年以来，江城市坚持把稳就业放在更加突出的位置，全年城镇新增就业人数超过预期目标。"
    result = clean(f"首页 > 新闻 > 本地\n{body}\n江城网 版权所有 江ICP备12345678号")
    assert [r["rule"] for r in result.removed] == ["breadcrumb", "copyright"]


def test_the_sieve_picks_the_rules_each_gate_and_length_lets_by(shipped):
    rules, lines = shipped
    joined = [a + b for a, b in zip(lines, lines[1:])]
    for rule_list, texts in ((rules.chrome_single, lines), (rules.chrome_joined, joined)):
        sieve = RuleSieve(rule_list)
        # and lines only a few rules are long enough for (the sieve tests those rules' gates in turn)
        for text in texts + ["x" * 500, "版权所有 来源：" + "记者编辑" * 30, "来源：" + "新华社" * 45]:
            want = [r for r in rule_list if len(text) <= r.max_chars and meets(r.requires, text)]
            assert sieve.worth_trying(text) == want, text


def test_a_rule_whose_gate_changes_gets_a_new_sieve():
    rules = RuleSet.load()
    line = "【打印本页】"  # no character of most gates
    before = rules.sieve(rules.chrome_single).worth_trying(line)
    rule = next(r for r in rules.chrome_single if r not in before)
    rule.requires = None  # now tried on every line, as a rule without a gate is
    assert rule in rules.sieve(rules.chrome_single).worth_trying(line)


GAP_SOURCES = ["tests/stages/test_numbers.py", "tests/stages/test_gapmodel.py", "tests/rules/test_gap_rule_traps.py"]


def _gap_corpus(rules: RuleSet, near: bool = True) -> list[str]:
    """The gap rules' own examples and keeps, every string of the numbers tests and the probe sentences written
    for `benchmarks/numbers_probe.py`; with `near`, each short one also with one character cut out."""
    texts = [t.replace("⟨", "").replace("⟩", "") for r in rules.gaps for t in r.examples + r.keeps]
    for name in GAP_SOURCES:
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        texts += [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    for probe in sorted((ROOT / "benchmarks").glob("numbers_probe*.txt")):
        texts += [line.split("\t")[-1] for line in probe.read_text(encoding="utf-8").splitlines()
                  if line and not line.startswith("#")]
    texts = {t for t in texts if t.strip()}
    cut = {t[:i] + t[i + 1:] for t in texts if near and len(t) <= 30 for i in range(len(t))}
    return sorted(texts | cut)


def test_every_gap_rule_has_a_gate_that_keeps_its_matches():
    """A gap rule's pattern is not run on a text that holds none of its gate's characters (`find_gaps`): no
    text with a match of it may lack them all."""
    rules = RuleSet.load()
    assert all(r.requires for r in rules.gaps)
    assert next(r for r in rules.gaps if r.id == "year-before-month").requires == {"年"}
    matched_rules = 0
    corpus = _gap_corpus(rules)
    for rule in rules.gaps:
        found = [t for t in corpus if any(rule.pattern.compiled.finditer(t))]
        lost = [t for t in found if rule.requires.isdisjoint(t)]
        assert not lost, f"{rule.id}: the gate {sorted(rule.requires)} loses {lost[:3]}"
        matched_rules += bool(found)
    assert matched_rules == len(rules.gaps)  # the corpus does exercise every rule


def _ungated(rule: GapRule) -> GapRule:
    """A copy of `rule` without its gate."""
    bare = copy(rule)
    bare.requires = None
    return bare


def test_find_gaps_with_the_gates_finds_what_every_pattern_run_finds():
    from newsclean.stages.numbers import find_gaps

    gated = RuleSet.load()
    ungated = RuleSet.load()
    ungated.gaps = [_ungated(r) for r in ungated.gaps]
    texts = _gap_corpus(gated, near=False)
    joined = ["\n".join(texts[i:i + 7]) for i in range(0, len(texts), 7)]  # documents of several lines too
    assert sum(bool(find_gaps(t, gated)) for t in texts) > 250
    for text in texts + joined:
        assert find_gaps(text, gated) == find_gaps(text, ungated), text


def test_the_gap_gate_picks_the_rules_whose_gate_the_text_meets():
    rules = RuleSet.load()
    rule_list = rules.gaps[:]
    rule_list[3] = _ungated(rule_list[3])  # a rule without a gate is tried on every text
    gate = GapGate(rule_list)
    gate.PAIRS_AFTER = 10 ** 9  # the character gate alone (the pair gate is tested below)
    texts = _gap_corpus(rules, near=False)
    joined = ["\n".join(texts[i:i + 7]) for i in range(0, len(texts), 7)]
    for text in texts + joined + ["", "abc"]:
        want = [r for r in rule_list if r.requires is None or not r.requires.isdisjoint(text)]
        assert gate.worth_trying(text) == want, text
    assert gate.worth_trying("abc") == [rule_list[3]]


def test_gap_rules_whose_gates_change_get_a_new_gate():
    rules = RuleSet.load()
    text = "总投资约亿元"
    rule = next(r for r in rules.gaps if r not in rules.gap_gate().worth_trying(text))
    rule.requires = None  # now run on every text, as a rule without a gate is
    assert rule in rules.gap_gate().worth_trying(text)
    rules.gaps = [r for r in rules.gaps if r is not rule]
    assert rule not in rules.gap_gate().worth_trying(text)


def test_a_rule_set_without_gap_rules_finds_no_gaps():
    # A rule list emptied and filled again gets a gate of its own each time (`GapGate.fits`).
    from newsclean.stages.numbers import find_gaps

    rules = RuleSet.load()
    rules.gaps = []
    assert rules.gap_gate().worth_trying("总投资约亿元") == []
    assert find_gaps("总投资约亿元", rules) == []
    rules.gaps = RuleSet.load().gaps
    assert find_gaps("总投资约亿元，", rules)


def test_the_pair_gate_keeps_every_rule_that_matches():
    """`PairGate.mask` may leave a rule out only where its pattern finds nothing: every text of the gap corpus
    (with its near misses, and joined into documents), random mixes of the characters the rules start with and
    look behind for, and each rule's own examples."""
    rules = RuleSet.load()
    pairs = PairGate(rules.gaps)
    assert pairs.ungated == 0  # the reader knows where every shipped pattern starts
    texts = _gap_corpus(rules)
    texts += ["\n".join(texts[i:i + 7]) for i in range(0, len(texts), 7)]
    texts += [marked_gap(example)[0] for rule in rules.gaps for example in rule.examples]
    alphabet = sorted(set(pairs.units) | {key[0] for key in pairs.pairs if len(key) == 2} | set("\n，。0１a "))
    rng = random.Random(13)
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    ruled_out = 0
    for text in texts:
        mask = pairs.mask(text)
        for n, rule in enumerate(rules.gaps):
            if not mask >> n & 1:
                ruled_out += 1
                assert not any(rule.pattern.compiled.finditer(text)), (rule.id, text)
    assert ruled_out > len(texts) * len(rules.gaps) // 2  # and it does rule most pairs of rule and text out


@pytest.mark.parametrize("pattern, firsts, before, forbidden", [
    ("(?<=达|约为)(?P<unit>[个家])", "个家", {"达", "为"}, ""),
    ("(?<![0-9今])(?P<unit>年)(?=[0-9])", "年", None, "0123456789今"),
    ("(?:^|(?<=[，。]))(?P<unit>个)", "个", {START, "\n", "，", "。"}, ""),
    ("(?<![门府])第(?P<unit>[名个])", "第", None, "门府"),
    ("(?<=\\p{Han})(?<![这那])(?P<unit>个)", "个", None, "这那"),  # a property says nothing known
    ("(?<=(?:^|[^同])比|较)(?P<unit>年)", "年", {"比", "较"}, ""),
])
def test_where_a_pattern_can_start(pattern, firsts, before, forbidden):
    found = start_constraints(regex.compile(pattern, regex.MULTILINE))
    assert found == (frozenset(firsts), None if before is None else frozenset(before), frozenset(forbidden))


@pytest.mark.parametrize("pattern", ["(?P<unit>\\p{Han})", "(?P<unit>年)?", "(?i)(?P<unit>km)", "(?r)(?P<unit>年)"])
def test_a_pattern_whose_start_is_not_known_keeps_no_pair_gate(pattern):
    assert start_constraints(regex.compile(pattern)) is None
    rule = GapRule("x", "", Pattern("x", "", regex.compile(pattern)), "amount")
    assert PairGate([rule]).mask("abc") == 1  # always worth trying


def test_a_pair_gate_rules_out_a_rule_whose_pairs_the_text_lacks():
    rule = GapRule("x", "", Pattern("x", "", regex.compile("(?<=达|约)(?P<unit>[个家])")), "count")
    plain = GapRule("y", "", Pattern("y", "", regex.compile("(?<![0-9])(?P<unit>年)")), "year")
    gate = PairGate([rule, plain])
    assert gate.mask("共有个") == 0  # 有个 is no pair of either
    assert gate.mask("约个，5年") == 1  # 约个 lets the first by; 5年 is forbidden to the second
    assert gate.mask("年") == 2 and gate.mask("今年") == 2  # the text's start, or a character not forbidden


def test_the_gap_gate_adds_the_pair_gate_after_enough_texts():
    from newsclean.stages.numbers import find_gaps

    rules = RuleSet.load()
    gate = rules.gap_gate()
    gate.PAIRS_AFTER = 2
    text = "总投资约亿元，共有个项目。"
    found = [find_gaps(text, rules) for _ in range(4)]
    assert gate.pairs is not None
    assert found[0] == found[-1] and found[0]
    assert len(gate.worth_trying(text)) < len(GapGate(rules.gaps).worth_trying(text))


def test_the_shipped_pairs_file_is_what_the_parse_trees_say():
    """`rules/gap_pairs.json` (`python training/gap_pairs.py`) holds every shipped gap pattern, as the reader reads
    it: a rule changed without rewriting the file fails here (at run time it would only be parsed again)."""
    rules = RuleSet.load()
    shipped = shipped_starts()
    assert len(shipped) == len(rules.gaps)
    for rule in rules.gaps:
        assert shipped[pattern_key(rule.pattern.compiled)] == start_constraints(rule.pattern.compiled), rule.id
    from_file, parsed = PairGate(rules.gaps), PairGate(rules.gaps, known={})
    assert (from_file.units, from_file.pairs, from_file.ungated) == (parsed.units, parsed.pairs, parsed.ungated)


def test_a_pattern_the_pairs_file_lacks_is_parsed():
    rule = GapRule("x", "", Pattern("x", "", regex.compile("(?<=达|约)(?P<unit>[个家])", regex.MULTILINE)), "count")
    assert pattern_key(rule.pattern.compiled) not in shipped_starts()
    assert PairGate([rule]).mask("共有个") == 0 and PairGate([rule]).mask("约个") == 1
