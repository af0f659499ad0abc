"""The learned missing-number detector (newsclean/gapmodel.py and the shipped model file).

Loading and checking the file, determinism, the threshold, `info.score`, and real-shaped sentences written for
these tests: for each kind of dropped number the issue named (dates, ages, durations, 届, 架, money, counts
after a verb or noun) a sentence with the digits gone, and for each kind of false flag seen on real news a
clean sentence that must stay unflagged.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from array import array

import pytest
from click.testing import CliRunner

from newsclean import Pipeline, clean, gapmodel
from newsclean.cli import main
from newsclean.gapmodel import FORMAT, GapModel, ModelError, shipped_model


def flags(sentence: str, **options) -> list[tuple[int, str, float]]:
    result = clean(sentence, stages=("normalize", "numbers"), **options)
    return [(a["start"], result.text[a["start"]:a["end"]], a["info"]["score"]) for a in result.annotations]


# ------------------------------------------------------------------ the model file

def test_shipped_model_loads_with_its_metadata():
    model = shipped_model()
    assert 0.0 < model.threshold < 1.0
    assert "%" in model.units and "年" in model.units and "日" in model.units
    assert len(model.weights) > 1000 and len(model.words) > 100
    assert model.meta["script"] == "training/train_numbers.py"
    assert "train" in model.meta["trained_on"]
    assert len(model.meta["train_data_sha256"]) == 64


def test_model_is_loaded_once_per_process():
    assert shipped_model() is shipped_model()
    assert Pipeline().rules is not None and shipped_model() is shipped_model(gapmodel.MODEL_PATH)


def test_shipped_model_file_is_small():
    assert gapmodel.MODEL_PATH.stat().st_size < 6_000_000


def test_missing_model_file_is_a_clear_error(tmp_path):
    missing = tmp_path / "nope.json.gz"
    with pytest.raises(ModelError, match="nope.json.gz: missing-number model file not found"):
        GapModel.load(missing)


def test_corrupt_model_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(b"this is not gzip")
    with pytest.raises(ModelError, match="bad.json.gz: missing-number model file is corrupt"):
        GapModel.load(bad)


def test_tampered_model_file_fails_its_hash(tmp_path):
    raw = bytearray(gzip.decompress(gapmodel.MODEL_PATH.read_bytes()))
    raw[-3] ^= 0x40                                   # one bit of one weight
    tampered = tmp_path / "tampered.json.gz"
    tampered.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(ModelError, match="payload hash mismatch"):
        GapModel.load(tampered)


def test_foreign_json_file_is_refused(tmp_path):
    other = tmp_path / "other.json.gz"
    other.write_bytes(gzip.compress(json.dumps({"format": "something-else"}).encode() + b"\n{}"))
    with pytest.raises(ModelError, match=f"not a {FORMAT} model file"):
        GapModel.load(other)


def test_model_file_round_trips(tmp_path):
    path = tmp_path / "m.json.gz"
    gapmodel.write_model(path, "年%", ["享年", "去年"], {"u1:年": 1.5, "l1:达u1": -0.25}, -2.0, 0.7, {"k": 1})
    model = GapModel.load(path)
    assert (model.units, model.words, model.weights, model.bias, model.threshold, model.meta) == (
        "年%", frozenset({"享年", "去年"}), {"u1:年": 1.5, "l1:达u1": -0.25}, -2.0, 0.7, {"k": 1})
    assert model.dead_left == model.dead_right == frozenset()
    first = path.read_bytes()
    gapmodel.write_model(path, "年%", ["去年", "享年"], {"l1:达u1": -0.25, "u1:年": 1.5}, -2.0, 0.7, {"k": 1})
    assert path.read_bytes() == first          # same model, same bytes, whatever the order given


def write_format_2(path, units: str, lists: dict[str, list[str]], weights: list[float], bias: float,
                   threshold: float) -> None:
    """A model file in format 2 (each string list as UTF-8 and its items' end offsets as uint32 LE), which a
    model trained on another branch before format 3 still has."""
    sections = [units.encode()]
    for name in gapmodel.LISTS:
        items = lists[name]
        ends = [sum(len(item) for item in items[:k + 1]) for k in range(len(items))]
        sections += ["".join(items).encode(), array("I", ends).tobytes()]
    sections.append(array("d", weights).tobytes())
    payload = b"".join(sections)
    header = {"format": "newsclean-gap-model/2", "bias": bias, "threshold": threshold, "meta": {"k": 2},
              "sections": [len(s) for s in sections], "sha256": hashlib.sha256(payload).hexdigest()}
    path.write_bytes(gzip.compress(json.dumps(header).encode() + b"\n" + payload))


def test_format_2_file_still_loads_and_converts_to_the_same_model(tmp_path):
    lists = {"words": ["享年", "去年"], "dead_left": ["的年"], "dead_right": ["年\n"],
             "features": ["l1:达u1", "u1:年", "u2:年\n"]}
    old = tmp_path / "old.json.gz"
    write_format_2(old, "年%", lists, [-0.25, 1.5, 0.5], -2.0, 0.7)
    model = GapModel.load(old)
    assert (model.units, model.words, model.dead_left, model.dead_right, model.weights, model.meta) == (
        "年%", frozenset({"享年", "去年"}), frozenset({"的年"}), frozenset({"年\n"}),
        {"l1:达u1": -0.25, "u1:年": 1.5, "u2:年\n": 0.5}, {"k": 2})
    new = tmp_path / "new.json.gz"
    gapmodel.rewrite_model(old, new)
    assert json.loads(gzip.decompress(new.read_bytes()).partition(b"\n")[0])["format"] == FORMAT
    again = GapModel.load(new)
    assert (again.units, again.words, again.dead_left, again.dead_right, again.weights, again.bias,
            again.threshold, again.meta) == (model.units, model.words, model.dead_left, model.dead_right,
                                             model.weights, model.bias, model.threshold, model.meta)


def test_list_separator_is_a_character_no_item_holds(tmp_path):
    """Items may hold any character, U+0000 and line breaks included: the file joins them with another one."""
    path = tmp_path / "m.json.gz"
    weights = {"u1:年": 1.0, "l1:\x00u1": 2.0, "u2:年\n": 3.0, "u1:\x01": 4.0}
    gapmodel.write_model(path, "年%", ["\x00年", "去年"], weights, -1.0, 0.5, {})
    header = json.loads(gzip.decompress(path.read_bytes()).partition(b"\n")[0])
    assert header["separator"] == "\x02"
    model = GapModel.load(path)
    assert model.weights == weights and model.words == frozenset({"\x00年", "去年"})


def test_empty_lists_and_a_wrong_item_count_are_told_apart(tmp_path):
    path = tmp_path / "m.json.gz"
    gapmodel.write_model(path, "年", [], {"u1:年": 1.0}, -1.0, 0.5, {})
    assert GapModel.load(path).words == frozenset()
    raw = gzip.decompress(path.read_bytes())
    head, _, body = raw.partition(b"\n")
    header = json.loads(head)
    header["counts"]["features"] = 2
    path.write_bytes(gzip.compress(json.dumps(header).encode() + b"\n" + body))
    with pytest.raises(ModelError, match="features: 1 items where the header says 2"):
        GapModel.load(path)


def test_cascade_first_stage_rules_out_its_pairs_unless_a_pattern_fired(tmp_path):
    path = tmp_path / "m.json.gz"
    gapmodel.write_model(path, "年%", [], {"u1:年": 5.0, "rule": 1.0}, -1.0, 0.7, {},
                         dead_left=["的年"], dead_right=["%的"])
    model = GapModel.load(path)
    text = "我们的年会上，增长年度%的目标"
    scores = dict(model.score_text(text))
    assert scores[text.index("年会")] == 0.0               # (的, 年) is a ruled-out pair
    assert scores[text.index("%的")] == 0.0                # so is (%, 的)
    assert scores[text.index("年度")] == pytest.approx(1 / (1 + 2.718281828 ** -4.0), rel=1e-6)
    hit = dict(model.score_text(text, {text.index("年会"): "some-rule"}))
    assert hit[text.index("年会")] == pytest.approx(1 / (1 + 2.718281828 ** -5.0), rel=1e-6)
    assert sorted(model.dead_left) == ["的年"] and sorted(model.dead_right) == ["%的"]


def test_cascade_first_stage_at_the_ends_of_the_text_and_on_any_character(tmp_path):
    """The first stage looks all places up at once on code points: the same keys as `cascade_keys`, with `^u`
    for a unit that starts the text and a one-character right key for one that ends it."""
    path = tmp_path / "m.json.gz"
    gapmodel.write_model(path, "年%家", [], {"u1:年": 5.0, "u1:家": 5.0, "u1:%": 5.0}, -1.0, 0.7, {},
                         dead_left=["^年", "\U00020000家"], dead_right=["%", "年\U0001F600"])
    model = GapModel.load(path)
    text = "年底增长%，\U00020000家企业，年\U0001F600，大家年会，\ud800年，增长%"
    scores = dict(model.score_text(text))
    folded = gapmodel.fold(text)
    for p, score in scores.items():
        left, right = gapmodel.cascade_keys(folded, p)
        assert (score == 0.0) == (left in model.dead_left or right in model.dead_right), (p, left, right)
    assert scores[0] == 0.0 and scores[len(text) - 1] == 0.0               # ^年 and a % that ends the text
    assert scores[text.index("%")] > 0.5 and scores[text.index("家年")] > 0.5
    live = model.score_text(text, ruled_out=False)
    assert [p for p, _ in live] == [p for p, s in scores.items() if s > 0.0]


def test_cli_reports_a_broken_model_in_one_line(tmp_path, monkeypatch):
    bad = tmp_path / "broken.json.gz"
    bad.write_bytes(b"\x1f\x8b broken")
    monkeypatch.setattr(gapmodel, "MODEL_PATH", bad)
    page = tmp_path / "page.txt"
    page.write_text("全年实现旅游收入亿元。", encoding="utf-8")
    result = CliRunner().invoke(main, ["clean", str(page), "-o", str(tmp_path / "out.jsonl")])
    assert result.exit_code != 0
    assert "broken.json.gz: missing-number model file is corrupt" in result.output
    assert "Traceback" not in result.output


# ------------------------------------------------------------------ scores and thresholds

SENTENCE = "今年前三季度，全市实现地区生产总值亿元，同比增长%，新增城镇就业万人，其中高校毕业生多名。全县有多家企业入驻，比去年增加家。"


def test_every_flag_has_a_score_at_the_threshold_or_a_sure_gap_that_supports_it():
    model = shipped_model()
    for text in (SENTENCE, SUPPORTED):
        result = clean(text, stages=("normalize", "numbers"))
        starts = {a["start"]: a["info"]["score"] for a in result.annotations}
        assert starts
        for a in result.annotations:
            score = a["info"]["score"]
            if "supported_by" in a["info"]:
                assert model.supported_threshold <= score < model.threshold
                assert starts[a["info"]["supported_by"]] >= model.threshold
            else:
                assert model.threshold <= score <= 1.0


# ------------------------------------------------------------------ document support
# 总投资亿元 alone scores between the supported threshold and the threshold; 同比增长% is a sure gap.

WEAK = "园区总投资亿元，建成投产后年产值可观。"
SUPPORTED = "园区总投资亿元，建成投产后年产值同比增长%。"


def test_the_shipped_model_has_a_supported_threshold_below_its_threshold():
    model = shipped_model()
    assert 0.0 < model.supported_threshold < model.threshold
    assert model.meta["support_calibration"]["supported_threshold"] == model.supported_threshold


def test_a_weak_place_alone_is_not_flagged_but_is_beside_a_sure_gap():
    assert flags(WEAK) == []
    result = clean(SUPPORTED, stages=("normalize", "numbers"))
    [amount, percent] = result.annotations
    assert result.text[amount["start"]:amount["end"]] == "亿元" and result.text[percent["start"]] == "%"
    assert amount["info"]["supported_by"] == percent["start"] and "supported_by" not in percent["info"]
    assert shipped_model().supported_threshold <= amount["info"]["score"] < shipped_model().threshold


def test_support_threshold_one_judges_every_place_alone():
    assert [u for _, u, _ in flags(SUPPORTED, gap_support_threshold=1.0)] == ["%"]
    # a support threshold above the threshold is the threshold: it never flags less than the threshold alone
    assert [u for _, u, _ in flags(SUPPORTED, gap_threshold=0.5, gap_support_threshold=1.0)] == ["亿元", "%"]


def test_a_threshold_of_ones_own_moves_the_supported_one_with_it():
    model = shipped_model()
    margin = model.threshold - model.supported_threshold
    text = SENTENCE + SUPPORTED
    found = {}
    for threshold in (0.6, model.threshold, 0.98):
        result = clean(text, stages=("normalize", "numbers"), gap_threshold=threshold)
        found[threshold] = {a["start"] for a in result.annotations}
        for a in result.annotations:
            bar = threshold - margin if "supported_by" in a["info"] else threshold
            assert a["info"]["score"] >= round(bar, 3) - 0.0005
    assert found[0.98] <= found[model.threshold] <= found[0.6]
    assert len(found[0.6]) > len(found[0.98])


def test_support_threshold_outside_zero_one_is_refused():
    with pytest.raises(ValueError, match="gap_support_threshold"):
        Pipeline(gap_support_threshold=-0.1)


def test_supported_by_names_the_sure_gap_in_marked_text_too():
    result = clean(SUPPORTED, stages=("normalize", "numbers"), mark=True)
    [amount, percent] = result.annotations
    assert result.text[percent["start"]:percent["end"]] == "〔?〕%"
    assert amount["info"]["supported_by"] == percent["start"]


def test_cli_gap_support_threshold_option(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(SUPPORTED, encoding="utf-8")
    units = []
    for support in ([], ["--gap-support-threshold", "1"]):
        out = tmp_path / "out.jsonl"
        result = CliRunner().invoke(main, ["clean", str(page), "-o", str(out), *support])
        assert result.exit_code == 0, result.output
        record = json.loads(out.read_text(encoding="utf-8"))
        units.append([a["info"]["unit"] for a in record["annotations"]])
    assert units == [["亿元", "%"], ["%"]]
    bad = CliRunner().invoke(main, ["clean", str(page), "-o", str(tmp_path / "x.jsonl"), "--gap-support-threshold", "2"])
    assert bad.exit_code != 0 and "--gap-support-threshold" in bad.output


def test_a_model_file_without_a_supported_threshold_has_no_support(tmp_path):
    path = tmp_path / "m.json.gz"
    gapmodel.rewrite_model(gapmodel.MODEL_PATH, path, supported_threshold=None)
    model = GapModel.load(path)
    assert model.supported_threshold == model.threshold == shipped_model().threshold
    gapmodel.rewrite_model(gapmodel.MODEL_PATH, path, supported_threshold=0.5)
    assert GapModel.load(path).supported_threshold == 0.5


def test_a_supported_threshold_outside_zero_one_is_a_clear_error(tmp_path):
    path = tmp_path / "m.json.gz"
    gapmodel.rewrite_model(gapmodel.MODEL_PATH, path, supported_threshold=1.5)
    with pytest.raises(ModelError, match="m.json.gz: missing-number model file lacks a valid field"):
        GapModel.load(path)


def test_document_support_is_the_surest_place_when_it_is_sure():
    from newsclean.stages.numbers import document_support
    assert document_support([], 0.9) is None
    assert document_support([(3, 0.5), (9, 0.89)], 0.9) is None
    assert document_support([(3, 0.5), (9, 0.95), (14, 0.99)], 0.9) == 14


def test_scores_are_deterministic():
    assert flags(SENTENCE) == flags(SENTENCE)
    model = shipped_model()
    assert model.score_text(SENTENCE) == model.score_text(SENTENCE)


def test_a_lower_threshold_flags_a_superset_and_a_higher_one_a_subset():
    default = {p for p, _, _ in flags(SENTENCE)}
    low = {p for p, _, _ in flags(SENTENCE, gap_threshold=0.05)}
    high = {p for p, _, _ in flags(SENTENCE, gap_threshold=0.999)}
    assert high <= default <= low
    assert len(low) > len(default)


def test_threshold_one_flags_almost_nothing_and_zero_every_candidate():
    model = shipped_model()
    candidates = model.score_text(SENTENCE)
    assert len(flags(SENTENCE, gap_threshold=0.0)) == len(candidates)
    assert all(score < 1.0 for _, score in candidates) == (flags(SENTENCE, gap_threshold=1.0) == [])


def test_threshold_outside_zero_one_is_refused():
    with pytest.raises(ValueError, match="gap_threshold"):
        Pipeline(gap_threshold=1.5)


def test_cli_gap_threshold_option(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(SENTENCE, encoding="utf-8")
    counts = []
    for threshold in ("0.05", "0.999"):
        out = tmp_path / f"out{threshold}.jsonl"
        result = CliRunner().invoke(main, ["clean", str(page), "-o", str(out), "--gap-threshold", threshold])
        assert result.exit_code == 0, result.output
        counts.append(len(json.loads(out.read_text(encoding="utf-8"))["annotations"]))
    assert counts[0] > counts[1]
    bad = CliRunner().invoke(main, ["clean", str(page), "-o", str(tmp_path / "x.jsonl"), "--gap-threshold", "2"])
    assert bad.exit_code != 0 and "--gap-threshold" in bad.output


def test_rules_command_explains_the_model():
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0
    [line] = [l for l in result.output.splitlines() if l.startswith("number  model")]
    assert "logistic regression" in line and "training/train_numbers.py" in line and "--gap-threshold" in line


def test_features_never_see_digits_only_that_there_were_some():
    folded = gapmodel.fold("同比增长12.5%，达到3800万元")
    assert folded == "同比增长00.0%，达到0000万元" == gapmodel.fold("同比增长98.1%，达到4271万元")
    words = frozenset({"增长", "达到"})
    at = folded.index("万")
    assert gapmodel.features(folded, at, words, None) == gapmodel.features(gapmodel.fold("同比增长7.3%，达到1500万元"),
                                                                           len("同比增长7.3%，达到1500"), words, None)


def test_fold_is_the_fold_table_applied_character_by_character():
    # fold() runs the table as a few substitutions; it must be text.translate(FOLD) on any mix of the
    # characters it folds, the characters beside them and the targets themselves.
    import random

    folded_chars = "".join(map(chr, gapmodel.FOLD))
    alphabet = folded_chars + "".join(gapmodel.FOLD.values()) + "中文年月%万，。ａｚ\n"
    rng = random.Random(7)
    texts = ["", "年", "Ａ股上涨5.2%（约3000万元）,\t其中ｂ类:12项", "２０２３年（全年）"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40))) for _ in range(3000)]
    for text in texts:
        assert gapmodel.fold(text) == text.translate(gapmodel.FOLD)


def test_no_candidate_right_after_a_number_a_letter_or_in_a_code():
    pattern = shipped_model().pattern
    text = "增长12%，A股，v2.0版，https://a.cn/%E9%87，'%Y-%m-%d'，12.5亿，5000 万英镑，小说txt 天心"
    places = gapmodel.candidates(text, pattern)
    scored = {p for p, _ in shipped_model().score_text(text)}
    assert text.index("万英镑") not in scored and text.index("天心") not in scored      # written apart: vetoed
    assert text.index("%") not in places          # 12% keeps its digits
    assert text.index("股") not in places          # A股
    assert text.index("%E9") not in places and text.index("%m") not in places


# ------------------------------------------------------------------ real-shaped sentences (written for these tests)
# (sentence, text right before the gap, unit)

# Counts after a verb and durations score between 0.1 and 0.9 with the shipped model: below the default
# threshold, chosen for precision on real news. Left open (strict, so a model that finds them says so).
MISSED_AT_DEFAULT = pytest.mark.xfail(strict=True, reason="scored below the default threshold by the shipped model")

POSITIVES = [
    ("本届论坛将于月日在杭州开幕，为期三天。", "本届论坛将于", "月"),
    ("本届论坛将于11月日在杭州开幕，为期三天。", "本届论坛将于11月", "日"),
    ("活动时间为3月1日至月日，全市各区同步举办。", "活动时间为3月1日至", "月"),
    ("这位老人今年岁，仍坚持每天下地劳作。", "这位老人今年", "岁"),
    pytest.param("搜救队员连续奋战小时，终于找到了被困群众。", "搜救队员连续奋战", "小时",
                 marks=MISSED_AT_DEFAULT),
    pytest.param("这批货物在港口滞留了天才完成通关。", "这批货物在港口滞留了", "天", marks=MISSED_AT_DEFAULT),
    pytest.param("第届全国运动会的火炬传递活动今天启动。", "第", "届", marks=pytest.mark.xfail(
        strict=True, reason="round two's model: 第届 at the start of a sentence scores below the default threshold")),
    pytest.param("航空公司今年计划引进架新飞机，扩充国内航线。", "航空公司今年计划引进", "架", marks=MISSED_AT_DEFAULT),
    ("该公司第三季度净利润达亿美元，好于市场预期。", "该公司第三季度净利润达", "亿"),
    pytest.param("双方在边境地区发生次交火，造成多人受伤。", "双方在边境地区发生", "次", marks=MISSED_AT_DEFAULT),
    ("红十字会向对方移交了名被扣押人员。", "红十字会向对方移交了", "名"),
    pytest.param("本次常委会会议审议件法律草案和决定草案。", "本次常委会会议审议", "件", marks=MISSED_AT_DEFAULT),
    pytest.param("主办方在公园里设置了个演出点，供市民欣赏。", "主办方在公园里设置了", "个", marks=MISSED_AT_DEFAULT),
    pytest.param("全省组织万名农技人员深入田间地头指导春耕。", "全省组织", "万", marks=MISSED_AT_DEFAULT),
    ("全年全省规模以上工业增加值同比增长%。", "全年全省规模以上工业增加值同比增长", "%"),
    ("公司营业收入达到.85亿元，同比增长一成。", "公司营业收入达到", ".85"),
    ("年，这座城市的常住人口首次突破千万。", "", "年"),
]


# ------------------------------------------------------------------ the kinds that are weakest on real news
# (issue 10, round four: counters, 多/余, 家, money, 名/人): per kind, dropped numbers the shipped model flags,
# dropped numbers it scores below its default threshold (MISSED_AT_DEFAULT: 0.1-0.92 here), and
# clean sentences with the same characters that must stay unflagged. Written for these tests.

WEAK_KIND_POSITIVES = [
    ("全县共有家农家乐，带动村民增收。", "全县共有", "家"),
    ("目前全省已有家企业完成数字化改造。", "目前全省已有", "家"),
    pytest.param("展会期间，主办方共接待了家参展企业。", "展会期间，主办方共接待了", "家", marks=MISSED_AT_DEFAULT),
    ("现场共有余名消防员参与救援。", "现场共有", "余"),
    ("景区国庆期间共接待游客余万人次，同比增长两成。", "景区国庆期间共接待游客", "余"),
    pytest.param("这座大桥全长多米，是当地最长的跨江大桥。", "这座大桥全长", "多", marks=MISSED_AT_DEFAULT),
    ("门票价格从元上调到80元，引发游客热议。", "门票价格从", "元"),
    pytest.param("这款手机的售价为元，比上一代便宜了不少。", "这款手机的售价为", "元", marks=MISSED_AT_DEFAULT),
    pytest.param("每张门票售价美元，儿童半价。", "每张门票售价", "美元", marks=MISSED_AT_DEFAULT),
    ("事故共造成名乘客受伤，已全部送医救治。", "事故共造成", "名"),
    ("截至目前，已有名学生报名参加夏令营。", "截至目前，已有", "名"),
    pytest.param("会议期间，名代表提交了议案和建议。", "会议期间，", "名", marks=MISSED_AT_DEFAULT),
    ("这批救灾物资共吨，已于昨日运抵灾区。", "这批救灾物资共", "吨"),
    ("今年以来，全市新建充电桩个，覆盖所有街道。", "今年以来，全市新建充电桩", "个"),
    ("这条高速公路全长公里，沿线服务区已全部开放。", "这条高速公路全长", "公里"),
    pytest.param("这条高速公路沿线设有个服务区。", "这条高速公路沿线设有", "个", marks=MISSED_AT_DEFAULT),
    # round seven: a verb, a counter, then a noun phrase (the shape word classes were to tell from words)
    ("他先后次荣获全国劳动模范称号。", "他先后", "次"),
    pytest.param("今年以来，该市已组织次联合执法行动。", "今年以来，该市已组织", "次", marks=MISSED_AT_DEFAULT),
    pytest.param("双方当天交换了名被俘人员。", "双方当天交换了", "名", marks=MISSED_AT_DEFAULT),
    ("这起事故造成人死亡、多人受伤。", "这起事故造成", "人"),
    ("今年全市新增台新能源公交车。", "今年全市新增", "台"),
    pytest.param("村里今年新建了座蔬菜大棚。", "村里今年新建了", "座", marks=MISSED_AT_DEFAULT),
    pytest.param("本届音乐节共举办场演出，吸引游客数万人。", "本届音乐节共举办", "场", marks=MISSED_AT_DEFAULT),
    pytest.param("全市新开通条公交线路，方便市民出行。", "全市新开通", "条", marks=MISSED_AT_DEFAULT),
    pytest.param("患者张某，男，岁，因持续发热入院治疗。", "患者张某，男，", "岁", marks=MISSED_AT_DEFAULT),
    ("列车运行时间缩短至小时，比原来快了一半。", "列车运行时间缩短至", "小"),
    ("该县目前共有家养老机构，床位逐年增加。", "该县目前共有", "家"),
    pytest.param("展会吸引了多家企业参展。", "展会吸引了", "多", marks=MISSED_AT_DEFAULT),
    pytest.param("每吨原油的价格上涨了美元。", "每吨原油的价格上涨了", "美元", marks=MISSED_AT_DEFAULT),
]


WEAK_KIND_TRAPS = [
    "这家企业家族传承三代，始终专注于陶瓷制作。",
    "国家鼓励专家和厂家合作攻关，大家纷纷表示支持。",
    "全市有多所学校开设了人工智能课程，多位专家到场指导。",
    "他在这里工作了十余年，业余时间学习书法，其余时间照顾家人。",
    "很多人认为，多数企业已经走出困境，这一年多来形势向好。",
    "美元指数走强，欧元区经济复苏乏力，人民币对美元汇率基本稳定。",
    "元旦假期，两国元首举行会谈，当地推动产业多元化发展。",
    "他用一元钱买下了这张旧报纸，村里的万元户越来越多。",
    "这名运动员在比赛中发挥出色，多名群众自发赶来帮忙。",
    "获奖名单公布后，知名企业纷纷报名参加下一届比赛。",
    "这艘货轮的吨位名列前茅，一条条乡村公路连通了千家万户。",
    "记者在现场看到，几台挖掘机正在作业，仓库里堆放着一箱箱水果。",
    # round seven: counters that stand in words (每次, 一场, 这条, 家人, 名单)
    "每次开会他都提前到场，这次也不例外。",
    "他人生中第一次登上领奖台，场面十分感人。",
    "一场大雨过后，这座城市的空气格外清新。",
    "这条路是村民出行的必经之路，条件亟待改善。",
    "这家人的日子越过越红火，全家人都很满意。",
    "参加活动的人员名单已经公布，请大家留意。",
    # a counter that is a word's end or start (签约台 a signing table, 单名 a single one): flagged by the shipped
    # model and by round seven's retrain alike
    pytest.param("会场中央的签约台布置得庄重大方。", marks=pytest.mark.xfail(strict=True, reason="flagged at 0.95")),
    pytest.param("航空公司规定，单名旅客最多可托运两件行李。", marks=pytest.mark.xfail(strict=True, reason="flagged at 1.0")),
]


@pytest.mark.parametrize("sentence, before, unit", POSITIVES + WEAK_KIND_POSITIVES)
def test_dropped_number_is_flagged(sentence, before, unit):
    found = flags(sentence)
    assert (len(before), unit) in [(p, u[:len(unit)]) for p, u, _ in found]


TRAPS = [
    "春节临近，花市里的年宵花销售火爆，市民纷纷选购。",
    "新年开年，各地重大项目建设按下快进键。",
    "这位老艺术家享年九十二岁，一生创作了大量作品。",
    "他把最美好的青春华年献给了边疆的教育事业。",
    "该国央行将基准年利率维持不变，年率化增速有所放缓。",
    "这条管道的设计年输气量可达数百亿立方米。",
    "今年是两国友好合作年，双方将举办一系列交流活动。",
    "公司发布了年度社会责任报告，本年度营收稳步增长。",
    "今年的水稻亩产再创新高，农民喜获丰收。",
    "各地亿元以上项目加快推进，带动有效投资。",
    "有的地方政策落实不到位，群众反映强烈。",
    "基层干部建立问题台账，逐项销号整改。",
    "这位企业家表示，将继续加大在当地的投资。",
    "座谈会由副部长杜占元主持，柯永年等代表发言。",
    "每万人口拥有执业医师数持续增加。",
    "港口新建了亿吨级大港，年吞吐能力大幅提升。",
    "中医讲究固本培元，调理身体要循序渐进。",
    "这份合同的金额高达5000 万英镑，创下同类交易纪录。",
    "请访问 https://example.com/search?q=%E4%B8%AD 查看详情。",
    "日志中的日期格式为'%Y-%m-%d'，时间格式另行设置。",
    "全市累计接种疫苗320万剂次，服务企业1.6万家次。",
]


@pytest.mark.parametrize("sentence", TRAPS + WEAK_KIND_TRAPS)
def test_clean_sentence_is_not_flagged(sentence):
    assert flags(sentence) == []



def test_weights_answer_the_same_before_and_after_the_table_builds_its_dict(tmp_path, monkeypatch):
    """A `Weights` table answers by binary search first, then from a dict: every feature, a missing one and one
    that sorts past the last name get the same answers both ways, and the scores of a text do not change."""
    monkeypatch.setattr(gapmodel, "SEARCHES_BEFORE_DICT", 5)
    path = tmp_path / "m.json.gz"
    weights = {"u1:年": 1.5, "l1:去u1": -2.25, "u2:年底": 0.125, "cu:H年": 3.0}
    gapmodel.write_model(path, "年", ["去年"], weights, -1.0, 0.5, {})
    table = GapModel.load(path).weights
    asked = [*weights, "u1:月", "\U0010ffff", ""]
    first = [table.get(name, 0.0) for name in asked]
    assert table._dict is not None  # the fifth search built it
    assert [table.get(name, 0.0) for name in asked] == first == [*weights.values(), 0.0, 0.0, 0.0]
    assert dict(table) == weights and len(table) == 4 and table["u1:年"] == 1.5
    with pytest.raises(KeyError):
        table["u1:月"]


@pytest.mark.parametrize("stride", [1, 7, 64, gapmodel.JoinedNames.STRIDE])
def test_joined_names_find_every_name_at_its_position_and_no_other(monkeypatch, stride):
    """The feature names a load leaves joined (`JoinedNames`): each found where the split list has it, with
    stretches of every size; a prefix, an extension, a name between two and names past either end are not."""
    monkeypatch.setattr(gapmodel.JoinedNames, "STRIDE", stride)
    names = sorted({"u1:年", "u1:亿", "u2:年底", "l1:去u1", "cu:H年", "a", "ab", "abc", "b", "\U0001f600x", "é", "zz"})
    joined = gapmodel.JoinedNames("\x00".join(names).encode("utf-8"), "\x00", len(names))
    assert [joined.index(n) for n in names] == list(range(len(names))) and joined.split() == names
    for absent in ("", "0", "aa", "abcd", "u1:", "u1:年x", "u2:年", "\U0010ffff", "zzz", "\ud800",
                   "a\x00ab", "ab\x00abc", "b\x00"):  # across two stored names
        assert joined.index(absent) is None, absent
    empty = gapmodel.JoinedNames(b"", "\x00", 0)
    assert empty.index("a") is None and empty.split() == [] and len(empty) == 0


def test_the_shipped_models_joined_features_are_its_split_features():
    model = GapModel.load()
    table = model.weights
    names = table._joined.split()
    assert len(names) == len(table) > 100_000
    at = [*range(0, len(names), 997), len(names) - 1]
    assert [table._joined.index(names[i]) for i in at] == at


def test_scores_do_not_change_when_the_weights_build_their_dict(monkeypatch):
    text = "全市完成投资亿元，同比增长%，去年底建成个项目，年月日召开。" * 3
    searched = GapModel.load().score_text(text)
    monkeypatch.setattr(gapmodel, "SEARCHES_BEFORE_DICT", 1)
    model = GapModel.load()
    model.score_text("预热：增长%。")
    assert model.weights._dict is not None
    assert model.score_text(text) == searched and any(score > 0.5 for _, score in searched)


# ------------------------------------------------------------------ the fast paths give the reference's scores

def _own_sentences() -> list[str]:
    """Every string of the numbers and detector tests (sentences written for them, in the shape of news), each
    also with its digits dropped the way scrapers drop them, and joined into documents of several lines."""
    import ast
    from pathlib import Path

    import regex

    root = Path(__file__).resolve().parents[1]
    texts = set()
    for name in ("stages/test_numbers.py", "stages/test_gapmodel.py", "rules/test_gap_rule_traps.py"):
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        texts |= {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                  and isinstance(node.value, str) and regex.search(r"\p{Han}", node.value)}
    texts |= {regex.sub(r"[0-9０-９]+(?:\.[0-9]+)?", "", t) for t in texts}
    ordered = sorted(texts)
    return ordered + ["\n".join(ordered[i:i + 9]) for i in range(0, len(ordered), 9)]


def test_place_weights_are_the_weights_of_the_features_in_their_order():
    """The weight families give, at every candidate place with four characters on either side, the weights of
    `features` in the same order (so the same sum, to the last bit), with and without a pattern hit."""
    from newsclean.rulebook import RuleSet
    from newsclean.stages.numbers import find_gaps

    model, rules = shipped_model(), RuleSet.load()
    families = gapmodel.WeightFamilies(model.weights)
    get = model.weights.get
    checked = with_rule = known = 0
    for text in _own_sentences():
        hits = {start: rule for start, _, rule in find_gaps(text, rules)}
        folded = gapmodel.fold(text)
        for p in model.places(text):
            if not 4 <= p <= len(folded) - 4:
                continue
            rule = hits.get(p)
            want = [get(name, 0.0) for name in gapmodel.features(folded, p, model.words, rule)]
            got = gapmodel.place_weights(families, folded, p, model.words, rule)
            assert got == want, (text, p)
            assert sum(got) == sum(want)
            checked += 1
            with_rule += rule is not None
            known += sum(w != 0.0 for w in got)
    assert checked > 3000 and with_rule > 200 and known > 8 * checked  # the model knows many of them


def test_place_weights_read_keys_that_hold_the_separators(tmp_path):
    """Feature names split at their first `:` only: a context of `:` or `|` characters finds its weight."""
    path = tmp_path / "m.json.gz"
    weights = {"u1:年": 1.0, "l1:：": 2.0, "l2:a:": 4.0, "l2r:a:|:0": 8.0, "l4:|||年": 16.0, "cu:P:年": 32.0,
               "u2:年:": 64.0, "rule": 128.0, "r:x:y": 256.0, "we:a:": 512.0, "wel:2|年": 1024.0}
    gapmodel.write_model(path, "年", ["a:"], weights, 0.0, 0.5, {})
    model = GapModel.load(path)
    families = gapmodel.WeightFamilies(model.weights)
    for text in ("||a:年:0", "：：a:年:0", "||：:年:00"):
        folded = gapmodel.fold(text)
        p = folded.index("年")
        for rule in (None, "x:y"):
            want = [model.weights.get(n, 0.0) for n in gapmodel.features(folded, p, model.words, rule)]
            assert gapmodel.place_weights(families, folded, p, model.words, rule) == want
            assert sum(want) > 0.0


def test_place_weights_ask_the_word_set_they_are_given():
    """The families remember the shapes of the words they were last asked with (`word_shapes`): a place weighed
    with another word set (a word across the place, one ending before it, one starting at it) gets that set's
    word features, as `features` lists them."""
    model = shipped_model()
    families = gapmodel.WeightFamilies(model.weights)
    folded = gapmodel.fold("去年同期共有家企业参加")
    p = folded.index("家")
    for words in (frozenset(), frozenset({"共有", "有家", "家企", "家企业"}), model.words, frozenset({"期共有"})):
        want = [model.weights.get(n, 0.0) for n in gapmodel.features(folded, p, words, None)]
        assert gapmodel.place_weights(families, folded, p, words, None) == want
    assert gapmodel.features(folded, p, frozenset({"共有", "有家", "家企"}), None) != \
        gapmodel.features(folded, p, frozenset(), None)


def test_scores_are_the_same_before_and_after_the_process_splits_the_weights(monkeypatch):
    model = GapModel.load(gapmodel.MODEL_PATH)  # a model of its own: it has scored nothing yet
    texts = _own_sentences()
    monkeypatch.setattr(gapmodel, "BULK_PLACES", 10 ** 12)
    reference = [model.score_text(t) for t in texts]
    assert model.families is None and model.scored > 1000  # places whose features were weighed
    monkeypatch.setattr(gapmodel, "BULK_PLACES", 0)
    fast = [model.score_text(t) for t in texts]
    assert model.families is not None
    assert fast == reference and sum(map(len, fast)) > 3000


def test_scores_without_the_ruled_out_places_are_the_rest_of_the_full_list():
    """With `ruled_out=False` the list is the full one without the places the cascade rules out: a place it
    rules out where a pattern fired is weighed, in its place in text order."""
    from newsclean.rulebook import RuleSet
    from newsclean.stages.numbers import find_gaps

    model, rules = shipped_model(), RuleSet.load()
    revived = 0
    for text in _own_sentences():
        hits = {start: rule for start, _, rule in find_gaps(text, rules)}
        places = model.places(text)
        ruled = {p for p, dead in zip(places, model._ruled_out(gapmodel.fold(text), places)) if dead}
        full = model.score_text(text, hits)
        assert model.score_text(text, hits, ruled_out=False) == [(p, s) for p, s in full
                                                                  if p not in ruled or p in hits]
        revived += len(ruled & set(hits))
    assert revived > 10  # 16 places of the sentences


def test_the_cascade_on_short_texts_needs_no_numpy_and_agrees_with_it_on_long_ones(monkeypatch):
    """Short texts take the first stage in Python (set lookups of `cascade_keys`), so a short run never loads
    numpy for it; a text of NUMPY_PLACES places or more takes it in numpy, with the same answers."""
    import sys

    model = shipped_model()
    texts = _own_sentences()
    long_text = "\n".join(texts)
    folded = gapmodel.fold(long_text)
    places = model.places(long_text)
    assert len(places) >= gapmodel.NUMPY_PLACES
    in_numpy = model._ruled_out(folded, places)
    keys = [gapmodel.cascade_keys(folded, p) for p in places]
    assert in_numpy == [left in model.dead_left or right in model.dead_right for left, right in keys]
    assert 0.5 * len(places) < sum(in_numpy) < len(places)
    monkeypatch.setitem(sys.modules, "numpy", None)  # `import numpy` fails from here on
    short = [t for t in texts if len(model.places(t)) < gapmodel.NUMPY_PLACES]
    assert [model._ruled_out(gapmodel.fold(t), model.places(t)) for t in short] == \
        [[left in model.dead_left or right in model.dead_right
          for left, right in (gapmodel.cascade_keys(gapmodel.fold(t), p) for p in model.places(t))] for t in short]
    assert model.score_text(SENTENCE)
    with pytest.raises(ImportError):
        model._ruled_out(folded, places)


def test_the_model_unpacks_to_the_same_bytes_with_isal_and_with_zlib(monkeypatch):
    """`gunzip` takes ISA-L's inflate where the `fast` extra is installed, else zlib: the same bytes as gzip, and
    a ValueError (what GapModel.load names) for a stream that is not gzip, is cut short or fails its CRC."""
    import builtins
    import gzip as gzip_module

    data = gapmodel.MODEL_PATH.read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x04
    broken = (b"this is not gzip", data[:1000], bytes(flipped), data[:-8] + bytes(8))  # the last: CRC and size
    with_isal = gapmodel.gunzip(data)
    for damaged in broken:
        with pytest.raises(ValueError, match="not a whole gzip stream"):
            gapmodel.gunzip(damaged)
    real_import = builtins.__import__

    def without_isal(name, *args, **kwargs):
        if name.startswith("isal"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_isal)
    assert gapmodel.gunzip(data) == with_isal == gzip_module.decompress(data)
    for damaged in broken:
        with pytest.raises(ValueError, match="not a whole gzip stream"):
            gapmodel.gunzip(damaged)