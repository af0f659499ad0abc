"""Property tests of the offset map: every annotation and every removal points back to the raw input."""
from __future__ import annotations

import unicodedata

from hypothesis import given, settings, strategies as st

from newsclean import clean


def _norm(s: str) -> str:
    """NFKC without spaces and without the invisible characters normalisation drops."""
    s = "".join(ch for ch in s if unicodedata.category(ch) not in ("Cf", "Cc"))
    return "".join(unicodedata.normalize("NFKC", s).split())


LINES = [
    "首页 » 新闻 » 本地 » 江城零工市场覆盖全部城区", "江城网讯（记者 周晓雯 通讯员 林立）", "责任编辑：孙雅琪",
    "全市新增就业岗位万个，同比增长%。", "项目总投资亿元,建成后年产值可达50亿元。", "年4月底,工程正式投入运行。",
    "▲市民在城南农贸市场选购新鲜蔬菜。", "上一篇：江城地铁3号线开通", "1", "2", "下一页",
    "今年以来，全市经济运行总体平稳，企业家信心明显增强，消费市场持续回暖。",
    "本版图片均", "为 林立 摄", "版权所有 © 2024 江城网 湘ICP备12345678号", "  　", "",
]
PIECES = st.one_of(
    st.sampled_from(LINES),
    st.text(alphabet="年万亿元%.,:;()（）个家 　\t\u200b\r0123456789经济增长达到约", max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=14), st.booleans())
def test_offsets_point_back_to_the_raw_input(parts, mark):
    raw = "\n".join(parts)
    result = clean(raw, t2s=False, mark=mark)
    text = result.text
    for a in result.annotations:
        assert 0 <= a["start"] < a["end"] <= len(text)
        assert 0 <= a["raw_start"] < a["raw_end"] <= len(raw)
        unit = text[a["start"]:a["end"]]
        if mark:
            assert unit.startswith("〔?〕")
            unit = unit[3:]
        # the unit left behind is exactly the raw characters it came from (up to full-width punctuation)
        assert _norm(raw[a["raw_start"]:a["raw_end"]]) == _norm(unit)
    previous = -1
    for r in result.removed:
        assert 0 <= r["start"] == r["end"] <= len(text)
        assert 0 <= r["raw_start"] <= r["raw_end"] <= len(raw)
        assert r["raw_start"] >= previous
        previous = r["raw_start"]
        # the removed line is the raw line it came from, after normalisation
        assert _norm(raw[r["raw_start"]:r["raw_end"]]) == _norm(r["text"])


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=14))
def test_clean_text_gains_no_characters_but_normalised_punctuation(parts):
    raw = "\n".join(parts)
    text = clean(raw, t2s=False).text
    allowed = set(raw) | set("，：；？！（）\n ")
    assert set(text) <= allowed
