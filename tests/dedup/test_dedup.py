"""Corpus dedup, the streaming Deduplicator, cross-document repair and the `dedup` command.

The corpus below is written for these tests: one story reposted with different site chrome, with a few
sentences edited and with digits dropped; a different story on the same topic; and weekly reports that
share every sentence but their figures, which must never merge.
"""
from __future__ import annotations

import gzip
import itertools
import json
import re
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner
from datasketch import LeanMinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import minhash as mh
from newsclean.cli.dedup import dedup_command
from newsclean.dedup import (
    DedupConfig,
    Deduplicator,
    LSHIndex as _LSHIndex,
    count_number_conflicts,
    dedup_records,
    number_fingerprint,
    suggest_digits,
)

METRO = (
    "本报讯（记者 林晓 通讯员 周敏）12月28日上午10时，南湖市地铁5号线一期工程正式开通初期运营。"
    "该线路全长32.6公里，共设车站24座，其中换乘站7座，贯通城市南北主要客流走廊。\n"
    "5号线采用6节编组A型列车，最高运行速度每小时80公里，开通初期高峰时段行车间隔为4分30秒。"
    "市轨道交通集团负责人介绍，线路自2019年开工建设以来，累计完成投资约236亿元。\n"
    "开通当天，不少市民早早来到车站体验。家住城南的王女士说，以前到市中心上班要换乘两次公交，"
    "路上将近1个半小时，现在坐地铁只要40分钟左右。\n"
    "据悉，5号线开通后，南湖市轨道交通运营里程将达到186公里，日均客运量预计增加35万人次。"
    "下一步，该集团还将加快推进6号线和8号线建设，力争2026年底前实现通车。"
)

METRO_OTHER_CITY = (
    "新华社西川1月15日电 西川市首条地铁线路1号线15日正式开通运营，标志着这座西部城市迈入地铁时代。"
    "1号线全长21.4公里，设站18座，连接火车站、老城区和高新区。\n"
    "记者在开通仪式现场看到，首班列车于上午9时驶出站台，车厢内座无虚席。"
    "西川市交通运输局表示，开通初期每日运营时间为6时30分至22时30分，票价实行按里程分段计价，起步价2元。\n"
    "当地市民李先生告诉记者，他特意请了半天假来坐首班车，\u201c盼了好多年，终于在家门口坐上地铁了\u201d。"
    "按照规划，西川市到2030年将建成4条地铁线路，总里程超过100公里。"
)

FUND_TEMPLATE = (
    "上周（{week}）A股市场震荡{trend}，偏股型基金平均净值{change}。"
    "数据显示，纳入统计的{total}只股票型基金中，有{up}只实现正收益，占比{share}。\n"
    "其中，医药主题基金表现居前，周收益率最高的一只达到{best}；"
    "而新能源主题基金整体回调，跌幅最大的一只下跌{worst}。\n"
    "债券型基金方面，纯债基金平均收益率为{bond}，货币基金七日年化收益率均值为{money}。"
    "分析人士认为，短期内市场仍将以结构性行情为主，投资者宜保持均衡配置，避免追涨杀跌。\n"
    "从资金面看，央行通过公开市场操作保持流动性合理充裕，市场利率整体平稳运行。"
    "业内人士建议，普通投资者在选择基金产品时，应重点关注基金经理的投资风格是否稳定、"
    "历史业绩能否穿越牛熊，同时结合自身的风险承受能力和资金使用期限，做好长期规划。"
)
FUND_WEEK_1 = FUND_TEMPLATE.format(week="3月4日至3月8日", trend="上行", change="上涨1.26%", total=2136, up=1518,
                                   share="71.07%", best="6.85%", worst="3.42%", bond="0.08%", money="1.83%")
FUND_WEEK_2 = FUND_TEMPLATE.format(week="3月11日至3月15日", trend="上行", change="上涨0.94%", total=2141, up=1377,
                                   share="64.32%", best="5.17%", worst="4.06%", bond="0.11%", money="1.79%")

