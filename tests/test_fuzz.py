"""Fuzz tests: mutated bytes of the seed pages never crash the library call or the command, offsets always map
back to the raw text, and the clean text gains no characters but normalised punctuation and the `--mark` marker.

The properties are the ones `tests/test_offsets.py` states (`check_maps_back`, `check_gains_nothing`,
`check_nothing_lost`); here they meet damaged input: flipped bits, cut and spliced bytes, NULs, invalid UTF-8,
GB18030 fragments, lone surrogates, mojibake, HTML entities, invisible characters, long runs, truncated gzip.
The long campaign behind these tests is `benchmarks/fuzz.py`.
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st
from test_offsets import check_gains_nothing, check_maps_back, check_nothing_lost, repairs_apply

from newsclean import clean
from newsclean.cli import main
from newsclean.io import ReadOptions, Record, decode, read_records

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
PAGES = [p.read_bytes() for p in sorted(SEEDS.glob("*.txt"))]
SEED_TEXT = "".join(p.decode("utf-8") for p in PAGES)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"

INVALID_UTF8 = [b"\xff", b"\xc0\x80", b"\xe4\xb8", b"\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc3"]
INSERTS = ["\x00", "\u200b", "\ufeff", "\r\n", "\x85", "\u2028", "\u0301", "\xa0", "\u3000", "&nbsp;", "&#24180;",
           "&#xD800;", "&amp;", "〔?〕", "首页 » 新闻 » ", "责任编辑：张三\n", "总投资亿元，同比增长%。", "▲", "年", "\n\n\n"]
CJK_AND_PUNCT = sorted(set(SEED_TEXT[:400])) + list("，。、；：？！“”（）《》…—,.;:?!()%０１２３ 　\t\n")
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]


def _at(draw, data: bytes) -> int:
    """A position in `data` at the start of a UTF-8 character."""
    i = draw(st.integers(0, len(data)))
    while 0 < i < len(data) and data[i] & 0xC0 == 0x80:
        i -= 1
    return i


@st.composite
def mutated_page(draw, max_len: int = 2500) -> bytes:
    """A window of a seed page with up to four mutations."""
    page = draw(st.sampled_from(PAGES))
    start = draw(st.integers(0, len(page) - 1))
    data = page[start:start + draw(st.integers(0, max_len))]
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "splice", "truncate", "invalid", "gb18030", "text",
                                   "special", "run", "mojibake"]))
        if op == "flip" and data:
            i = draw(st.integers(0, len(data) - 1))
            data = data[:i] + bytes([data[i] ^ (1 << draw(st.integers(0, 7)))]) + data[i + 1:]
        elif op == "insert":
            i = _at(draw, data)
            data = data[:i] + draw(st.binary(min_size=1, max_size=8)) + data[i:]
        elif op == "delete" and data:
            i = draw(st.integers(0, len(data) - 1))
            data = data[:i] + data[i + draw(st.integers(1, 200)):]
        elif op == "splice":
            other = draw(st.sampled_from(PAGES))
            j = draw(st.integers(0, len(other)))
            data = data[:_at(draw, data)] + other[j:j + max_len // 2]
        elif op == "truncate":
            data = data[:draw(st.integers(0, len(data)))]
        elif op == "invalid":
            i = draw(st.integers(0, len(data)))
            data = data[:i] + draw(st.sampled_from(INVALID_UTF8)) + data[i:]
        elif op == "gb18030":
            j = draw(st.integers(0, len(SEED_TEXT) - 1))
            i = _at(draw, data)
            data = data[:i] + SEED_TEXT[j:j + draw(st.integers(1, 40))].encode("gb18030") + data[i:]
        elif op == "text":
            i = _at(draw, data)
            data = data[:i] + draw(st.text(alphabet=CJK_AND_PUNCT, min_size=1, max_size=30)).encode() + data[i:]
        elif op == "special":
            i = _at(draw, data)
            data = data[:i] + draw(st.sampled_from(INSERTS)).encode() + data[i:]
        elif op == "run":
            i = _at(draw, data)
            unit = draw(st.sampled_from(["\n", " ", "年", "%", "（", "\x00", "▲图为", "同比增长%。\n", "&amp;"]))
            data = data[:i] + (unit * draw(st.integers(2, 3000))).encode() + data[i:]
        elif op == "mojibake":
            i = _at(draw, data)
            j = _at(draw, data[:i + 90])
            if j > i:
                codec = draw(st.sampled_from(["latin-1", "cp1252"]))
                data = data[:i] + data[i:j].decode(codec, errors="replace").encode() + data[j:]
    return data


def as_text(data: bytes, how: str) -> str:
    """Bytes as a crawler may hand them over: decoded the reader's way, with lone surrogates, or as Latin-1."""
    if how == "reader":
        decoded = decode(data, ReadOptions())
        return decoded[0] if decoded else data.decode("utf-8", errors="replace")
    if how == "surrogateescape":
        return data.decode("utf-8", errors="surrogateescape")
    return data.decode("latin-1")


