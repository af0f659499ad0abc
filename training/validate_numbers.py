#!/usr/bin/env python3
"""Compare decisions for the missing-number detector on the validation slice of the TRAIN part, never the test part.

    python training/validate_numbers.py [--fit-docs 1500] [--read 50] [--word-classes --more-validation 2000]

Each decision is fitted on the same random sample of `--fit-docs` articles of the fit buckets (0-5 of
`real_data.clean_news("train")`, dropped with train_numbers.SEEDS) and scored on every article of the calibration
bucket (6): its dropped copies (gap recall, precision) and its untouched text (false flags per 10,000 characters).
Each line gives recall / precision at a budget of false flags (the threshold that lets that many through), so
decisions are compared where the targets bind, not at one threshold. The trust bonus of train_numbers.py is left
out (the same for every decision). Decisions:

- `linear`: the shipped features (`gapmodel.features`) and liblinear, as train_numbers.py fits them;
- `conjunctions`: the same plus conjunctions the linear model cannot form itself (`conjunctions`);
- `lightgbm`: gradient-boosted trees on the shipped features, fitted on the places the cascade keeps;
- `linear+lightgbm`: the sum of the two logits.

`--word-classes` compares round seven's decisions the same way (`compare_word_classes`): round six's features,
each family of word classes added (`word_classes`: `lt` `rw` `rt` `tp`), and fits on `--more-seeds` drop
copies besides seeds 1-3; `--more-validation N` also scores N fit-bucket articles outside the sample (more
untouched text, so more false flags at each budget to place it by).

`--rules-through` scores the shipped model on bucket 6 (seeds 1-3) with the rules of `--rules DIR` (default: the
shipped ones) and lists recall / precision / false flags when places a pattern fired at are flagged from a lower
threshold than the rest (the rule-backed threshold to choose on this slice, never on the test part).

`--read N` prints, for the shipped model at its own threshold on bucket 6 (seed 1), N misses drawn at random
and every false flag on the untouched articles, to be read and classified by eye (is the gap readable at all?).
Needs `pip install -e '.[train]'` (scikit-learn, scipy, jieba, lightgbm).
"""
from __future__ import annotations

import argparse
import math
import random
import sys
import zlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
import train_numbers as T  # noqa: E402  (also puts the repository and benchmarks/ on the path)
from newsclean import gapmodel  # noqa: E402
from newsclean.rulebook import RuleSet  # noqa: E402
from real_data import clean_news  # noqa: E402

FF_BUDGETS = (0.15, 0.2, 0.3, 0.5, 0.8)
CONJUNCTION_PREFIXES = ("l2u3:", "l1u1r2:", "weu:", "same:", "samer:", "sn:")
SENTENCE_ENDS = "。\n！？"


def conjunctions(folded: str, p: int, feats: list[str]) -> list[str]:
    """Conjunctions tried on top of the shipped features: left bigram x unit and its right neighbours, the
    dictionary word ending at the place x unit, the same unit after a number nearby (lists: `70项金奖和项银奖`)
    and how many numbers the sentence holds."""
    u1 = folded[p:p + 1]
    extra = ["l2u3:" + folded[max(0, p - 2):p + 3], "l1u1r2:" + folded[max(0, p - 1):p + 1] + "|" + folded[p + 1:p + 3]]
    extra += ["weu:" + f[3:] + "|" + u1 for f in feats if f.startswith("we:")][:1]
    before = folded.rfind("0" + u1, max(0, p - 40), p)
    if before >= 0:
        extra.append("same:" + ("1" if p - before <= 8 else "2" if p - before <= 20 else "3") + "|" + u1)
    after = folded.find("0" + u1, p + 1, p + 40)
    if after >= 0:
        extra.append("samer:" + ("1" if after - p <= 8 else "2") + "|" + u1)
    start = max(folded.rfind(c, 0, p) for c in SENTENCE_ENDS) + 1
    ends = [i for i in (folded.find(c, p) for c in SENTENCE_ENDS) if i >= 0]
    numbers = folded.count("0", start, min(ends) if ends else len(folded))
    extra.append("sn:" + ("0" if numbers == 0 else "1" if numbers < 4 else "2") + "|" + u1)
    return extra


def with_conjunctions(folded, p, words, rule):
    feats = SHIPPED_FEATURES(folded, p, words, rule)
    return feats + conjunctions(folded, p, feats)


SHIPPED_FEATURES = gapmodel.features