CHROME_TOP_A = "首页 > 新闻中心 > 城市\n南湖日报数字报 2025年12月29日\n"
CHROME_BOTTOM_A = "\n责任编辑：张倩\n版权所有 南湖日报社 未经授权禁止转载"
CHROME_TOP_B = "您当前的位置：资讯 > 本地\n来源：城事网\n"
CHROME_BOTTOM_B = "\n【纠错】 【分享到微信】\n编辑：何立"


def drop_digits(text: str, figures: list[str]) -> tuple[str, list[dict]]:
    """Remove the first occurrence of each figure, the way a broken scrape does, and flag each gap."""
    annotations = []
    for figure in figures:
        at = text.index(figure)
        text = text[:at] + text[at + len(figure):]
        for a in annotations:  # earlier gaps after this one move left
            if a["start"] > at:
                a["start"] -= len(figure)
                a["end"] -= len(figure)
        annotations.append({"type": "missing_number", "start": at, "end": at + 1, "raw_start": at, "raw_end": at + 1,
                            "rule": "test", "info": {"unit": text[at]}})
    return text, sorted(annotations, key=lambda a: a["start"])


def edited(text: str) -> str:
    """A repost whose editor rewrote one sentence and cut another."""
    text = text.replace("开通当天，不少市民早早来到车站体验。", "运营首日，沿线各站客流明显增加，不少市民专程前来乘坐。")
    return text.replace("市轨道交通集团负责人介绍，线路自2019年开工建设以来，累计完成投资约236亿元。", "")


def corpus() -> tuple[list[dict], dict[str, str]]:
    """Records in input order and each id's true story."""
    metro_gapped, metro_flags = drop_digits(METRO, ["2019", "236"])
    fund_gapped, fund_flags = drop_digits(FUND_WEEK_1, ["1518"])
    records = [
        {"id": "metro-site-a", "text": CHROME_TOP_A + metro_gapped + CHROME_BOTTOM_A, "annotations": metro_flags},
        {"id": "metro-other-city", "text": METRO_OTHER_CITY},
        {"id": "fund-week-1", "text": FUND_WEEK_1},
        {"id": "metro-site-b", "text": CHROME_TOP_B + METRO + CHROME_BOTTOM_B},
        {"id": "metro-edited", "text": edited(METRO)},
        {"id": "fund-week-2", "text": FUND_WEEK_2},
        {"id": "fund-week-1-gapped", "text": fund_gapped, "annotations": fund_flags},
        {"id": "metro-plain", "text": METRO},
    ]
    truth = {"metro-site-a": "metro", "metro-site-b": "metro", "metro-edited": "metro", "metro-plain": "metro",
             "metro-other-city": "metro-other", "fund-week-1": "fund-1", "fund-week-1-gapped": "fund-1",
             "fund-week-2": "fund-2"}
    return records, truth


def duplicate_pairs(groups: dict[str, str]) -> set[tuple[str, str]]:
    """All unordered pairs of ids that share a group."""
    by_group: dict[str, list[str]] = {}
    for id, group in groups.items():
        by_group.setdefault(group, []).append(id)
    return {pair for members in by_group.values() for pair in itertools.combinations(sorted(members), 2)}


def test_corpus_similarities_are_what_the_story_needs():
    # Guards the corpus itself: the figure-only pair must look like a duplicate to MinHash alone.
    config = mh.MinHashConfig()
    assert mh.exact_jaccard(FUND_WEEK_1, FUND_WEEK_2, config) > 0.6
    assert mh.exact_jaccard(METRO, edited(METRO), config) > 0.6
    assert mh.exact_jaccard(METRO, METRO_OTHER_CITY, config) < 0.1


def test_corpus_clusters_have_full_precision_and_recall():
    records, truth = corpus()
    result = dedup_records(records)
    found = duplicate_pairs({e.id: e.cluster for e in result.entries})
    assert found == duplicate_pairs(truth)


def test_figure_only_differences_merge_only_without_the_number_check():
    records = [{"id": "w1", "text": FUND_WEEK_1}, {"id": "w2", "text": FUND_WEEK_2}]
    checked = dedup_records(records)
    assert [e.kept for e in checked.entries] == [True, True]
    assert checked.number_conflicts == 1
    unchecked = dedup_records(records, DedupConfig(number_check=False))
    # Week 2's longer date range makes it the longer text, so it is the one kept.
    assert [e.duplicate_of for e in unchecked.entries] == ["w2", None]


