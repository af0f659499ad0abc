"""The pattern table shipped next to the rules (`rules/gates.json.gz`, written by `training/rule_gates.py`):
a load rebuilds the patterns it lists from their engine code instead of compiling them. It must be current,
give patterns that match exactly as compiled ones do, and be ignored where it does not hold (a changed rule,
another version of `regex`)."""
from __future__ import annotations

import gzip
import json
import shutil

import pytest
import regex

from newsclean.rulebook import GATES_FILE, Gates, RuleError, RuleSet, build_gates, default_rules_dir, gate_key


@pytest.fixture(scope="module")
def both():
    return RuleSet.load(), RuleSet.load(gates=Gates())


def test_the_shipped_table_lists_every_shipped_pattern_with_its_gate(both):
    tabled, _ = both
    assert Gates.read(default_rules_dir() / GATES_FILE).same_patterns(build_gates().learned), \
        "rules changed: rerun python training/rule_gates.py"
    assert len(tabled.gates.known) == len(tabled.chrome) + len(tabled.gaps)


def test_a_load_takes_the_shipped_patterns_from_the_table(both):
    tabled, compiled = both
    for a, b in zip(tabled.chrome + tabled.gaps, compiled.chrome + compiled.gaps):
        assert a.pattern.compiled.pattern == b.pattern.compiled.pattern
        assert a.pattern.compiled.flags == b.pattern.compiled.flags
        assert a.pattern.compiled.groupindex == b.pattern.compiled.groupindex
        assert a.pattern.compiled is not b.pattern.compiled
    assert [r.requires for r in tabled.chrome] == [r.requires for r in compiled.chrome]
    assert [r.requires for r in tabled.gaps] == [r.requires for r in compiled.gaps]


def _near(texts: tuple[str, ...]) -> list[str]:
    """Each text and each text with one character cut out: where a pattern that matched differently shows."""
    return sorted({t for text in texts for t in [text] + [text[:i] + text[i + 1:] for i in range(len(text))]})


def test_patterns_from_the_table_match_as_compiled_ones(both):
    tabled, compiled = both
    for a, b in zip(tabled.chrome, compiled.chrome):
        for line in _near(a.examples + a.keeps):
            for find in ("search", "fullmatch"):
                got, want = getattr(a.pattern.compiled, find)(line), getattr(b.pattern.compiled, find)(line)
                assert (got and (got.span(), got.groups())) == (want and (want.span(), want.groups())), (a.id, line)
    for a, b in zip(tabled.gaps, compiled.gaps):
        texts = [t.replace("⟨", "").replace("⟩", "") for t in a.examples + a.keeps]
        for text in _near(tuple(texts)):
            assert [m.span("unit") for m in a.pattern.compiled.finditer(text)] == \
                [m.span("unit") for m in b.pattern.compiled.finditer(text)], (a.id, text)


def _copy_rules(tmp_path, edit=None):
    for name in ("normalize.toml", "chrome.toml", "numbers.toml"):
        shutil.copy(default_rules_dir() / name, tmp_path / name)
    if edit:
        path = tmp_path / "chrome.toml"
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return tmp_path


def test_a_changed_pattern_is_compiled_and_checked_again(tmp_path):
    # A few characters more in the first rule's pattern: another key, so no table entry; the next rule keeps its.
    edited = _copy_rules(tmp_path, lambda text: text.replace("pattern = '''", "pattern = '''(?:X)?", 1))
    rules = RuleSet.load(edited)
    first = rules.chrome[0]
    key = gate_key("search" if first.search else "full", 0, first.pattern.compiled.pattern)
    assert first.pattern.compiled.pattern.startswith("(?:X)?")
    assert key in rules.gates.learned and key not in rules.gates.known
    assert rules.chrome[1].pattern.compiled.pattern == RuleSet.load().chrome[1].pattern.compiled.pattern


def test_a_broken_user_rule_is_still_refused_at_load(tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "chrome.toml").write_text(
        '[[rule]]\nid = "everything"\ndescription = "an empty match on every line"\npattern = "x?"\nmatch = "search"\n'
        'zone = "anywhere"\nexamples = ["x"]\nkeeps = ["正文"]\n', encoding="utf-8")
    from newsclean.rulebook import RuleSource

    with pytest.raises(RuleError, match="everything.*empty"):
        RuleSet.load(RuleSource(extra=str(extra)))


def test_a_table_of_another_regex_version_is_not_used(tmp_path):
    path = tmp_path / GATES_FILE
    doc = json.loads(gzip.decompress((default_rules_dir() / GATES_FILE).read_bytes()))
    assert doc["regex_version"] == regex.__version__ and doc["patterns"]
    doc["regex_version"] = "1999.1.1"
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))
    assert Gates.read(path).known == {}
    path.write_bytes(b"not gzip")
    assert Gates.read(path).known == {}
