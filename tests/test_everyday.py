"""Everyday use of the command: a byte progress bar with an ETA, --quiet, empty inputs as errors, rule files
that add to the shipped ones (--extra-rules), --disable-rule, and `newsclean rules` listing every rule."""
from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsclean import Pipeline
from newsclean.builtin_rules import BUILTIN_RULES
from newsclean.cli import main
from newsclean.io import expand_inputs, read_records
from newsclean.rulebook import RuleError, RuleSet, RuleSource
from newsclean.run import BytesRead
from newsclean import sitechrome
from newsclean.stages import chrome, excerptlists, itemlists, normalize, posts, rejoin, repeats

# Texts in the shape of scraped news, written for these tests.
PAGE = ("首页 » 新闻 » 本地\n"
        "3月2日，临江市召开一季度经济形势分析会，会议通报全市经济运行情况。\n"
        "分享到：微信 飞书\n"
        "—— 临江融媒·出品 ——\n")
EXTRA_CHROME = """
[lexicon]
share_targets = ["飞书"]

[[rule]]
id = "linjiang-producer"
description = "The producer line of one site: —— 临江融媒·出品 ——"
pattern = '—+\\s*临江融媒·出品\\s*—+'
zone = "tail"
"""


def invoke(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def write_jsonl(path: Path, n: int) -> Path:
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": PAGE.replace("3月2日", f"3月{i % 28 + 1}日")},
                                       ensure_ascii=False) + "\n" for i in range(n)), encoding="utf-8")
    return path


def clean_one(tmp_path: Path, *options) -> dict:
    (tmp_path / "page.txt").write_text(PAGE, encoding="utf-8")
    result = invoke("clean", tmp_path / "page.txt", "-o", "-", "--quiet", *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def extra_rules(tmp_path: Path, chrome_toml: str = EXTRA_CHROME) -> Path:
    folder = tmp_path / "extra"
    folder.mkdir(exist_ok=True)
    (folder / "chrome.toml").write_text(chrome_toml, encoding="utf-8")
    return folder


# ----------------------------------------------------------------------------- progress and --quiet

def test_bytes_read_follow_the_reader_through_every_file(tmp_path):
    files = [write_jsonl(tmp_path / f"{n}.jsonl", 3000) for n in range(2)]
    sources = expand_inputs([str(f) for f in files])
    progress = BytesRead(sources)
    assert progress.total == sum(f.stat().st_size for f in files)
    seen = []
    for unit in read_records([], sources=sources, on_open=progress.opened):
        seen.append(progress.done())
    assert seen == sorted(seen) and 0 < seen[0] < progress.total // 2 < seen[4000]
    assert progress.done() == progress.total


def test_a_pipe_has_no_byte_total():
    assert BytesRead(expand_inputs(["-"])).total is None


def test_the_progress_bar_counts_bytes_of_files_and_documents_of_standard_input(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", 50)
    result = invoke("clean", source, "-o", tmp_path / "out.jsonl", "--progress")
    assert result.exit_code == 0, result.output
    last = result.stderr.replace("\r", "\n").splitlines()
    bar = [line for line in last if "100%" in line][-1]
    size = source.stat().st_size / 1024
    assert f"{size:.1f}k/{size:.1f}k" in bar and "50 docs" in bar
    result = invoke("clean", "-", "-o", tmp_path / "out2.jsonl", "--progress", input=source.read_bytes())
    assert result.exit_code == 0 and "50 docs" in result.stderr and "100%" not in result.stderr


def test_quiet_prints_nothing_but_errors(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", 3)
    result = invoke("clean", source, "-o", tmp_path / "out.jsonl", "--quiet", "--progress")
    assert result.exit_code == 0 and result.stderr == ""
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 3
    result = invoke("clean", tmp_path / "missing.jsonl", "-o", tmp_path / "out.jsonl", "--quiet")
    assert result.exit_code == 1 and result.stderr.startswith("newsclean: error: ")


# ----------------------------------------------------------------------------- inputs without documents

@pytest.mark.parametrize("make", ["empty-file", "empty-folder", "blank-lines"])
def test_inputs_without_a_document_are_an_error_and_leave_no_output(tmp_path, make):
    target = tmp_path / ("dump" if make == "empty-folder" else "in.jsonl")
    if make == "empty-folder":
        target.mkdir()
    else:
        target.write_text("" if make == "empty-file" else "\n \n\n", encoding="utf-8")
    result = invoke("clean", target, "-o", tmp_path / "out.jsonl", "--rejects", tmp_path / "rej.jsonl")
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"newsclean: error: no documents found in {target} (no file with a record: "
                                      "expected .txt, .jsonl or .parquet files, optionally .gz/.zst)")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name])