def test_zero_digits_makes_figure_only_stories_nearly_identical():
    plain = mh.exact_jaccard(FUND_WEEK_1, FUND_WEEK_2, mh.MinHashConfig())
    zero = mh.exact_jaccard(FUND_WEEK_1, FUND_WEEK_2, mh.MinHashConfig(zero_digits=True))
    assert zero > 0.9 and zero - plain > 0.2


def test_one_entry_per_input_in_input_order_with_the_kept_copy_named():
    records, _ = corpus()
    result = dedup_records(records)
    assert [e.id for e in result.entries] == [r["id"] for r in records]
    by_id = {e.id: e for e in result.entries}
    # Both flag-free full copies tie on flags; the longer one (site B's chrome) wins.
    assert by_id["metro-site-b"].kept
    for id in ["metro-site-a", "metro-edited", "metro-plain"]:
        assert by_id[id].duplicate_of == "metro-site-b" and by_id[id].cluster == "metro-site-b"
        assert not by_id[id].kept and 0.6 <= by_id[id].jaccard < 1.0
    # A copy that lost digits loses to the complete one, even though it came first.
    assert by_id["fund-week-1"].kept and by_id["fund-week-1-gapped"].duplicate_of == "fund-week-1"
    assert [r["id"] for r in result.kept_records()] == ["metro-other-city", "fund-week-1", "metro-site-b", "fund-week-2"]
    assert result.summary() == {"records": 8, "kept": 4, "dropped": 4, "clusters_with_duplicates": 2,
                                "suggestions": 0, "number_conflicts": result.number_conflicts}


def test_fewest_flags_beats_length_and_ties_go_to_the_earliest():
    gapped, flags = drop_digits(METRO, ["32.6"])
    records = [
        {"id": "long-but-gapped", "text": gapped + "（完）欢迎关注南湖日报客户端", "annotations": flags},
        {"id": "first", "text": METRO},
        {"id": "second", "text": METRO},
    ]
    entries = dedup_records(records).entries
    assert [e.duplicate_of for e in entries] == ["first", None, "first"]


def test_repair_suggests_digits_from_a_copy_that_kept_them():
    gapped_a, flags_a = drop_digits(METRO, ["2019", "236"])
    gapped_b, flags_b = drop_digits(METRO, ["32.6", "80", "186"])
    records = [{"id": "a", "text": gapped_a, "annotations": flags_a},
               {"id": "b", "text": gapped_b, "annotations": flags_b}]
    before = json.dumps(records, ensure_ascii=False)
    result = dedup_records(records)
    assert [e.kept for e in result.entries] == [True, False]
    kept = result.kept_records()[0]
    assert kept["text"] == gapped_a  # never edited
    suggestions = [a["info"]["suggestion"] for a in kept["annotations"]]
    assert [s["digits"] for s in suggestions] == ["2019", "236"]
    assert all(s["source_id"] == "b" for s in suggestions)
    assert "2019年开工" in suggestions[0]["evidence"] and "236亿元" in suggestions[1]["evidence"]
    assert result.suggestions == 2
    assert json.dumps(records, ensure_ascii=False) == before  # input records untouched


def test_repair_gives_no_suggestion_where_the_copy_also_lost_the_digits_or_copies_disagree():
    gapped, flags = drop_digits(METRO, ["236"])
    also_gapped, also_flags = drop_digits(METRO, ["236"])
    out, added = suggest_digits(gapped, flags, [("copy", also_gapped, also_flags)])
    assert added == 0 and "suggestion" not in out[0]["info"]
    disagreeing = [("x", METRO, []), ("y", METRO.replace("236亿元", "263亿元"), [])]
    out, added = suggest_digits(gapped, flags, disagreeing)
    assert added == 0
    agreeing = disagreeing + [("z", METRO, [])]
    out, added = suggest_digits(gapped, flags, agreeing)
    assert added == 1 and out[0]["info"]["suggestion"]["digits"] == "236"
    assert out[0]["info"]["suggestion"]["sources"] == 2
    assert out[0]["info"]["unit"] == flags[0]["info"]["unit"]  # the rest of info is kept


