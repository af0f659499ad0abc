"""The cached form of a rules set (`rulebook.RulesCache`): a second load reads it instead of parsing the TOML,
gives the same rules, and is never used for files that changed; a cache that cannot be written or read costs
only the parse."""
from __future__ import annotations

import shutil

import pytest

from newsclean import rulebook
from newsclean.pipeline import Pipeline
from newsclean.rulebook import CACHE_DIR_ENV, RuleError, RuleSet, RuleSource, default_rules_dir


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def rules_dir(tmp_path):
    """A copy of the shipped rule files, to edit."""
    folder = tmp_path / "rules"
    folder.mkdir()
    for name in rulebook.RULE_FILES:
        shutil.copy(default_rules_dir() / name, folder / name)
    return folder


def _no_parse(monkeypatch):
    def refuse(path, data):
        raise AssertionError(f"{path} parsed: the cached form was not used")
    monkeypatch.setattr(rulebook, "_parse_toml", refuse)


def _described(rules: RuleSet) -> list:
    """Everything a load gives, patterns as their text, flags and groups."""
    def pattern(p):
        return (p.rule_id, p.path, p.compiled.pattern, p.compiled.flags, p.compiled.groupindex)
    return [rules.source, rules.normalize, rules.chrome_lexicons,
            [(r.id, r.description, pattern(r.pattern), r.zone, r.max_chars, r.join_next, r.search, r.requires,
              r.examples, r.keeps) for r in rules.chrome],
            [(g.id, g.description, pattern(g.pattern), g.kind, g.examples, g.keeps, g.requires) for g in rules.gaps],
            [r.id for r in rules.chrome_single], [r.id for r in rules.chrome_joined], rules.chrome_order]


def test_a_second_load_reads_the_cached_form_and_gives_the_same_rules(cache, monkeypatch):
    parsed = RuleSet.load()
    assert len(list(cache.iterdir())) == 1
    _no_parse(monkeypatch)
    cached = RuleSet.load()
    patterns = [r.pattern for r in cached.chrome + cached.gaps]
    assert all(isinstance(p.compiled, rulebook._Unbuilt) for p in patterns)  # rebuilt at first use only
    assert _described(cached) == _described(parsed)
    assert not any(isinstance(p.compiled, rulebook._Unbuilt) for p in patterns)
    assert all(p.budget is cached.budget for p in patterns)


def test_rules_from_the_cache_clean_as_parsed_ones(cache, monkeypatch):
    page = "\n".join(["首页 > 新闻 > 本地", "2024-03-01 10:30 来源：江城日报", "▲市民在城南农贸市场选购新鲜蔬菜。",
                      "春节前夕，市区各大商超人头攒动，年货销售额达亿元，同比增长%。",
                      "▲市民在城南农贸市场选购新鲜蔬菜。", "责任编辑：李明"])
    parsed = Pipeline(RuleSet.load()).clean(page)
    _no_parse(monkeypatch)
    rules = RuleSet.load()
    cached = Pipeline(rules).clean(page)
    used = [r.id for r in rules.chrome + rules.gaps if not isinstance(r.pattern.compiled, rulebook._Unbuilt)]
    assert 0 < len(used) < len(rules.chrome + rules.gaps)  # the gates kept the rest from being rebuilt
    assert (cached.text, cached.removed, cached.annotations) == (parsed.text, parsed.removed, parsed.annotations)
    assert {r["rule"] for r in cached.removed} == {"breadcrumb", "meta-fields", "exact-repeat-caption"}
    assert cached.annotations


def test_a_changed_rule_file_is_parsed_again_and_its_cached_form_replaced(cache, rules_dir):
    RuleSet.load(rules_dir)
    chrome = rules_dir / "chrome.toml"
    first = RuleSet.load(rules_dir).chrome[0]
    chrome.write_text(chrome.read_text(encoding="utf-8").replace(first.description, "A new description.", 1),
                      encoding="utf-8")
    assert RuleSet.load(rules_dir).chrome[0].description == "A new description."
    assert len(list(cache.iterdir())) == 1  # one file per rules set: the new form replaced the old


def test_a_rule_file_broken_after_it_was_cached_is_refused(cache, rules_dir):
    RuleSet.load(rules_dir)
    (rules_dir / "numbers.toml").write_text("[[gap]\nid = 'x'\n", encoding="utf-8")
    with pytest.raises(RuleError, match="numbers.toml"):
        RuleSet.load(rules_dir)


def test_the_ids_disabled_are_part_of_the_key(cache):
    full = RuleSet.load()
    without = RuleSet.load(RuleSource(disabled=(full.chrome[0].id,)))
    assert [r.id for r in without.chrome] == [r.id for r in full.chrome[1:]]
    assert [r.id for r in RuleSet.load().chrome] == [r.id for r in full.chrome]


def test_a_damaged_cached_form_costs_only_the_parse(cache):
    expected = _described(RuleSet.load())
    [stored] = cache.iterdir()
    for damage in (stored.read_bytes()[:1000], b"", b"\x00" * 64):
        stored.write_bytes(damage)
        assert _described(RuleSet.load()) == expected
        assert stored.read_bytes() not in (damage,)  # written again whole



def test_a_cached_form_changed_past_its_key_is_refused_before_any_pattern_is_rebuilt(cache, monkeypatch):
    """Bits flipped in the engine code (a bad sector, a copy cut short and padded) must not reach `regex`
    (invalid code crashes or hangs it at first use): the whole file is checked against its digest."""
    expected = _described(RuleSet.load())
    [stored] = cache.iterdir()
    whole = stored.read_bytes()
    for position in (len(whole) // 3, len(whole) // 2, len(whole) - 5):
        damaged = bytearray(whole)
        damaged[position] ^= 0x10
        stored.write_bytes(bytes(damaged))
        cached = rulebook.RulesCache.of([(p, p.read_bytes()) for p in RuleSource().files()], ())
        assert cached.read("x") is None
        assert _described(RuleSet.load()) == expected
        assert cached.read("x") is not None  # written again whole
    assert [p.name for p in cache.iterdir()] == [stored.name]  # no temporary file left behind

def test_a_cache_folder_that_cannot_be_made_costs_only_the_parse(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocker / "cache"))
    assert RuleSet.load().chrome
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_an_empty_cache_setting_turns_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    RuleSet.load()
    assert list(tmp_path.iterdir()) == []
    monkeypatch.delenv(CACHE_DIR_ENV)
    RuleSet.load()
    assert [p.name for p in (tmp_path / "newsclean").iterdir()][0].startswith("rules-")


def test_a_rebuilt_gate_table_is_part_of_the_key(cache, monkeypatch, tmp_path):
    """The cached patterns' gates and engine code come from the shipped table: under another table (a rebuild
    by `training/rule_gates.py`) the same rule files have another key, so the old cached form is not read."""
    shipped = default_rules_dir()
    files = [(path, path.read_bytes()) for path in RuleSource().files()]
    before = rulebook.RulesCache.of(files, ())
    other = tmp_path / "shipped"
    shutil.copytree(shipped, other)
    (other / rulebook.GATES_FILE).write_bytes((shipped / rulebook.GATES_FILE).read_bytes() + b"\0")
    monkeypatch.setattr(rulebook, "default_rules_dir", lambda: other)
    after = rulebook.RulesCache.of(files, ())
    assert after.path == before.path and after.key != before.key
