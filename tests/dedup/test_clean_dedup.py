"""`newsclean clean --dedup`: reposts that differ only in their site chrome collapse after cleaning, the copy
that kept its digits wins, figures-only siblings stay apart, and the books still balance."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsclean.cli import main
from newsclean.dedup import DedupConfig
from newsclean.run import RunConfig, RunError, checkpoint_path, partial_path, run

BRIDGE = (
    "本报讯 5月12日上午，横跨清江的青石大桥正式建成通车。大桥全长2.8公里，主跨460米，双向6车道，"
    "设计时速80公里，总投资约19.6亿元，是目前全省跨度最大的斜拉桥。\n\n"
    "大桥通车后，清江两岸的车程将由原来的50分钟缩短至8分钟左右，每天可分流过江车辆约3.5万辆次，"
    "有效缓解老城区交通压力。\n\n"
    "市交通运输局相关负责人介绍，工程于2021年3月开工，建设期间攻克了深水基础施工等多项技术难题，"
    "累计申请国家专利12项。\n\n"
    "通车仪式结束后，不少市民步行上桥参观。家住江北的陈先生说：“以前到对岸看病要绕一大圈，"
    "现在开车十来分钟就到了，真是方便多了。”"
)

# Another bridge, same kind of story, different facts: never a duplicate of BRIDGE.
OTHER_BRIDGE = (
    "本报讯 记者从市住建局获悉，位于城东的白沙河大桥改造工程近日完成主体施工，预计7月底恢复通行。"
    "改造后的大桥将由双向2车道拓宽为双向4车道，并增设人行道和非机动车道。\n\n"
    "据了解，白沙河大桥建于上世纪80年代，近年来桥面破损、护栏老化等问题较为突出。"
    "此次改造总投资约1.2亿元，施工期间周边道路实行交通管制。\n\n"
    "住建部门提醒，大桥恢复通行前，过往车辆请按指示牌绕行，市民出行请提前规划路线。"
)

RAIN = (
    "据市气象台消息，{day}全市平均降雨量{avg}毫米，最大降雨出现在{town}，累计雨量{top}毫米。\n\n"
    "受强降雨影响，全市共有{roads}处道路出现积水，交警部门及时设置警示标志，疏导交通。"
    "防汛部门共出动抢险人员{staff}人次，转移群众{moved}人，目前各项工作有序进行。\n\n"
    "气象部门提醒，未来三天仍有阵雨或雷阵雨，市民外出请注意防范，远离河道和低洼地带。"
)

HEAD_A = "首页 » 新闻 » 本地新闻\n2024-05-12 09:30:15 来源：清江日报\n"
TAIL_A = "\n\n责任编辑：王丽\n上一篇：我市开展安全生产大检查\n下一篇：清江公园完成提升改造"
HEAD_B = "当前位置：首页 > 城市 > 交通\n发布时间：2024-05-12 10:02:11 作者：李明\n"
TAIL_B = "\n\n【打印本页】【关闭窗口】\n版权所有 © 清江网 未经授权禁止转载"


def without(text: str, figure: str) -> str:
    """The text with one figure's digits dropped, as a broken scraper leaves it."""
    assert text.count(figure) == 1
    return text.replace(figure, "")


def dump(tmp_path: Path) -> Path:
    rain = [RAIN.format(day=d, avg=a, town=t, top=p, roads=r, staff=s, moved=m) for d, a, t, p, r, s, m in (
        ("12日", "46.3", "石门镇", "128.5", "37", "860", "215"),
        ("13日", "21.7", "龙潭乡", "73.2", "12", "420", "38"),
    )]
    docs = [
        ("site-a/bridge", HEAD_A + without(BRIDGE, "19.6") + TAIL_A),  # lost the investment
        ("site-b/bridge", HEAD_B + BRIDGE + TAIL_B),  # the complete copy
        ("site-c/bridge", HEAD_B + without(BRIDGE, "460") + TAIL_A),  # lost the span
        ("site-a/other-bridge", HEAD_A + OTHER_BRIDGE + TAIL_A),
        ("site-a/rain-12", HEAD_A + rain[0] + TAIL_A),
        ("site-b/rain-13", HEAD_B + rain[1] + TAIL_B),
        ("site-d/bridge-partial", HEAD_A + without(without(BRIDGE, "2.8"), "12项") + TAIL_B),
    ]
    path = tmp_path / "dump.jsonl"
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in docs]
    lines.insert(3, '{"id": "broken", "text": ')  # a broken line: counted as a reject, not a document
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_reposts_collapse_to_the_copy_that_kept_its_digits(tmp_path):
    stats = run(RunConfig(inputs=(str(dump(tmp_path)),), output=str(tmp_path / "out.jsonl"),
                          rejects=str(tmp_path / "rej.jsonl"), dedup=DedupConfig(), clusters=str(tmp_path / "cl.jsonl")))
    kept = [r["id"] for r in read(tmp_path / "out.jsonl")]
    assert kept == ["site-b/bridge", "site-a/other-bridge", "site-a/rain-12", "site-b/rain-13"]
    clusters = {c["id"]: c for c in read(tmp_path / "cl.jsonl")}
    assert list(clusters) == ["site-a/bridge", "site-b/bridge", "site-c/bridge", "site-a/other-bridge",
                              "site-a/rain-12", "site-b/rain-13", "site-d/bridge-partial"]
    for copy in ("site-a/bridge", "site-c/bridge", "site-d/bridge-partial"):
        assert clusters[copy]["duplicate_of"] == "site-b/bridge" and not clusters[copy]["kept"]
        assert 0.6 <= clusters[copy]["jaccard"] < 1
    assert clusters["site-b/rain-13"]["kept"] and clusters["site-b/rain-13"]["cluster"] == "site-b/rain-13"
    assert (stats.records_in, stats.written, stats.duplicates, stats.rejected) == (8, 4, 3, 1)
    assert stats.balanced() and stats.dedup["clusters_with_duplicates"] == 1
    assert not partial_path(str(tmp_path / "out.jsonl")).exists()
    assert not checkpoint_path(str(tmp_path / "out.jsonl")).exists()