def split(fit_docs: int, more_validation: int = 0) -> tuple[list[dict], list[dict]]:
    """A fixed random sample of fit-bucket articles and all calibration-bucket articles (with `more_validation`,
    also that many fit-bucket articles outside the sample: more untouched text to count false flags on, where
    one bucket lets only about ten through at each budget), sorted by id."""
    articles = sorted(clean_news("train"), key=lambda a: a["id"])
    bucket = {a["id"]: zlib.crc32(a["id"].encode("utf-8")) % 10 for a in articles}
    fit = [a for a in articles if bucket[a["id"]] != T.CALIBRATION_BUCKET]
    random.Random(0).shuffle(fit)
    held = fit[fit_docs:fit_docs + more_validation] + [a for a in articles if bucket[a["id"]] == T.CALIBRATION_BUCKET]
    return sorted(fit[:fit_docs], key=lambda a: a["id"]), sorted(held, key=lambda a: a["id"])


def budget_line(name: str, z, labels, clean, dead, chars: int) -> str:
    """Recall / precision on the dropped copies at each false-flag budget on the untouched articles."""
    import numpy as np
    z = np.where(dead, -50.0, z)
    dropped = ~clean
    positives = int((labels & dropped).sum())
    clean_scores = np.sort(z[clean])[::-1]
    cells = []
    for ff in FF_BUDGETS:
        allowed = int(ff * chars / 1e4)
        flags = z > (clean_scores[allowed] if allowed < len(clean_scores) else -np.inf)
        tp, fp = int((flags & labels & dropped).sum()), int((flags & ~labels & dropped).sum())
        cells.append(f"ff<={ff}: {tp / positives:.3f}/{tp / max(1, tp + fp):.3f}")
    return f"{name:<16} " + "  ".join(cells)


def compare(fit_docs: int, log=print) -> None:
    """Fit every decision on the sample and print its budget line on the calibration bucket."""
    import lightgbm
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    fit, calib = split(fit_docs)
    units, words, rules = T.learn_units(fit), T.jieba_words(), RuleSet.load()
    parts = {"pattern": gapmodel.candidate_pattern(units), "words": words}
    gapmodel.features = with_conjunctions          # train_numbers.examples computes features through the module
    try:
        rows, labels, _ = T.build(fit, parts, rules)
        crows, clabels, ckinds = T.build(calib, parts, rules, with_clean=True)
    finally:
        gapmodel.features = SHIPPED_FEATURES
    dead_left, dead_right = T.dead_pairs(rows, labels)
    dead = {"l1u1:" + k for k in dead_left} | {"u2:" + k for k in dead_right}
    y, live = np.array(labels), np.array([not T.ruled_out(f, dead) for f in rows])
    cy, cclean = np.array(clabels), np.array(ckinds) == "clean"
    cdead = np.array([T.ruled_out(f, dead) for f in crows])
    chars = sum(len(a["text"]) for a in calib)
    log(f"{len(fit)} fit articles ({len(rows)} places, {int(y.sum())} gaps), {len(calib)} calibration articles "
        f"({chars} characters)")
    logits = {}
    for name, keep in (("linear", lambda f: not f.startswith(CONJUNCTION_PREFIXES)), ("conjunctions", lambda f: True)):
        counts = Counter(f for feats in rows for f in set(feats) if keep(f))
        vocab = {f: n for n, f in enumerate(sorted(f for f, c in counts.items() if c >= T.MIN_FEATURE_COUNT * len(T.SEEDS)))}
        X = T.matrix(rows, vocab)
        clf = LogisticRegression(C=T.C, solver="liblinear", max_iter=200, random_state=0).fit(X, labels)
        logits[name] = clf.decision_function(T.matrix(crows, vocab))
        if name == "linear":
            booster = lightgbm.train({"objective": "binary", "num_leaves": 31, "learning_rate": 0.1, "min_data_in_leaf": 20,
                                      "feature_fraction": 0.5, "lambda_l2": 1.0, "num_threads": 1, "deterministic": True,
                                      "seed": 0, "verbose": -1},
                                     lightgbm.Dataset(X[live].astype(np.float32), y[live]), num_boost_round=300)
            logits["lightgbm"] = booster.predict(T.matrix(crows, vocab).astype(np.float32), raw_score=True)
    logits["linear+lightgbm"] = logits["linear"] + logits["lightgbm"]
    for name in ("linear", "conjunctions", "lightgbm", "linear+lightgbm"):
        log(budget_line(name, logits[name], cy, cclean, cdead, chars))


WORD_CLASS_PREFIXES = ("lt:", "rw:", "rt:", "tp:")
# The longest word looked up right after the unit.
MAX_RIGHT_WORD = 3


def tagged_words() -> dict[str, str]:
    """jieba's dictionary words of 1-MAX_WORD characters, each with its word class (the part-of-speech tag of
    its line in dict.txt: `word count tag`)."""
    import jieba
    words = {}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as lines:
        for line in lines:
            parts = line.split()
            if parts and len(parts[0]) <= gapmodel.MAX_WORD:
                words[parts[0]] = parts[2] if len(parts) > 2 else ""
    return words


