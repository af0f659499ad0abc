"""training/train_numbers.py: the model is rebuilt deterministically, and what it learns comes from the data.

The corpus here is made up for the test (templated sentences with figures), never text from ../shared.
"""
from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("jieba")

from newsclean import gapmodel  # noqa: E402

SCRIPT = Path(__file__).resolve().parent.parent / "training" / "train_numbers.py"
CROSSFIT = SCRIPT.with_name("crossfit_numbers.py")

TEMPLATES = [
    "{y}年{m}月{d}日，全市实现地区生产总值{a}亿元，同比增长{p}%。",
    "今年以来，全省新增城镇就业{n}万人，其中高校毕业生{k}名。",
    "截至{m}月底，该区共有规模以上企业{n}家，比去年增加{k}家。",
    "这座大桥全长{n}米，总投资{a}亿元，预计{y}年建成通车。",
    "国家统计局{d}日发布数据，{m}月份全国居民消费价格同比上涨{p}%。",
    "企业家们表示，今年的营商环境明显改善，去年的问题已经解决到位。",
]


def corpus(n: int) -> list[dict]:
    rng = random.Random(7)
    articles = []
    for i in range(n):
        lines = [rng.choice(TEMPLATES).format(y=rng.randint(1990, 2024), m=rng.randint(1, 12), d=rng.randint(1, 28),
                                               a=rng.randint(2, 900), p=round(rng.uniform(0.1, 9.9), 1),
                                               n=rng.randint(10, 5000), k=rng.randint(2, 90))
                 for _ in range(6)]
        articles.append({"id": f"made-up-{i}", "text": "\n".join(lines)})
    return articles


def load_script(path: Path = SCRIPT):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # its dataclasses look their module up while they are made
    spec.loader.exec_module(module)
    return module


def test_training_twice_gives_the_same_model_file(tmp_path):
    train = load_script()
    articles = corpus(160)
    train.train(articles, tmp_path / "a.json.gz", log=lambda _: None)
    train.train(list(reversed(articles)), tmp_path / "b.json.gz", log=lambda _: None)
    assert (tmp_path / "a.json.gz").read_bytes() == (tmp_path / "b.json.gz").read_bytes()
    model = gapmodel.GapModel.load(tmp_path / "a.json.gz")
    assert model.meta["fit_articles"] + model.meta["calibration_articles"] == 160
    # What it learnt from the made-up news: a dropped year, percentage and amount are flagged, words are not.
    text = "年5月3日，全市实现地区生产总值亿元，同比增长%。企业家们表示，去年的问题已经解决到位。"
    flagged = {p for p, score in model.score_text(text) if score >= model.threshold}
    assert {0, text.index("亿元"), text.index("%")} <= flagged
    assert text.index("家们") not in flagged and text.index("年的") not in flagged


def test_dropping_is_the_way_drops_py_drops():
    train = load_script()
    text = "总投资12.39亿元，增长5%，2024年，A3级，v2.0版"
    seen = set()
    for seed in range(400):
        dropped, gaps = train.drop_digits(text, random.Random(seed))
        seen.add(dropped)
        for gap in gaps:
            assert not dropped[gap - 1:gap].isdigit() if gap else True
        assert "A3级" in dropped and "v2.0版" in dropped          # after a letter: never dropped
    assert "总投资.39亿元，增长5%，2024年，A3级，v2.0版" in seen      # only the integer part
    assert "总投资亿元，增长%，年，A3级，v2.0版" in seen              # everything that may go


def test_train_pages_are_fitted_and_recorded(tmp_path):
    train = load_script()
    articles = corpus(120)
    page_records = [{"id": f"page-{i}", "text": a["text"].replace("全市", "本站论坛")} for i, a in enumerate(corpus(30))]
    page_records.append({"id": "page-empty", "text": None})          # a page with no text: nothing to fit
    meta = train.train(articles, tmp_path / "p.json.gz", log=lambda _: None, page_records=page_records)
    assert meta["fit_pages"] == 30
    assert meta["fit_articles"] + meta["calibration_articles"] == 120
    assert "pages.jsonl" in meta["trained_on"]
    plain = train.train(articles, tmp_path / "n.json.gz", log=lambda _: None)
    assert plain["fit_pages"] == 0 and plain["pages_data_sha256"] != meta["pages_data_sha256"]


def test_cascade_rules_out_the_same_places_in_training_and_at_run_time(tmp_path):
    train = load_script()
    path = tmp_path / "m.json.gz"
    gapmodel.write_model(path, "年月日%亿万名家", [], {"u1:年": 2.0}, -1.0, 0.5, {},
                         dead_left=["的年", "万名"], dead_right=["家们"])
    model = gapmodel.GapModel.load(path)
    dead = {"l1u1:" + k for k in model.dead_left} | {"u2:" + k for k in model.dead_right}
    text = "我们的年会上，企业家们说，全市有万名志愿者，增长%，年底"
    folded = gapmodel.fold(text)
    scores = dict(model.score_text(text))
    assert len(scores) >= 6
    for p, score in scores.items():
        assert train.ruled_out(gapmodel.features(folded, p, model.words, None), dead) == (score == 0.0), text[p:]
    assert scores[text.index("年会")] == scores[text.index("家们")] == scores[text.index("名志")] == 0.0


