#!/usr/bin/env python3
"""A validation to trust for the missing-number detector: cross-fitted out-of-fold scores over the whole TRAIN part.

    python training/crossfit_numbers.py [--max-docs N] [--no-pages]

The shipped threshold and trust bonus are chosen by train_numbers.py on one bucket (6) of the train part: about
1,255 articles, where each step of the false-flag budget is about ten flags, too few to choose a threshold to a
few hundredths of a flag per 10k (round five: 0.148 on that bucket, 0.25 on the test part). Here every train
bucket is a fold (FOLDS): for each, a model fitted exactly as train_numbers.py fits one (features, vocabulary
cut, liblinear, pruned and rounded weights, the cascade's dead pairs, the trusted patterns) on the other buckets'
dropped copies and the train pages scores that bucket's dropped copies and untouched text. On these out-of-fold
scores of all train articles (4.8 M characters: hundreds of false flags per budget step) it prints the trust
bonus and threshold `train_numbers.choose_threshold` picks, what that choice gives on each fold (how far a
one-bucket calibration strays), recall and false flags at other thresholds, and at lower thresholds for the
places a pattern fired at. It writes no model and never reads the test part or the development set.

Features are computed once for all copies (units learned from all of the train text, the full jieba dictionary;
the shipped model scores with the words its fit met) and kept as feature ids (`Examples`: Python lists of
feature strings for the whole train part would not fit in memory twice), so each fold costs only its fit.
Deterministic (articles sorted by id, the drop seeds of train_numbers.py, liblinear with a fixed random_state).
Cost: about 9 minutes of CPU for the features of the whole train part and 2-4 per fold, 7 GB and more; 3,000
articles (`--max-docs 3000`) take about a third of that. Needs `pip install -e '.[train]'`.
"""
from __future__ import annotations

import argparse
import random
import sys
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
import train_numbers as T  # noqa: E402  (also puts the repository and benchmarks/ on the path)
from newsclean import gapmodel  # noqa: E402
from newsclean.rulebook import RuleSet  # noqa: E402
from real_data import TRAIN_BUCKETS, clean_news, pages  # noqa: E402

FOLDS = tuple(TRAIN_BUCKETS["clean_news"])      # each train bucket is a fold
THRESHOLDS = (0.99, 0.97, 0.95, 0.93, 0.90, 0.85, 0.80)
RULE_THRESHOLDS = (0.9, 0.85, 0.8, 0.7)


@dataclass
class Examples:
    """Every candidate place of the train copies as feature ids, compactly (Python lists of feature strings for
    the whole train part would not fit in memory twice): the rows of a binary CSR matrix, each row's label, its
    fold (the article's bucket; -1 for a page: fitted in every fold, never validated on), whether it is the
    untouched copy (validated on, never fitted), whether a pattern fired there, and its two cascade keys."""

    index: dict = field(default_factory=dict)
    indices: array = field(default_factory=lambda: array("i"))
    indptr: array = field(default_factory=lambda: array("q", [0]))
    label: array = field(default_factory=lambda: array("b"))
    clean: array = field(default_factory=lambda: array("b"))
    fold: array = field(default_factory=lambda: array("b"))
    rule: array = field(default_factory=lambda: array("b"))
    left: array = field(default_factory=lambda: array("i"))
    right: array = field(default_factory=lambda: array("i"))

    def add(self, feats: list[str], label: bool, fold: int, clean: bool) -> None:
        """One candidate place."""
        ids = [self.index.setdefault(f, len(self.index)) for f in feats]
        self.indices.extend(sorted(set(ids)))
        self.indptr.append(len(self.indices))
        self.label.append(label); self.clean.append(clean); self.fold.append(fold); self.rule.append("rule" in feats)
        self.left.append(next((i for f, i in zip(feats, ids) if f.startswith("l1u1:")), -1))
        self.right.append(next((i for f, i in zip(feats, ids) if f.startswith("u2:")), -1))


def collect(docs: list[dict], parts: dict, rules: RuleSet) -> Examples:
    """The examples of every doc's dropped copies (its `seeds`) and, for an article, of its untouched text."""
    ex = Examples()
    for d in docs:
        for seed in d.get("seeds", T.SEEDS):
            text, gaps = T.drop_digits(d["text"], random.Random(f"{seed}:{d['id']}"))
            for feats, label in T.examples(text, gaps, parts, rules):
                ex.add(feats, label, d["fold"], False)
        if d["fold"] >= 0:
            for feats, _ in T.examples(d["text"], [], parts, rules):
                ex.add(feats, False, d["fold"], True)
    return ex