def word_classes(folded: str, p: int, words: dict[str, str], u1: str) -> list[str]:
    """What KIND of word stands on each side of the unit: the word class of the longest dictionary word ending
    right before the place (`lt:v|名`, 移交|名), the longest word starting right after the unit (`rw:被俘`) and its
    class (`rt:v|名`), and the pair (`tp:v|v|名`). A side with no word in `words` (or no class) has class `-`."""
    left = right = "-"
    for i in range(p - gapmodel.MAX_WORD if p >= gapmodel.MAX_WORD else 0, p):
        tag = words.get(folded[i:p])
        if tag is not None:
            left = tag or "-"
            break
    feats = [] if left == "-" else ["lt:" + left + "|" + u1]
    for n in range(MAX_RIGHT_WORD, 0, -1):
        word = folded[p + 1:p + 1 + n]
        tag = words.get(word) if len(word) == n else None
        if tag is not None:
            if n > 1:
                feats.append("rw:" + word)
            right = tag or "-"
            if tag:
                feats.append("rt:" + tag + "|" + u1)
            break
    feats.append("tp:" + left + "|" + right + "|" + u1)
    return feats


def with_word_classes(folded, p, words, rule):
    return SHIPPED_FEATURES(folded, p, words, rule) + word_classes(folded, p, words, folded[p:p + 1])
# The drop seeds of round six's fit: the baseline the word classes and more seeds are compared with.
BASE_SEEDS = (1, 2, 3)


# Round seven's decisions: (name, the word-class families it adds to round six's features, fitted on more seeds)
WORD_CLASS_DECISIONS = (("round six", (), False), ("+lt +rt", ("lt:", "rt:"), False), ("+rw", ("rw:",), False),
                        ("+tp", ("tp:",), False), ("+all four", WORD_CLASS_PREFIXES, False),
                        ("round six, more seeds", (), True), ("+all four, more seeds", WORD_CLASS_PREFIXES, True))