def test_inputs_whose_every_unit_is_rejected_are_an_error_after_writing_the_rejects(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "正文\n{"id": "b"}\n', encoding="utf-8")
    result = invoke("clean", source, "-o", tmp_path / "out.jsonl", "--rejects", tmp_path / "rej.jsonl")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == ("newsclean: error: no documents: all 2 input units were rejected "
                                              f"(broken-json 1, missing-field 1); see {tmp_path / 'rej.jsonl'}")
    assert len((tmp_path / "rej.jsonl").read_text(encoding="utf-8").splitlines()) == 2


# ----------------------------------------------------------------------------- rules

def test_extra_rules_add_to_the_shipped_ones(tmp_path):
    plain = clean_one(tmp_path)
    assert plain["text"].endswith("分享到：微信 飞书\n—— 临江融媒·出品 ——")
    extra = clean_one(tmp_path, "--extra-rules", extra_rules(tmp_path))
    assert extra["text"] == "3月2日，临江市召开一季度经济形势分析会，会议通报全市经济运行情况。"
    # The shipped breadcrumb rule still works, the new word joined its share-widget list, the new rule fired.
    assert [r["rule"] for r in extra["removed"]] == ["breadcrumb", "share-widget", "linjiang-producer"]


def test_disable_rule_leaves_a_rule_out(tmp_path):
    result = clean_one(tmp_path, "--disable-rule", "breadcrumb", "--disable-rule", "amount-without-number")
    assert result["text"].startswith("首页 » 新闻 » 本地\n")
    assert "breadcrumb" not in [r["rule"] for r in result["removed"]]
    rules = RuleSet.load(RuleSource(disabled=("breadcrumb",)))
    assert "breadcrumb" not in {r.id for r in rules.chrome} and len(rules.chrome) == len(RuleSet.load().chrome) - 1


@pytest.mark.parametrize("rule_id,words", [
    ("near-repeat-caption", "built into the repeats stage"),
    ("no-such-rule", "no rule 'no-such-rule' to disable"),
])
def test_disabling_what_cannot_be_disabled_is_a_one_line_error(tmp_path, rule_id, words):
    (tmp_path / "page.txt").write_text(PAGE, encoding="utf-8")
    result = invoke("clean", tmp_path / "page.txt", "-o", "-", "--disable-rule", rule_id)
    assert result.exit_code == 1 and words in result.stderr and len(result.stderr.splitlines()) == 1


def test_an_extra_rule_file_cannot_reuse_an_id_or_redefine_a_pattern_piece(tmp_path):
    folder = extra_rules(tmp_path, EXTRA_CHROME.replace("linjiang-producer", "breadcrumb"))
    with pytest.raises(RuleError, match=r"extra/chrome.toml: rule 'breadcrumb': .* has a rule of that id already"):
        RuleSet.load(RuleSource(extra=str(folder)))
    folder = extra_rules(tmp_path, "[define]\ncolon = ':'\n")
    with pytest.raises(RuleError, match="define 'colon' exists already"):
        RuleSet.load(RuleSource(extra=str(folder)))
    with pytest.raises(RuleError, match="extra rules directory not found"):
        RuleSet.load(RuleSource(extra=str(tmp_path / "nowhere")))


def test_the_rules_in_force_change_the_resume_fingerprint(tmp_path):
    folder = extra_rules(tmp_path)
    assert RuleSource().digest() != RuleSource(extra=str(folder)).digest()
    assert RuleSource().digest() != RuleSource(disabled=("breadcrumb",)).digest()
    assert RuleSource().digest() == RuleSource(None, None, ()).digest()


def test_newsclean_rules_lists_every_rule_in_force_the_built_in_ones_too(tmp_path):
    result = invoke("rules", "--extra-rules", extra_rules(tmp_path), "--disable-rule", "breadcrumb")
    assert result.exit_code == 0, result.output
    listed = [line.split()[1] for line in result.stdout.splitlines() if not line.startswith("#")]
    rules = RuleSet.load()
    expected = ([r.id for r in rules.chrome if r.id != "breadcrumb"] + ["linjiang-producer"]
                + ["model"] + [g.id for g in rules.gaps] + [b.id for b in BUILTIN_RULES])
    assert listed == expected
    assert "linjiang-producer" in result.stdout and "(from " in result.stdout


STAGE_MODULES = {"normalize": normalize, "chrome": chrome, "repeats": repeats, "rejoin": rejoin}


@pytest.mark.parametrize("rule", BUILTIN_RULES, ids=lambda b: b.id)
def test_every_built_in_rule_is_one_its_stage_names(rule):
    assert rule.description
    source = inspect.getsource(STAGE_MODULES[rule.stage])
    if rule.stage == "chrome":  # the chrome learned from a batch, the item lists and the posts: in their modules
        source += "".join(inspect.getsource(m) for m in (sitechrome, itemlists, excerptlists, posts))
    if rule.stage == "repeats":  # named "<how>-repeat-<line kind>"
        how, kind = rule.id.rsplit("-", 1)
        assert f'"{how}"' in source and repeats.line_kind("一" * (10 if kind == "caption" else 60)) == kind
    else:
        assert f'"{rule.id}"' in source or f"{rule.id}" in source


def test_every_rule_a_document_reports_is_listed():
    text = ("首页 » 新闻 » 本地\n"
            "3月2日，临江市召开一季度经济形势分析会，全市完成投资亿元，同比增长%。\n"
            "3月2日，临江市召开一季度经济形势分析会，全市完成投资亿元，同比增长%。\n"
            "会议要求，各部门要抓好重点项目建设，确保全年目标任务按期完成，\n"
            "为全市经济社会发展作出新的更大贡献。会议还对下一阶段的安全生产、项目建设和民生保障等重点工作进行了具体部署。\n"
            "分享到：微信 微博")
    rules = RuleSet.load()
    known = {r.id for r in rules.chrome} | {g.id for g in rules.gaps} | {b.id for b in BUILTIN_RULES} | {"model"}
    counts = Pipeline().clean(text).counts
    # a flag is named by the model and the pattern that fired there, if one did: `model+<pattern id>`
    reported = {part for key in counts for part in key.split(":", 1)[1].split("+")}
    assert {"breadcrumb", "exact-repeat-caption", "cut-mid-sentence", "amount-without-number"} <= reported <= known


def test_newsclean_dedup_of_an_empty_input_is_an_error(tmp_path):
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    result = invoke("dedup", tmp_path / "empty.jsonl", "-o", tmp_path / "kept.jsonl")
    assert result.exit_code == 1 and result.stderr.strip().endswith("no documents found in " + str(tmp_path / "empty.jsonl"))
    assert not (tmp_path / "kept.jsonl").exists()


def test_the_byte_bar_ends_full_for_a_parquet_input(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(line) for line in write_jsonl(tmp_path / "in.jsonl", 20).read_text(encoding="utf-8").splitlines()]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet")
    result = invoke("clean", tmp_path / "in.parquet", "-o", tmp_path / "out.jsonl", "--progress")
    assert result.exit_code == 0, result.output
    assert "100%" in result.stderr and "20 docs" in result.stderr