@dataclass
class Fit:
    """A logistic regression fitted on some rows, with what ships beside it: weights by feature id (pruned and
    rounded as written), the cascade's dead pair ids and the ids of the trusted patterns' features."""

    weights: np.ndarray
    bias: float
    dead: np.ndarray
    trusted: list[str]


class Matrix:
    """The examples as numpy arrays and one CSR matrix, with each feature's rank by name (the column order of
    every fit, as the feature vocabulary was always sorted)."""

    def __init__(self, ex: Examples):
        from scipy.sparse import csr_matrix
        self.names = list(ex.index)
        n = len(self.names)
        self.X = csr_matrix((np.ones(len(ex.indices)), np.frombuffer(ex.indices, dtype=np.int32),
                             np.frombuffer(ex.indptr, dtype=np.int64)), shape=(len(ex.label), n))
        self.y = np.frombuffer(ex.label, dtype=np.int8).astype(bool)
        self.clean = np.frombuffer(ex.clean, dtype=np.int8).astype(bool)
        self.fold = np.frombuffer(ex.fold, dtype=np.int8)
        self.rule = np.frombuffer(ex.rule, dtype=np.int8).astype(bool)
        self.left = np.frombuffer(ex.left, dtype=np.int32)
        self.right = np.frombuffer(ex.right, dtype=np.int32)
        self.rank = np.empty(n, dtype=np.int64)
        self.rank[sorted(range(n), key=self.names.__getitem__)] = np.arange(n)
        self.rule_ids = {name[2:]: i for i, name in enumerate(self.names) if name.startswith("r:")}

    def fit(self, rows, rules: RuleSet) -> Fit:
        """Fit on `rows` (a boolean mask) as train_numbers.train fits the shipped model."""
        from sklearn.linear_model import LogisticRegression
        X, y = self.X[rows], self.y[rows]
        n = self.X.shape[1]
        counts = np.bincount(X.indices, minlength=n)
        # Each article is seen once per seed: a feature must occur in about T.MIN_FEATURE_COUNT articles.
        cols = np.flatnonzero(counts >= T.MIN_FEATURE_COUNT * len(T.SEEDS))
        cols = cols[np.argsort(self.rank[cols])]
        clf = LogisticRegression(C=T.C, solver="liblinear", max_iter=200, random_state=0).fit(X[:, cols], y)
        coef = clf.coef_[0]
        weights = np.zeros(n)
        keep = np.abs(coef) >= T.MIN_WEIGHT
        weights[cols[keep]] = np.round(coef[keep], 4)
        false = np.bincount(self.X[rows & ~self.y].indices, minlength=n)
        trusted = sorted(g.id for g in rules.gaps if g.id not in self.rule_ids
                         or false[self.rule_ids[g.id]] <= T.TRUSTED_MAX_FALSE * counts[self.rule_ids[g.id]])
        dead = np.zeros(n, dtype=bool)
        for keys in (self.left[rows], self.right[rows]):
            seen = np.bincount(keys[keys >= 0], minlength=n)
            at_gap = np.bincount(keys[keys >= 0], weights=y[keys >= 0], minlength=n)
            dead |= (seen >= T.DEAD_MIN_COUNT) & (at_gap <= T.DEAD_MAX_RATE * seen)
        return Fit(weights, round(float(clf.intercept_[0]), 4), dead, trusted)

    def scores(self, fit: Fit, rows) -> tuple[np.ndarray, np.ndarray]:
        """Logits of `rows` under `fit` (the cascade's ruled-out places at -50, as `ruled_out`), and whether
        a trusted pattern fired there."""
        X = self.X[rows]
        z = fit.bias + X @ fit.weights
        left, right = self.left[rows], self.right[rows]
        dead = ~self.rule[rows] & (((left >= 0) & fit.dead[left]) | ((right >= 0) & fit.dead[right]))
        z[dead] = -50.0
        ids = [self.rule_ids[r] for r in fit.trusted if r in self.rule_ids]
        hit = np.asarray(X[:, ids].sum(axis=1)).ravel() > 0 if ids else np.zeros(len(z), dtype=bool)
        return z, hit.astype(float)


def cross_fit(m: Matrix, rules: RuleSet, log) -> dict:
    """Out-of-fold logits of every train article's copies: for each fold (bucket), a model fitted on the other
    folds' dropped copies and the pages scores that fold's dropped and untouched copies."""
    z, hit = np.zeros(len(m.y)), np.zeros(len(m.y))
    for k in FOLDS:
        held = m.fold == k
        fit = m.fit(~m.clean & ~held, rules)
        z[held], hit[held] = m.scores(fit, held)
        log(f"fold {k}: {int(held.sum())} places scored")
    return {"logits": z, "trusted_hit": hit, "scored": m.fold >= 0}


