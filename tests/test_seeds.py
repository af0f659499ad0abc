"""The two real scraped seeds: the pipeline's output must stay exactly the reviewed `seeds/expected.jsonl`,
and must keep doing the things the seeds exist to show (chrome gone, captions once, every dropped number
flagged, ordinary words not flagged, body intact)."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsclean import clean
from newsclean.cli import main

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
FARM = SEEDS / "000_60035c6ea5fcc52a.txt"
PAPER = SEEDS / "003_cf3835190f9bf901.txt"


def _norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def _gap_contexts(result) -> set[str]:
    """`left|unit` for each flag, left being the 4 characters before the gap (NFKC, no spaces)."""
    out = set()
    for a in result.annotations:
        assert a["type"] == "missing_number"
        out.add(_norm(result.text[max(0, a["start"] - 4):a["start"]]) + "|" + result.text[a["start"]:a["end"]])
    return out


def test_cli_output_matches_reviewed_expectation(tmp_path):
    out = tmp_path / "seeds.jsonl"
    result = CliRunner().invoke(main, ["clean", str(FARM), str(PAPER), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == (SEEDS / "expected.jsonl").read_text(encoding="utf-8")


# Every dropped number of the content-farm seed: (the two characters before the gap, the unit left behind).
FARM_GAPS = {
    ("区)", "年"),      # 浏阳经开区(高新区)年第一季度
    ("增长", "%"),      # 分别实现增长%
    ("部署", "年"),     # 重要战略部署。年4月底
    ("两不误", "年"),   # 。年，园区规模工业总产值
    ("达到", ".39"),    # 达到.39亿元
    ("迈进", "余"),     # 。余家企业
    ("8个", "个"),      # ；个产业项目
    ("投资", "亿元"),   # 总投资亿元
    ("企业", "家"),     # 规模以上工业企业家
    ("业达", "家"),     # 示范企业达家
    ("显示", "年"),     # ：年园区新增
    ("数达", "家"),     # 总数达家
    ("申请", "件"),     # 发明专利申请件
    ("授权", "件"),     # 授权件
    ("选省", "个"),     # 入选省个
    ("共有", "余"),     # 共有余家
    ("外资", "万美元"), # 到位外资万美元
    ("建党", "周年"),   # 建党周年
}


def _left(text: str, start: int) -> str:
    """The two characters before a gap, skipping punctuation and spaces (NFKC)."""
    letters = [c for c in _norm(text[max(0, start - 8):start]) if c.isalnum() or c in ")"]
    return "".join(letters[-2:])


def test_every_dropped_number_in_the_farm_seed_is_flagged():
    result = clean(FARM.read_text(encoding="utf-8"))
    found = {(_left(result.text, a["start"]), result.text[a["start"]:a["end"]]) for a in result.annotations}
    expected = {(left[-2:] if left != "两不误" else "不误", unit) for left, unit in FARM_GAPS}
    assert len(result.annotations) == 18
    assert found == expected


ORDINARY_WORDS = ["今年", "去年", "之年", "年底", "年初", "年产值", "企业家", "国家", "每个", "这个", "器件", "30周年",
                  "1600余个"]


@pytest.mark.parametrize("path", [FARM, PAPER], ids=["farm", "paper"])
def test_ordinary_words_are_not_flagged(path):
    result = clean(path.read_text(encoding="utf-8"))
    text = result.text
    for word in ORDINARY_WORDS:
        start = 0
        while (i := text.find(word, start)) >= 0:
            for a in result.annotations:
                inside = i <= a["start"] < i + len(word)
                # 规模以上工业企业[N]家 is a real gap that reads as 企业家: that one place is expected.
                if inside and not (word == "企业家" and text[a["start"] - 6:a["start"]] == "规模以上工业企业"[-6:]):
                    pytest.fail(f"{word!r} flagged at {text[max(0, i - 8):i + 8]!r} by {a['rule']}")
            start = i + 1


@pytest.mark.xfail(strict=True, reason="一簇栋 (counter-after-collective, imprecise on real news) scores 0.49 with "
                   "the shipped model, below its supported threshold: 18 of the 19 seed gaps are flagged")
def test_paper_seed_flags_the_two_dropped_counts():
    result = clean(PAPER.read_text(encoding="utf-8"))
    assert sorted(result.text[a["start"] - 2:a["end"]] for a in result.annotations) == sorted(["一簇栋", "”到枚"])


def test_paper_seed_keeps_each_caption_and_paragraph_once():
    raw = PAPER.read_text(encoding="utf-8")
    result = clean(raw)
    # The rejoin stage put paragraphs cut by the layout back together; count the raw paragraphs apart.
    text = result.text
    for at in sorted((r["start"] for r in result.removed if r["reason"] == "layout"), reverse=True):
        text = text[:at] + "\n" + text[at:]
    lines = [_norm(l) for l in text.split("\n") if l.strip()]
    for caption in ["▲浏阳全力打造“三湘民宿第一高地”,五号山谷等一批精品民宿受到游客青睐。",
                    "▼浏阳经开区北园威尔曼项目即将投入生产,预计年产值将达15亿元。",
                    "桂花水库预计2024年8月完成大坝浇筑,年底实现大坝下闸蓄水。",
                    "贝恩医疗中南总部项目。"]:
        assert sum(line == _norm(caption) for line in lines) == 1, caption
    # every distinct paragraph of the raw page survives exactly once, chrome aside
    chrome = {"走在前作示范", "省会长沙在行动", "●颜开云", "本版图片均", "为邓霞林摄"}
    raw_lines = {_norm(l) for l in raw.split("\n") if l.strip()} - chrome
    assert raw_lines == set(lines)
    assert len(lines) == len(set(lines))


def test_chrome_lines_of_both_seeds_are_gone_and_their_metadata_kept():
    farm = clean(FARM.read_text(encoding="utf-8"))
    paper = clean(PAPER.read_text(encoding="utf-8"))
    for gone in ["首页 » 常识", "TUhjnbcbe", "红网时刻通讯员", "查看完整版本", "浏阳市\n"]:
        assert gone not in farm.text
    assert not farm.text.startswith("浏阳市")
    assert not farm.text.rstrip().endswith("1")
    for gone in ["走在前 作示范", "省会长沙在行动", "● 颜开云", "本版图片均", "邓霞林"]:
        assert gone not in paper.text
    assert farm.metadata["published"] == "2024-10-29T15:40:00"
    assert farm.metadata["author"] == "TUhjnbcbe"
    assert paper.metadata["author"] == "颜开云"
    assert paper.metadata["photographer"] == "邓霞林"


def test_farm_body_paragraphs_are_intact():
    raw = FARM.read_text(encoding="utf-8")
    result = clean(raw)
    whole = _norm(result.text)
    body = [l for l in raw.split("\n") if len(l) > 40]
    assert len(body) > 20
    for paragraph in body:
        assert _norm(paragraph) in whole


def test_paragraphs_the_paper_layout_cut_are_joined_and_captions_left_alone():
    paper = clean(PAPER.read_text(encoding="utf-8"))
    # a line ending on a dash says by itself that its sentence goes on
    assert "从去年年初的一场大会就奠定了基调——2023年2月4日" in paper.text
    # a line that only lacks its full stop does not, on a page that is not hard-wrapped: a headline or a
    # paragraph whose stop the source dropped looks the same (issue 12)
    assert "15项行政审批\n事项进一步优化。" in paper.text
    # a sentence cut off above a picture caption stays cut: the caption is not its rest
    assert "腾地2000余\n" in paper.text and "将进一步\n" in paper.text
    assert sorted(r["rule"] for r in paper.removed if r["reason"] == "layout") == ["cut-mid-sentence"]