def test_number_fingerprint_tells_dropped_from_different_figures():
    same_sentence = "全长32.6公里，共设车站24座。"
    dropped = "全长公里，共设车站24座。"
    changed = "全长41.2公里，共设车站24座。"
    assert count_number_conflicts(number_fingerprint(same_sentence), number_fingerprint(dropped)) == 0
    assert count_number_conflicts(number_fingerprint(same_sentence), number_fingerprint(changed)) == 1
    assert count_number_conflicts(number_fingerprint("没有数字的句子"), number_fingerprint(changed)) == 0
    # Layout and thousands separators do not matter.
    assert count_number_conflicts(number_fingerprint("共计1,200人参加"), number_fingerprint("共计 1200人参加")) == 0


def test_results_do_not_depend_on_jobs_or_backend():
    records, _ = corpus()
    reference = dedup_records(records, DedupConfig(jobs=1, backend="numpy"))
    backends = ["numpy"] + (["numba"] if mh.have_numba() else [])
    for backend in backends:
        other = dedup_records(records, DedupConfig(jobs=2, backend=backend))
        assert other.entries == reference.entries
        assert other.records == reference.records


def test_exact_mode_reports_exact_jaccard():
    records = [{"id": "plain", "text": METRO}, {"id": "edited", "text": edited(METRO)}]
    entries = dedup_records(records, DedupConfig(exact=True)).entries
    assert entries[1].exact_jaccard == pytest.approx(mh.exact_jaccard(METRO, edited(METRO)))
    assert entries[1].to_json()["exact_jaccard"] == round(entries[1].exact_jaccard, 4)


def test_blank_texts_are_kept_and_never_matched():
    records = [{"id": "e1", "text": ""}, {"id": "e2", "text": "  \n"}, {"id": "e3", "text": "\u200b"},
               {"id": "m", "text": METRO}]
    assert [e.kept for e in dedup_records(records).entries] == [True, True, True, True]
    dedup = Deduplicator()
    dedup.add("blank", " ")
    assert dedup.is_duplicate(None, "\u3000") is None and "blank" in dedup


def test_fast_band_keys_agree_with_datasketch_query():
    config = DedupConfig()
    texts = [METRO, edited(METRO), METRO_OTHER_CITY, FUND_WEEK_1, FUND_WEEK_2]
    sigs = mh.signatures(texts, config.minhash)
    index = _LSHIndex(config)
    keys = index.keys(sigs)
    for position in range(len(texts)):
        index.insert(position, keys[position])
    for position, sig in enumerate(sigs):
        public = index.lsh.query(LeanMinHash(seed=config.seed, hashvalues=sig.astype(np.uint64), scheme="affine32"))
        assert sorted(public) == sorted(index.candidates(keys[position]))
    assert {0, 1} <= index.candidates(keys[0]) and 2 not in index.candidates(keys[0])


def test_deduplicator_answers_remembers_and_survives_a_restart(tmp_path):
    dedup = Deduplicator()
    assert dedup.check("metro-a", CHROME_TOP_A + METRO) is None
    assert dedup.check("fund-1", FUND_WEEK_1) is None
    assert dedup.is_duplicate("probe", METRO_OTHER_CITY) is None
    assert "probe" not in dedup and len(dedup) == 2
    match = dedup.check("metro-b", CHROME_TOP_B + edited(METRO))
    assert match is not None and match.id == "metro-a" and match.jaccard >= 0.6
    assert "metro-b" not in dedup  # duplicates are answered, not stored
    assert dedup.check("fund-2", FUND_WEEK_2) is None  # different figures: a new story
    path = tmp_path / "index.npz"
    dedup.save(path)
    restored = Deduplicator.load(path)
    assert len(restored) == 3 and "fund-2" in restored
    # The index keeps the banding it was built with, even if datasketch's optimum changes later.
    assert restored.config == replace(dedup.config, lsh_params=dedup.config.bands_rows)
    for text in [METRO, FUND_WEEK_1, FUND_WEEK_2, METRO_OTHER_CITY, edited(METRO)]:
        assert restored.is_duplicate(None, text) == dedup.is_duplicate(None, text)
    assert restored.is_duplicate(None, drop_digits(FUND_WEEK_2, ["5.17%"])[0]).id == "fund-2"
    with pytest.raises(ValueError):
        restored.add("fund-2", FUND_WEEK_2)