def test_cross_fitting_scores_every_train_bucket_out_of_fold_and_chooses_as_training_does():
    crossfit = load_script(CROSSFIT)
    articles = corpus(140)
    first = crossfit.validate(articles, [], log=lambda _: None)
    assert crossfit.validate(list(reversed(articles)), [], log=lambda _: None) == first      # deterministic
    assert set(first["folds"]) == set(crossfit.FOLDS) == set(range(7))
    # The made-up news is easy: each bucket, scored by a model fitted on the others only, finds most gaps.
    assert all(fold["recall"] > 0.5 for fold in first["folds"].values())
    stats = first["stats"]
    assert stats["precision"] >= 0.97 and stats["false_flags_per_10k"] <= 0.15 and stats["recall"] > 0.6


def test_word_classes_of_the_validation_name_the_kind_of_word_on_each_side_of_the_unit():
    """validate_numbers.word_classes (round seven's candidate features): the class of the word before the place
    and after the unit, the word after it, and the pair; `-` for a side with no dictionary word."""
    validate = load_script(SCRIPT.with_name("validate_numbers.py"))
    classes = {"移交": "v", "被俘": "v", "人员": "n", "签约": "v", "大单": "n", "单": "n", "旅客": "n", "被": "p"}
    folded = gapmodel.fold("双方移交名被俘人员。")
    assert validate.word_classes(folded, folded.index("名"), classes, "名") == ["lt:v|名", "rw:被俘", "rt:v|名",
                                                                              "tp:v|v|名"]
    assert validate.word_classes(gapmodel.fold("签约台大单"), 2, classes, "台")[-1] == "tp:v|n|台"
    assert validate.word_classes(gapmodel.fold("单名旅客"), 1, classes, "名") == ["lt:n|名", "rw:旅客", "rt:n|名",
                                                                           "tp:n|n|名"]
    assert validate.word_classes(gapmodel.fold("（名）"), 1, classes, "名") == ["tp:-|-|名"]


def test_the_network_of_round_eight_sees_folded_windows_and_is_fitted_deterministically():
    """training/train_gapnet.py (issue 10, round eight, not shipped): each place is the window of folded characters
    around it (digits as 0, outside the text padded), rare characters share one id, the budget line counts recall
    at a fixed number of flags on untouched text, and two fits of the network give the same weights."""
    import numpy as np
    net_script = load_script(SCRIPT.with_name("train_gapnet.py"))
    W = net_script.WINDOW
    text = "截至3月底，共有家企业"
    folded = gapmodel.fold(text)
    (window,) = net_script.windows(folded, [text.index("家")])
    assert len(window) == 2 * W + 1 and window[W] == ord("家")
    assert window[W - 6] == ord("0") and window[:W - 8] == [-1] * (W - 8) and window[-1] == -1
    x = np.array([[ord("家")] * 30 + [ord("名")] * 2 + [-1]])
    vocab = net_script.vocabulary(x)
    assert vocab == {ord("家"): 2}
    assert net_script.encode(x, vocab)[0].tolist() == [2] * 30 + [net_script.RARE] * 2 + [net_script.PAD]
    # 10k characters of untouched text and a budget of 0.2 flags per 10k lets no clean place through: only the
    # gaps scored above every clean place count (2 of 4), and the one non-gap of the dropped copy above them
    z = np.array([5.0, 4.0, 3.5, 1.0, 0.5, 3.0, 0.0])
    y = np.array([True, True, False, True, True, False, False])
    clean = np.array([False, False, False, False, False, True, True])
    kinds = np.array(["家", "名", "名", "家", "名", "家", "名"])
    lines = []
    by_kind = net_script.budget_report("t", z, y, clean, kinds, 4, 10_000, {"家": 2, "名": 2}, log=lines.append)
    assert "ff<=0.2: 0.500/0.667" in lines[0] and by_kind[0.2] == {"家": 0.5, "名": 0.5}
    pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    xs = rng.integers(0, 6, size=(3000, 2 * W + 1))
    ys = xs[:, W] == 3
    fits = [net_script.fit_net(xs, ys, 6, 2, 8, 8, 4, log=lambda _: None) for _ in range(2)]
    first, second = (f.state_dict() for f in fits)
    assert all(np.array_equal(first[k].numpy(), second[k].numpy()) for k in first)
    z = net_script.net_logits(fits[0], xs)
    assert z[ys].mean() > z[~ys].mean()
