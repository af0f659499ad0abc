#!/usr/bin/env python3
"""Print the lexicons of `rules/numbers.toml` that come from jieba's dictionary, as TOML lines to paste there.

    python training/rule_lexicons.py

A bare 年 or 元 that ends a dictionary word (青少年, 不惑之年 / 神经元, 广元, 培元; for 年 only stems of two or more characters) is no unit a number left: the
gap patterns look behind for the word's stem (`year_word_stems`, `yuan_word_stems`). A word that starts with
年 (年谱, 年率, 年饭, 年宵) makes the 年 part of it (`dictionary_year_words`, next to the hand-written
`year_words`). Words of 2-4 characters seen at least MIN_FREQ times in the dictionary; names (tag `nr`) and
words holding a Latin letter, a numeral or a number word (多元, 万元, 三年) are left out: they are numbers, not words around one.
Needs `pip install -e '.[train]'` (jieba); deterministic for one jieba version.
"""
from __future__ import annotations

from pathlib import Path

MIN_FREQ = 3
# A one-character stem of a 年 word (去|年, 计|年 is no word but 预计|年 reads so, 行|年, 现|年) ends too many
# other words before a dropped year (过去年, 预计年, 举行年, 出现年: measured on the train part's dropped copies);
# the year patterns keep their own hand-written `year_word_heads` for those.
MIN_YEAR_STEM = 2
# Dictionary words that begin with what a dropped number leaves (2023年时, 10年期国债, 2010年秋冬, 年年底 of
# 至2025年年底): not words a bare 年 starts.
NOT_YEAR_WORDS = {"年时", "年期", "年秋冬", "年月日", "年月日时"}
NUMERALS = set("0123456789０１２３４５６７８９〇零一二三四五六七八九十百千万亿两几数半多余")


def dictionary() -> list[tuple[str, int, str]]:
    """(word, frequency, tag) of every line of jieba's dictionary."""
    import jieba
    rows = []
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as lines:
        for line in lines:
            parts = line.split()
            if len(parts) >= 2:
                rows.append((parts[0], int(parts[1]), parts[2] if len(parts) > 2 else ""))
    return rows


def words(rows, keep) -> list[str]:
    return sorted({w for w, freq, tag in rows
                   if 2 <= len(w) <= 4 and freq >= MIN_FREQ and tag != "nr" and is_han(w) and keep(w)})


def is_han(word: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" for c in word)


def stems(rows, end: str, shortest: int = 1) -> list[str]:
    """The words ending in `end` without it, numerals and stems shorter than `shortest` left out."""
    return [w[:-1] for w in words(rows, lambda w: w.endswith(end) and len(w) > shortest
                                  and not set(w[:-1]) & NUMERALS)]


def toml_list(name: str, items: list[str]) -> str:
    body, line = [], ""
    for item in items:
        piece = f'"{item}", '
        if len(line) + len(piece) > 110:
            body.append(line.rstrip())
            line = ""
        line += piece
    body.append(line.rstrip().rstrip(","))
    return f"{name} = [" + "\n  ".join(body) + "]"


def main() -> None:
    rows = dictionary()
    print(toml_list("year_word_stems", stems(rows, "年", MIN_YEAR_STEM)))
    print(toml_list("yuan_word_stems", stems(rows, "元")))
    print(toml_list("dictionary_year_words", words(rows, lambda w: w.startswith("年") and w not in NOT_YEAR_WORDS
                                                        and not set(w[1:]) & NUMERALS)))


if __name__ == "__main__":
    main()