def test_a_save_that_fails_midway_keeps_the_previous_index(tmp_path, monkeypatch):
    dedup = Deduplicator()
    dedup.check("metro-a", METRO)
    path = tmp_path / "index.npz"
    dedup.save(path)
    dedup.check("fund-1", FUND_WEEK_1)

    def crash(fh, **arrays):
        fh.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        dedup.save(path)
    monkeypatch.undo()
    assert len(Deduplicator.load(path)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["index.npz"]


def test_deduplicator_refuses_files_that_are_not_its_index(tmp_path):
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, meta=np.frombuffer(json.dumps({"format": "other"}).encode(), dtype=np.uint8))
    with pytest.raises(ValueError):
        Deduplicator.load(foreign)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, meta=np.array([{"format": "newsclean-dedup-index"}], dtype=object))
    with pytest.raises(ValueError):
        Deduplicator.load(pickled)


def test_add_many_matches_one_by_one():
    bulk, single = Deduplicator(), Deduplicator()
    bulk.add_many(["m", "f"], [METRO, FUND_WEEK_1])
    single.add("m", METRO)
    single.add("f", FUND_WEEK_1)
    for text in [edited(METRO), FUND_WEEK_2, drop_digits(FUND_WEEK_1, ["1518"])[0]]:
        assert bulk.is_duplicate(None, text) == single.is_duplicate(None, text)


def test_config_round_trips_and_rejects_bad_values():
    config = DedupConfig(threshold=0.75, exact=True, lsh_params=(16, 8))
    assert DedupConfig.from_dict(config.to_dict()) == DedupConfig(threshold=0.75, exact=True, lsh_params=(16, 8))
    with pytest.raises(ValueError):
        DedupConfig(threshold=0)
    with pytest.raises(ValueError):
        DedupConfig(lsh_params=(20, 20))
    with pytest.raises(ValueError):
        DedupConfig.from_dict({"threshold": 0.7, "shingle": 3})