def test_a_kept_copy_that_lost_digits_gets_them_suggested_from_its_reposts(tmp_path):
    src = tmp_path / "in.jsonl"
    docs = [("a", HEAD_A + without(BRIDGE, "19.6") + TAIL_A), ("b", HEAD_B + without(BRIDGE, "3.5") + TAIL_B)]
    src.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in docs),
                   encoding="utf-8")
    run(RunConfig(inputs=(str(src),), output=str(tmp_path / "out.jsonl"), dedup=DedupConfig()))
    [record] = read(tmp_path / "out.jsonl")
    assert record["id"] == "b"  # one flag each: the longer copy (it lost three characters, not four)
    # (Both copies also carry one false flag of the model, at 十来分钟: the same count, so length decides.)
    [flag] = [a for a in record["annotations"] if a["type"] == "missing_number" and "suggestion" in a["info"]]
    assert record["text"][flag["start"] - 5:flag["start"] + 3] == "过江车辆约万辆次"
    assert flag["info"]["suggestion"]["digits"] == "3.5" and flag["info"]["suggestion"]["source_id"] == "a"
    assert "3.5" not in record["text"]  # a suggestion, never an edit


def test_without_dedup_every_document_is_written(tmp_path):
    stats = run(RunConfig(inputs=(str(dump(tmp_path)),), output=str(tmp_path / "out.jsonl")))
    assert (stats.written, stats.duplicates) == (7, 0) and len(read(tmp_path / "out.jsonl")) == 7


def test_the_command_gives_the_same_bytes_for_any_jobs_and_to_standard_output(tmp_path):
    src = dump(tmp_path)
    runner = CliRunner()
    outputs = []
    for jobs in ("1", "2"):
        out, cl = tmp_path / f"o{jobs}.jsonl", tmp_path / f"c{jobs}.jsonl"
        result = runner.invoke(main, ["clean", str(src), "-o", str(out), "--dedup", "--clusters", str(cl),
                                      "-j", jobs, "--no-progress"])
        assert result.exit_code == 0, result.output
        assert "records in 8: written 4, duplicates 3, rejected 1" in result.output
        assert "near-duplicates: 3 dropped from 1 clusters" in result.output
        outputs.append((out.read_bytes(), cl.read_bytes()))
    assert outputs[0] == outputs[1]
    result = CliRunner().invoke(main, ["clean", str(src), "-o", "-", "--dedup", "--no-progress"])
    assert result.exit_code == 0 and result.stdout_bytes == outputs[0][0]
    assert "records in 8: written 4, duplicates 3, rejected 1" in result.stderr


def test_a_clusters_file_named_gz_is_gzip_from_clean_as_from_dedup(tmp_path):
    src = dump(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--dedup", "--clusters",
                                  str(tmp_path / "clean.jsonl.gz"), "--no-progress"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["dedup", str(tmp_path / "o.jsonl"), "-o", str(tmp_path / "again.jsonl"),
                                  "--clusters", str(tmp_path / "dedup.jsonl.gz")])
    assert result.exit_code == 0, result.output
    for name in ("clean.jsonl.gz", "dedup.jsonl.gz"):
        assert (tmp_path / name).read_bytes()[:2] == b"\x1f\x8b", name  # the gzip magic, as the name asks
    with gzip.open(tmp_path / "clean.jsonl.gz", "rt", encoding="utf-8") as fh:
        clusters = [json.loads(line) for line in fh]
    assert [c["id"] for c in clusters if not c["kept"]] == ["site-a/bridge", "site-c/bridge", "site-d/bridge-partial"]


def test_the_threshold_reaches_the_run(tmp_path):
    src = dump(tmp_path)
    result = CliRunner().invoke(main, ["clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--dedup-threshold",
                                       "0.99", "--no-progress"])
    assert result.exit_code == 0 and "duplicates 0" in result.output