def compare_word_classes(fit_docs: int, more_seeds: tuple[int, ...], more_validation: int = 0, log=print) -> None:
    """Round seven's decisions (WORD_CLASS_DECISIONS), each fitted with liblinear on the same sample and scored on
    the calibration bucket (and `more_validation` unsampled fit-bucket articles): the round-six features, each
    word-class family of `word_classes` added, and fits on `more_seeds` drop copies besides
    BASE_SEEDS (more training signal)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    fit, calib = split(fit_docs, more_validation)
    units, words, rules = T.learn_units(fit), tagged_words(), RuleSet.load()
    parts = {"pattern": gapmodel.candidate_pattern(units), "words": words}
    gapmodel.features = with_word_classes          # train_numbers.examples computes features through the module
    try:
        rows, labels, _ = T.build(fit, parts, rules, seeds=BASE_SEEDS)
        more_rows, more_labels, _ = T.build(fit, parts, rules, seeds=more_seeds) if more_seeds else ([], [], [])
        crows, clabels, ckinds = T.build(calib, parts, rules, with_clean=True, seeds=BASE_SEEDS)
    finally:
        gapmodel.features = SHIPPED_FEATURES
    dead_left, dead_right = T.dead_pairs(rows, labels)
    dead = {"l1u1:" + k for k in dead_left} | {"u2:" + k for k in dead_right}
    cy, cclean = np.array(clabels), np.array(ckinds) == "clean"
    cdead = np.array([T.ruled_out(f, dead) for f in crows])
    chars = sum(len(a["text"]) for a in calib)
    log(f"{len(fit)} fit articles ({len(rows)} places, {sum(labels)} gaps; seeds {BASE_SEEDS} + {more_seeds}: "
        f"{len(more_rows)} more places), {len(calib)} calibration articles ({chars} characters)")
    for name, added, more in WORD_CLASS_DECISIONS:
        if more and not more_seeds:
            continue
        left_out = tuple(f for f in WORD_CLASS_PREFIXES if f not in added)
        fit_rows, fit_labels = (rows + more_rows, labels + more_labels) if more else (rows, labels)
        seeds = len(BASE_SEEDS) + (len(more_seeds) if more else 0)
        counts = Counter(f for feats in fit_rows for f in set(feats) if not f.startswith(left_out))
        vocab = {f: n for n, f in enumerate(sorted(f for f, c in counts.items() if c >= T.MIN_FEATURE_COUNT * seeds))}
        del counts
        clf = LogisticRegression(C=T.C, solver="liblinear", max_iter=200, random_state=0)
        clf.fit(T.matrix(fit_rows, vocab), fit_labels)
        log(budget_line(name, clf.decision_function(T.matrix(crows, vocab)), cy, cclean, cdead, chars))


def read_by_eye(n: int, log=print) -> None:
    """N random misses and every false flag on the untouched text of the shipped model on bucket 6, seed 1."""
    model, rules = gapmodel.shipped_model(), RuleSet.load()
    _, calib = split(0)
    misses, false_flags, gaps = [], [], 0
    for a in calib:
        text, dropped_at = T.drop_digits(a["text"], random.Random(f"1:{a['id']}"))
        for source, at in ((text, set(dropped_at)), (a["text"], set())):
            rules.budget.start(len(source))             # the patterns' watchdog, as the pipeline runs them
            hits = T.rule_hits(source, rules)
            rules.budget.finish()
            flagged = {p for p, s in model.score_text(source, hits) if s >= model.threshold}
            context = lambda p: (source[max(0, p - 15):p] + "〔〕" + source[p:p + 10]).replace("\n", "⏎")
            gaps += len(at)
            misses += [context(p) for p in sorted(at - flagged)]
            if not at:
                false_flags += [context(p) for p in sorted(flagged)]
    log(f"shipped model, threshold {model.threshold}: {len(misses)} of {gaps} gaps missed, "
        f"{len(false_flags)} flags on the untouched articles")
    for line in random.Random(0).sample(misses, min(n, len(misses))):
        log("  miss   " + line)
    for line in false_flags:
        log("  false  " + line)


RULE_THRESHOLDS = (None, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5)


def rules_through(rules_dir: str | None, log=print) -> None:
    """Recall, precision and false flags per 10k on bucket 6 for each threshold of rule-backed places."""
    model, rules = gapmodel.shipped_model(), RuleSet.load(rules_dir)
    _, calib = split(0)
    scored = []          # (score, rule-backed, is a gap, on the untouched text)
    chars = 0
    for a in calib:
        chars += len(a["text"])
        copies = [T.drop_digits(a["text"], random.Random(f"{seed}:{a['id']}")) for seed in T.SEEDS]
        for source, at, clean in [(t, set(g), False) for t, g in copies] + [(a["text"], set(), True)]:
            rules.budget.start(len(source))
            hits = T.rule_hits(source, rules)
            rules.budget.finish()
            scored += [(s, p in hits, p in at, clean) for p, s in model.score_text(source, hits, ruled_out=False)]
            if not clean:
                scored += [(0.0, False, True, False)] * len(at - {p for p, _ in model.score_text(source, hits, ruled_out=False)})
    gaps = sum(1 for _, _, gap, clean in scored if gap and not clean)
    log(f"rules {rules_dir or 'shipped'}; {len(calib)} calibration articles, {chars} characters, {gaps} gaps "
        f"(seeds {T.SEEDS}); model threshold {model.threshold}")
    for rule_threshold in RULE_THRESHOLDS:
        limit = model.threshold if rule_threshold is None else rule_threshold
        flagged = [(gap, clean) for s, backed, gap, clean in scored if s >= (limit if backed else model.threshold)]
        tp = sum(1 for gap, clean in flagged if gap and not clean)
        fp = sum(1 for gap, clean in flagged if not gap and not clean)
        ff = sum(1 for _, clean in flagged if clean)
        log(f"rule-backed threshold {limit:.2f}: recall {tp / gaps:.3f} precision {tp / max(1, tp + fp):.3f} "
            f"ff/10k {ff * 1e4 / chars:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fit-docs", type=int, default=1500)
    ap.add_argument("--read", type=int, default=0, help="only print N misses and the false flags of the shipped model")
    ap.add_argument("--rules-through", action="store_true", help="only compare thresholds for rule-backed places")
    ap.add_argument("--rules", default=None, help="with --rules-through: a folder of rule files replacing the shipped")
    ap.add_argument("--word-classes", action="store_true", help="compare round seven's decisions: the word "
                    "classes, and more drop seeds (--more-seeds)")
    ap.add_argument("--more-seeds", default="4,5,6", help="with --word-classes: drop seeds fitted besides 1-3")
    ap.add_argument("--more-validation", type=int, default=0, help="with --word-classes: also validate on N "
                    "fit-bucket articles outside the sample")
    args = ap.parse_args()
    if args.word_classes:
        compare_word_classes(args.fit_docs, tuple(int(s) for s in args.more_seeds.split(",") if s),
                             args.more_validation)
    elif args.rules_through:
        rules_through(args.rules)
    elif args.read:
        read_by_eye(args.read)
    else:
        compare(args.fit_docs)


if __name__ == "__main__":
    main()
