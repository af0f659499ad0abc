"""The learned missing-number detector: candidate places, their features, and the linear model that scores them.

One pass (`candidates`) finds every place where a scraper could have dropped digits: a character that can
follow a number (年 月 日 万 亿 % 个 名 岁 届 … — the set is learned from clean news) or `.` before digits, with
no digit, Latin letter or `-_/.%` right before it. Each place gets sparse features (`features`): the
characters on both sides (digits folded to `0`, so intact numbers nearby count as such), the dictionary words
of a real segmenter (jieba's dictionary) that span the place or start at it, whether a digit stands nearby,
and which hand-written rule of `rules/numbers.toml` fired there. A logistic regression, trained
self-supervised on clean news by `training/train_numbers.py`, turns them into a probability that digits are
missing there. At run time scoring is a sum of weights: no scikit-learn, no segmenter, nothing downloaded.

The model file (`newsclean/models/numbers-gap.json.gz`) carries its format version, the training metadata, a
SHA-256 of its payload and the default threshold; `GapModel.load` refuses a missing, corrupt or foreign file
with a `ModelError` that names it.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

FORMAT = "newsclean-gap-model/1"
MODEL_PATH = Path(__file__).resolve().parent / "models" / "numbers-gap.json.gz"

# What may stand right before the digits of a number that a scraper can lose (as in shared/real/drops.py):
# anything but a digit, a Latin letter, or `. - _ / %` (those make codes, versions and URLs, not numbers).
_NOT_BEFORE_A_NUMBER = "0-9０-９A-Za-zＡ-Ｚａ-ｚ.\\-_/%％"
# Dictionary words are looked up at most this long (jieba's words that span a gap are short).
MAX_WORD = 4


class ModelError(RuntimeError):
    """The model file is missing, unreadable, corrupt or of another format; the message names the file."""


def _fold_table() -> dict[int, str]:
    """Context characters folded so that features generalise: digits -> 0, Latin letters -> a, half-width
    punctuation -> full-width (the normalise stage does the same to running text)."""
    table = {ord(c): "0" for c in "0123456789０１２３４５６７８９"}
    for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ":
        table[ord(c)] = "a"
    for half, full in zip(",:;()!?％\t\u3000\xa0", "，：；（）！？%   "):
        table[ord(half)] = full
    return table


FOLD = _fold_table()


def fold(text: str) -> str:
    """`text` with the context folding applied; same length, so offsets stay valid."""
    return text.translate(FOLD)


def candidate_pattern(units: str) -> re.Pattern:
    """One regex for every candidate place: a unit character, or `.` before digits, not right after a number.

    A percent sign right before a letter or digit is URL encoding (`%E4`) or a format code (`%Y`), not a unit."""
    unit_class = "".join(re.escape(u) for u in sorted(set(units)))
    return re.compile(f"(?<![{_NOT_BEFORE_A_NUMBER}])(?:(?![%％][0-9A-Za-z])[{unit_class}]|\\.(?=[0-9]))")


def written_apart(text: str, p: int) -> bool:
    """A place after a space that follows a digit or a Latin letter (`5000 万英镑`, `txt 天…` in a list of
    links) ends a number or word written apart: a veto at run time, never flagged whatever the score."""
    return p >= 2 and text[p - 1] == " " and text[p - 2].isascii() and text[p - 2].isalnum()


def candidates(text: str, pattern: re.Pattern) -> list[int]:
    """Every position in `text` where digits could have been dropped, in text order."""
    return [m.start() for m in pattern.finditer(text)]


def char_class(c: str) -> str:
    """A coarse class of a context character: Han, digit, Latin, line start or break, or the mark itself."""
    if not c or c == "\n":
        return "^"
    if "\u4e00" <= c <= "\u9fff":
        return "H"
    return c if c in "0a " else "P" + c


def features(folded: str, p: int, words: frozenset[str] | set[str], rule: str | None) -> list[str]:
    """The sparse features of the candidate place `p` of a folded text (see the module docstring)."""
    u1 = folded[p:p + 1]
    u2 = folded[p:p + 2]
    u3 = folded[p:p + 3]
    l1 = folded[p - 1:p] if p else "^"
    l2 = folded[max(0, p - 2):p]
    l3 = folded[max(0, p - 3):p]
    r12 = folded[p + 1:p + 3]
    feats = ["u1:" + u1, "u2:" + u2, "u3:" + u3, "u4:" + folded[p:p + 4], "l1:" + l1, "l2:" + l2, "l3:" + l3,
             "l1u1:" + l1 + u1, "l2u1:" + l2 + u1, "l1u2:" + l1 + u2, "l2u2:" + l2 + u2, "l3u1:" + l3 + u1,
             "l1u3:" + l1 + u3, "l2r:" + l2 + "|" + r12, "l4:" + folded[max(0, p - 4):p - 2] + "|" + u1,
             "cu:" + char_class(l1) + u1, "cu2:" + char_class(l1) + u2, "cu3:" + char_class(l1) + u3]
    if "0" in folded[max(0, p - 6):p]:
        feats.append("dl:" + u1)
    if "0" in folded[p + 1:p + 7]:
        feats.append("dr:" + u1)
    if "0" in folded[max(0, p - 24):p + 24]:
        feats.append("dn:" + u1)
    # A dictionary word ending right before the place (增长|%, 泸定|级) puts the place at a word boundary.
    for i in range(max(0, p - MAX_WORD), p - 1):
        if folded[i:p] in words:
            feats.append(f"wel:{p - i}|{u1}")
            feats.append("we:" + folded[i:p])
            break
    # A dictionary word across the place (享年, 企业家, 去年, 到位) says the unit belongs to the word before it.
    for i in range(max(0, p - 3), p):
        for j in range(p + 1, min(len(folded), i + MAX_WORD) + 1):
            word = folded[i:j]
            if word in words:
                feats.append("cw:" + word)
                feats.append(f"ck:{p - i}{j - p}|{u1}")
    # A dictionary word starting at the place (年度, 年宵花, 万一) says the unit starts a word of its own.
    for j in range(p + 2, min(len(folded), p + MAX_WORD) + 1):
        word = folded[p:j]
        if word in words:
            feats.append("sw:" + word)
            feats.append(f"sk:{j - p}|{u1}")
    if rule is not None:
        feats.append("rule")
        feats.append("r:" + rule)
    return feats


@dataclass(frozen=True)
class GapModel:
    """A trained detector: unit characters, dictionary words, feature weights and the default threshold."""

    units: str
    words: frozenset[str]
    weights: dict[str, float]
    bias: float
    threshold: float
    meta: dict
    path: str
    pattern: re.Pattern

    @classmethod
    def load(cls, path: str | Path = MODEL_PATH) -> "GapModel":
        """Read and check a model file; a `ModelError` naming the file if it is missing, corrupt or foreign."""
        path = Path(path)
        try:
            raw = gzip.decompress(path.read_bytes())
            head, _, body = raw.partition(b"\n")
            header = json.loads(head)
        except FileNotFoundError:
            raise ModelError(f"{path}: missing-number model file not found (rebuild it with "
                             "`python training/train_numbers.py`)") from None
        except (OSError, EOFError, ValueError) as exc:
            raise ModelError(f"{path}: missing-number model file is corrupt ({exc})") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ModelError(f"{path}: not a {FORMAT} model file")
        if header.get("sha256") != hashlib.sha256(body).hexdigest():
            raise ModelError(f"{path}: missing-number model file is corrupt (payload hash mismatch)")
        try:
            payload = json.loads(body)
            names = payload["features"]
            values = payload["weights"]
            if len(names) != len(values):
                raise ValueError("features and weights differ in number")
            return cls(units=str(payload["units"]), words=frozenset(payload["words"]),
                       weights=dict(zip(names, map(float, values))), bias=float(payload["bias"]),
                       threshold=float(payload["threshold"]), meta=dict(header.get("meta", {})), path=str(path),
                       pattern=candidate_pattern(payload["units"]))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelError(f"{path}: missing-number model file lacks a valid field ({exc})") from None

    def score_text(self, text: str, rule_hits: dict[int, str] | None = None) -> list[tuple[int, float]]:
        """(position, probability that digits are missing there) for every candidate place of `text`; a pattern
        that fired at a place (`rule_hits`: position -> rule id) is one of its features."""
        rule_hits = rule_hits or {}
        folded = fold(text)
        weights, words, bias = self.weights, self.words, self.bias
        out = []
        for p in candidates(text, self.pattern):
            if written_apart(text, p):
                continue
            z = bias
            for f in features(folded, p, words, rule_hits.get(p)):
                z += weights.get(f, 0.0)
            out.append((p, _sigmoid(z)))
        return out


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def write_model(path: str | Path, units: str, words: Iterable[str], weights: dict[str, float], bias: float,
                threshold: float, meta: dict) -> None:
    """Write a model file deterministically: gzip (no timestamp) of a JSON header line (format, metadata,
    SHA-256 of the payload) and the JSON payload (sorted features with their weights, sorted words)."""
    names = sorted(weights)
    payload = json.dumps({"units": units, "words": sorted(words), "features": names,
                          "weights": [weights[n] for n in names], "bias": bias, "threshold": threshold},
                         ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    header = {"format": FORMAT, "meta": meta, "sha256": hashlib.sha256(payload).hexdigest()}
    data = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n" + payload
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


_loaded: dict[str, GapModel] = {}


def model_digest(path: str | Path | None = None) -> str:
    """SHA-256 of the model file's bytes (`missing` if it cannot be read): what a resumed run must share."""
    try:
        return hashlib.sha256(Path(path or MODEL_PATH).read_bytes()).hexdigest()
    except OSError:
        return "missing"


def shipped_model(path: str | Path | None = None) -> GapModel:
    """The model at `path` (default: the one shipped in the package), loaded once per process."""
    key = str(path or MODEL_PATH)
    if key not in _loaded:
        _loaded[key] = GapModel.load(key)
    return _loaded[key]


def iter_words(lines: Iterable[str]) -> Iterable[str]:
    """The words of a jieba-format dictionary (`word freq [tag]` per line)."""
    for line in lines:
        parts = line.split()
        if parts:
            yield parts[0]


def describe_model(model: GapModel) -> str:
    """One line for `newsclean rules`: what the detector is, how it was trained, its default threshold."""
    meta = model.meta
    return (f"[learned] logistic regression over the context of every place digits could be missing "
            f"({len(model.units)} unit characters, {len(model.weights)} weighted features, {len(model.words)} "
            f"jieba dictionary words, the patterns below as features), trained self-supervised by "
            f"{meta.get('script', '?')} on {meta.get('fit_articles', '?')} clean news articles with digits dropped "
            f"on purpose; flags at score >= {model.threshold} (--gap-threshold); file {model.path}, "
            f"trained on data sha256 {str(meta.get('train_data_sha256', '?'))[:12]}")