def own_threshold(s: np.ndarray, m: Matrix, held: np.ndarray, chars: int) -> float | None:
    """The threshold a calibration on `held` alone would choose (train_numbers' targets, the bonus fixed)."""
    clean = m.clean[held]
    met = T.lowest_threshold_meeting_targets(s[held], m.y[held], ~clean, clean, chars)
    return None if met is None else met[0]


def crossfit_report(m: Matrix, oof: dict, bonus: float, threshold: float, chars_by_fold: dict, log) -> dict:
    """What the chosen decision gives on each fold and the threshold each fold alone would have chosen (how
    far a one-bucket calibration strays); recall / precision / false flags at other thresholds, and with a
    lower threshold for the places a pattern fired at."""
    s = 1.0 / (1.0 + np.exp(-(oof["logits"] + bonus * oof["trusted_hit"])))
    flags = s >= threshold
    per_fold = {}
    for k in FOLDS:
        held = m.fold == k
        gaps = held & ~m.clean & m.y
        per_fold[k] = {"recall": round(float((flags & gaps).sum()) / max(1, int(gaps.sum())), 4),
                       "false_flags": int((flags & held & m.clean).sum()),
                       "false_flags_per_10k": round(1e4 * float((flags & held & m.clean).sum()) / chars_by_fold[k], 4),
                       "own_threshold": own_threshold(s, m, held, chars_by_fold[k])}
        log(f"fold {k} at {threshold}: {per_fold[k]}")
    chars = sum(chars_by_fold.values())
    scored, gaps = oof["scored"], oof["scored"] & ~m.clean & m.y
    for t in THRESHOLDS:
        at = scored & (s >= t)
        tp, fp = int((at & gaps).sum()), int((at & ~m.clean & ~m.y).sum())
        log(f"threshold {t:.2f}: recall {tp / gaps.sum():.4f} precision {tp / max(1, tp + fp):.4f} "
            f"false flags {int((at & m.clean).sum())}, {1e4 * (at & m.clean).sum() / chars:.4f} /10k")
    for rule_threshold in RULE_THRESHOLDS:
        at = scored & (flags | (m.rule & (s >= rule_threshold)))
        log(f"threshold {threshold}, rule-backed places from {rule_threshold:.2f}: recall "
            f"{(at & gaps).sum() / gaps.sum():.4f} ff/10k {1e4 * (at & m.clean).sum() / chars:.4f}")
    return per_fold


def train_docs(articles: list[dict], page_records: list[dict]) -> list[dict]:
    """The train articles (sorted by id, each with its bucket as `fold`) and the train pages (fold -1)."""
    docs = sorted(({**a, "fold": zlib.crc32(a["id"].encode("utf-8")) % 10} for a in articles), key=lambda a: a["id"])
    return docs + [{**d, "fold": -1} for d in T.page_docs(page_records)]


def validate(articles: list[dict], page_records: list[dict], log=print) -> dict:
    """Cross-fit, choose as train_numbers.py chooses, and report; returns the choice and the per-fold figures."""
    docs = train_docs(articles, page_records)
    units, rules = T.learn_units(docs), RuleSet.load()
    m = Matrix(collect(docs, {"pattern": gapmodel.candidate_pattern(units), "words": T.jieba_words()}, rules))
    log(f"{sum(d['fold'] >= 0 for d in docs)} articles, {sum(d['fold'] < 0 for d in docs)} pages, {len(m.y)} places, "
        f"{int(m.y.sum())} gaps, {len(m.names)} features seen")
    oof = cross_fit(m, rules, log)
    scored = oof["scored"]
    chars_by_fold = {k: sum(len(d["text"]) for d in docs if d["fold"] == k) for k in FOLDS}
    bonus, threshold, stats = T.choose_threshold(oof["logits"][scored], oof["trusted_hit"][scored], m.y[scored],
                                                 np.where(m.clean[scored], "clean", "dropped"),
                                                 sum(chars_by_fold.values()))
    log(f"cross-fitted choice: trust bonus {bonus}, threshold {threshold}: {stats}")
    return {"trust_bonus": bonus, "threshold": threshold, "stats": stats,
            "folds": crossfit_report(m, oof, bonus, threshold, chars_by_fold, log)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-docs", type=int, default=0, help="the first N train articles (by id) only")
    ap.add_argument("--no-pages", action="store_true", help="fit on clean news only, not on the train pages' text")
    args = ap.parse_args()
    articles = sorted(clean_news("train"), key=lambda a: a["id"])
    validate(articles[:args.max_docs] if args.max_docs else articles, [] if args.no_pages else list(pages("train")),
             log=lambda message: print(message, flush=True))


if __name__ == "__main__":
    main()