def test_dedup_command_writes_kept_records_clusters_and_index(tmp_path):
    records, truth = corpus()
    source = tmp_path / "cleaned.jsonl.gz"
    with gzip.open(source, "wt", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    out, clusters, index = tmp_path / "kept.jsonl", tmp_path / "clusters.jsonl", tmp_path / "index.npz"
    result = CliRunner().invoke(dedup_command, [str(source), "-o", str(out), "--clusters", str(clusters),
                                               "--index", str(index), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "records in 8: written 4, duplicates 4, rejected 0" in result.output
    kept = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in kept] == ["metro-other-city", "fund-week-1", "metro-site-b", "fund-week-2"]
    assert kept[2]["text"] == CHROME_TOP_B + METRO + CHROME_BOTTOM_B
    lines = [json.loads(line) for line in clusters.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [r["id"] for r in records]
    assert duplicate_pairs({line["id"]: line["cluster"] for line in lines}) == duplicate_pairs(truth)
    assert all(set(line) == {"id", "cluster", "kept", "duplicate_of", "jaccard"} for line in lines)
    assert len(Deduplicator.load(index)) == 4


def test_dedup_command_options_reach_the_library(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps({"doc": i, "body": t}, ensure_ascii=False)
                                for i, t in enumerate([FUND_WEEK_1, FUND_WEEK_2])) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl.zst"
    runner = CliRunner()
    args = [str(source), "-o", str(out), "--text-field", "body", "--id-field", "doc"]
    assert runner.invoke(dedup_command, args).exit_code == 0
    import zstandard

    kept = zstandard.ZstdDecompressor().decompress(out.read_bytes(), max_output_size=1 << 20).decode().splitlines()
    assert len(kept) == 2 and json.loads(kept[0])["body"] == FUND_WEEK_1
    assert runner.invoke(dedup_command, args + ["--no-number-check"]).exit_code == 0
    kept = zstandard.ZstdDecompressor().decompress(out.read_bytes(), max_output_size=1 << 20).decode().splitlines()
    assert len(kept) == 1


def test_dedup_command_accounts_for_unreadable_lines_and_writes_the_same_bytes_twice(tmp_path):
    records, _ = corpus()
    source = tmp_path / "cleaned.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines[2:2] = ['{"id": "cut", "text": "地铁5号线', '{"id": "no-text", "body": "正文"}']
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = []
    for run in ("a", "b"):
        out, rejects, stats = tmp_path / f"kept-{run}.jsonl.gz", tmp_path / f"rej-{run}.jsonl", tmp_path / f"st-{run}.json"
        result = CliRunner().invoke(dedup_command, [str(source), "-o", str(out), "--rejects", str(rejects),
                                                   "--stats", str(stats)])
        assert result.exit_code == 0, result.output
        assert "records in 10: written 4, duplicates 4, rejected 2" in result.output
        book = json.loads(stats.read_text(encoding="utf-8"))
        assert book["balanced"] and book["rejects_by_reason"] == {"broken-json": 1, "missing-field": 1}
        assert [json.loads(x)["source"].rsplit(":", 1)[1] for x in rejects.read_text(encoding="utf-8").splitlines()] == ["3", "4"]
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] and len(gzip.decompress(outputs[0]).splitlines()) == 4
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary files left


def test_drop_digits_helper_flags_the_gap_before_the_unit():
    text, flags = drop_digits("总投资236亿元，工期3年。", ["236", "3"])
    assert text == "总投资亿元，工期年。"
    assert [text[a["start"]] for a in flags] == ["亿", "年"]
    assert not re.search(r"\d", text)


def test_records_without_ids_are_named_by_position_and_ids_can_be_given():
    records = [{"text": METRO}, {"text": edited(METRO)}, {"text": METRO_OTHER_CITY}]
    assert [(e.id, e.duplicate_of) for e in dedup_records(records).entries] == [("0", None), ("1", "0"), ("2", None)]
    named = dedup_records(records, ids=["a.jsonl:1", "a.jsonl:2", "a.jsonl:3"]).entries
    assert named[1].duplicate_of == "a.jsonl:1"
    with pytest.raises(ValueError):
        dedup_records(records, ids=["only-one"])


@pytest.mark.skipif(not mh.have_numba(), reason="needs the fast extra")
@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("0123456789０１２.,:/，．%年月日元亿万人共计增长 \n\u3000")), max_size=80))
def test_figure_fingerprints_are_identical_on_both_backends(text):
    assert np.array_equal(number_fingerprint(text, backend="numba"), number_fingerprint(text, backend="numpy"))


def test_figure_fingerprint_has_one_value_per_figure_in_context():
    sentence = "全长32.6公里，共设车站24座，其中换乘站7座，总投资1,200亿元。"
    backends = ["numpy"] + (["numba"] if mh.have_numba() else [])
    for backend in backends:
        values = number_fingerprint(sentence, backend=backend)
        assert len(values) == 4 and values.dtype == np.uint64
        assert len(number_fingerprint("没有数字的句子", backend=backend)) == 0
    for text in [METRO, FUND_WEEK_1, METRO_OTHER_CITY]:
        assert np.array_equal(number_fingerprint(text, backend="numpy"), number_fingerprint(text, backend=backends[-1]))


def test_bulk_fingerprints_match_one_by_one():
    from newsclean.dedup import number_fingerprints

    texts = [METRO, "", FUND_WEEK_1, "没有数字", FUND_WEEK_2, METRO_OTHER_CITY] * 3
    for backend in ["numpy"] + (["numba"] if mh.have_numba() else []):
        for jobs in (1, 2):
            bulk = number_fingerprints(texts, backend, jobs)
            assert len(bulk) == len(texts)
            for values, text in zip(bulk, texts):
                assert np.array_equal(values, number_fingerprint(text, backend))