def test_clusters_without_dedup_turns_dedup_on_in_the_command_and_is_refused_by_the_library(tmp_path):
    src = dump(tmp_path)
    result = CliRunner().invoke(main, ["clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--clusters",
                                       str(tmp_path / "c.jsonl"), "--no-progress"])
    assert result.exit_code == 0 and "duplicates 3" in result.output
    with pytest.raises(RunError, match="--clusters needs --dedup"):
        run(RunConfig(inputs=(str(src),), output=str(tmp_path / "x.jsonl"), clusters=str(tmp_path / "c.jsonl")))


class Stop(KeyboardInterrupt):
    pass


def test_an_interrupted_dedup_run_resumes_to_the_same_bytes(tmp_path):
    src = dump(tmp_path)
    ref = RunConfig(inputs=(str(src),), output=str(tmp_path / "ref.jsonl"), dedup=DedupConfig(),
                    clusters=str(tmp_path / "ref-cl.jsonl"))
    run(ref)
    cfg = RunConfig(inputs=(str(src),), output=str(tmp_path / "out.jsonl"), dedup=DedupConfig(),
                    clusters=str(tmp_path / "cl.jsonl"), block_size=2, checkpoint_units=2)

    def stop(records_in: int) -> None:
        if records_in >= 5:
            raise Stop

    with pytest.raises(Stop):
        run(cfg, on_progress=stop)
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "cl.jsonl").exists()
    stats = run(cfg._replace(resume=True))
    assert stats.resumed_at > 0 and (stats.written, stats.duplicates, stats.rejected) == (4, 3, 1)
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "ref.jsonl").read_bytes()
    assert (tmp_path / "cl.jsonl").read_bytes() == (tmp_path / "ref-cl.jsonl").read_bytes()


def test_the_run_hands_its_documents_to_the_dedup_pass_and_reads_back_only_an_interrupted_runs(tmp_path,
                                                                                               monkeypatch):
    from newsclean.dedup import Corpus

    read_back = Corpus.read_back
    calls: list[tuple[int, int]] = []  # (documents indexed before, documents read back) per call

    def counted(self, *args, **kwargs):
        before = len(self)
        read_back(self, *args, **kwargs)
        calls.append((before, len(self) - before))

    monkeypatch.setattr(Corpus, "read_back", counted)
    src = dump(tmp_path)
    ref = RunConfig(inputs=(str(src),), output=str(tmp_path / "ref.jsonl"), dedup=DedupConfig())
    run(ref)
    assert calls == []  # every document came with its line from the workers
    cfg = RunConfig(inputs=(str(src),), output=str(tmp_path / "out.jsonl"), dedup=DedupConfig(), block_size=2,
                    checkpoint_units=2)

    def stop(records_in: int) -> None:
        if records_in >= 5:
            raise Stop

    with pytest.raises(Stop):
        run(cfg, on_progress=stop)
    stats = run(cfg._replace(resume=True))
    # The interrupted run checkpointed after 4 input units (one of them the broken line): its 3 documents are
    # read back from the partial output, the other 4 are handed over.
    assert stats.resumed_at == 4 and calls == [(0, 3)]
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "ref.jsonl").read_bytes()


def test_the_dedup_pass_reads_texts_from_the_cleaned_file_and_decides_as_in_memory(tmp_path):
    from newsclean.dedup import dedup_records
    from newsclean.dedup import Corpus, TextFile, dedup_corpus

    records = [{"id": f"doc-{i}", "text": text, "annotations": []}
               for i, text in enumerate([BRIDGE, OTHER_BRIDGE, BRIDGE.replace("本报讯 ", ""), "", RAIN.format(
                   day="12日", avg="35.2", town="东岗镇", top="88.6", roads="17", staff="420", moved="96")])]
    cleaned = tmp_path / "cleaned.jsonl"
    cleaned.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    on_disk = dedup_corpus(Corpus.read(cleaned), DedupConfig())
    in_memory = dedup_records(records, DedupConfig())
    assert [e.to_json() for e in on_disk.entries] == [e.to_json() for e in in_memory.entries]
    assert [e.kept for e in on_disk.entries] == [True, True, False, True, True]
    assert all("text" not in r for r in on_disk.records)  # the texts stayed on disk

    offsets, lengths, at = [], [], 0
    for line in cleaned.read_bytes().splitlines(keepends=True):
        offsets.append(at)
        lengths.append(len(json.loads(line)["text"]))
        at += len(line)
    with TextFile(cleaned, offsets, lengths) as texts:
        assert len(texts) == 5 and texts[0] == BRIDGE and texts[-1] == records[-1]["text"] and texts[3] == ""
        assert texts[1:4] == [OTHER_BRIDGE, records[2]["text"], ""] and texts[::2] == [BRIDGE, records[2]["text"],
                                                                                        records[4]["text"]]
        assert texts[4:2] == [] and texts.lengths == lengths
        with pytest.raises(IndexError):
            texts[5]