def check_clean(text: str, t2s: bool, mark: bool) -> None:
    result = clean(text, t2s=t2s, mark=mark)
    check_maps_back(text, result, mark=mark, t2s=t2s)
    check_gains_nothing(text, result.text, mark=mark, t2s=t2s)
    if not t2s and not repairs_apply(text):
        check_nothing_lost(text, result, mark=mark)


@settings(max_examples=500, deadline=None, derandomize=True, suppress_health_check=SLOW)
@given(mutated_page(), st.sampled_from(["reader", "reader", "surrogateescape", "latin-1"]), st.booleans(),
       st.booleans())
def test_mutated_pages_clean_and_map_back(data, how, t2s, mark):
    check_clean(as_text(data, how), t2s, mark)


@st.composite
def jsonl_line(draw) -> bytes:
    """A JSONL record of seed text, sometimes with lone surrogate escapes in it, sometimes damaged."""
    j = draw(st.integers(0, len(SEED_TEXT) - 1))
    text = SEED_TEXT[j:j + draw(st.integers(0, 300))]
    line = json.dumps({"id": f"r{j}", "text": text}, ensure_ascii=draw(st.booleans()))
    if draw(st.booleans()):
        k = line.index('"text": "') + 9 if draw(st.booleans()) else line.rindex('"')  # at either end of the text
        escape = draw(st.sampled_from(["\\ud800", "\\udfff", "\\udbff\\udbff", "\\u0000", "\\ud83d\\ude00"]))
        line = line[:k] + escape + line[k:]
    data = line.encode()
    if draw(st.integers(0, 4)) == 0:  # damage: a byte that is not UTF-8, a NUL, a line cut in two
        i = draw(st.integers(0, len(data)))
        data = data[:i] + draw(st.sampled_from(INVALID_UTF8 + [b"\x00", b"\n"])) + data[i:]
    return data


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=SLOW)
@given(st.lists(jsonl_line(), min_size=1, max_size=6), st.booleans())
def test_jsonl_records_with_lone_surrogates_clean_and_map_back(tmp_path_factory, lines, t2s):
    path = tmp_path_factory.mktemp("jsonl") / "d.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    for unit in read_records([str(path)]):
        if isinstance(unit, Record):
            check_clean(unit.text, t2s, False)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=SLOW)
@given(mutated_page(), st.lists(jsonl_line(), min_size=1, max_size=8), st.floats(0.05, 0.95), st.booleans(),
       st.booleans())
def test_the_command_accounts_for_every_unit_of_a_damaged_folder(tmp_path_factory, page, lines, cut, mark, t2s):
    folder = tmp_path_factory.mktemp("dump")
    (folder / "page.txt").write_bytes(page)
    jsonl = b"\n".join(lines) + b"\n"
    (folder / "news.jsonl").write_bytes(jsonl)
    packed = gzip.compress(jsonl * 3, mtime=0)
    (folder / "cut.jsonl.gz").write_bytes(packed[:max(2, int(len(packed) * cut))])  # truncated archive
    (folder / "photo.txt").write_bytes(PNG)  # a binary file named as text
    out, rejects, stats = folder.parent / f"{folder.name}.jsonl", folder.parent / "r.jsonl", folder.parent / "s.json"
    args = ["clean", str(folder), "-o", str(out), "--rejects", str(rejects), "--stats", str(stats), "--no-progress"]
    args += ["--mark"] if mark else []
    args += [] if t2s else ["--no-t2s"]
    result = CliRunner().invoke(main, args)
    assert "Traceback" not in result.output and "internal" not in result.output
    books = json.loads(stats.read_text(encoding="utf-8"))
    # A run whose every unit was rejected says so with exit status 1, after writing its books and rejects.
    everything_rejected = books["written"] + books["duplicates"] == 0
    assert result.exit_code == (1 if everything_rejected else 0), result.output
    assert ("no documents: all" in result.output) == everything_rejected
    assert books["records_in"] == books["written"] + books["duplicates"] + books["rejected"]
    assert books["balanced"]
    written = out.read_bytes().splitlines()
    rejected = [json.loads(line) for line in rejects.read_bytes().splitlines()]
    assert len(written) == books["written"] and len(rejected) == books["rejected"]
    reasons = [r["reason"].split(":")[0] for r in rejected]
    assert "binary-file" in reasons and "truncated-input" in reasons
    assert "internal-error" not in reasons
    # every record that was written maps back to the text the reader gave the pipeline
    records = [u for u in read_records([str(folder)]) if isinstance(u, Record)]
    assert len(records) == len(written)
    for record, line in zip(records, written):
        obj = json.loads(line)
        check_maps_back(record.text, obj, mark=mark, t2s=t2s)
        check_gains_nothing(record.text, obj["text"], mark=mark, t2s=t2s)
