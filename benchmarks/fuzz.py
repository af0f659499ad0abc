"""Fuzz campaign: mutated bytes of the seed pages through the library call, the reader and the runner.

    python benchmarks/fuzz.py --count 20000 --runner-count 300 --seed 1
    python benchmarks/fuzz.py --count 2000 --only 137          # run one input (same seed) and show it
    python benchmarks/fuzz.py --replay /tmp/newsclean-fuzz-x/lib-01.json   # check a saved reproducer

Every input is made from the two seed pages (`seeds/*.txt`) or from JSONL built like `seeds/expected.jsonl`,
by one mutation (or a stack of two to four): bit flips, bytes inserted or deleted, two seeds spliced, a
truncation, NUL bytes, invalid UTF-8, GB18030-encoded fragments, random CJK text and punctuation, huge
repeated runs, lone surrogates in JSON escapes, mojibake, HTML entities, invisible and control characters,
line shuffles, or the whole input gzip-compressed and cut short. Input `i` depends only on `--seed` and `i`.

For each library input the bytes are decoded (as the reader does, or leniently: with lone surrogates, or as
Latin-1 mojibake) and `newsclean.clean` is called with random options. It must not raise, and the result
must pass the property checks of `tests/test_offsets.py`: every annotation and removal maps back to the raw
text, the clean text gains no characters but normalised punctuation, the `--mark` marker and what the
documented repairs produce, and (where no repair applies) every visible character is kept or removed on
record. For a sample, the mutated bytes are written as a file (or a folder with a binary file beside it) and
run through `newsclean.runner.run` (and, for some, the `newsclean clean` command): no exception, records_in
== written + duplicates + rejected, as many output and rejects lines as the books say, no internal-error
reject, and every output record maps back to the text the reader gave it.

The report lists how many inputs were tried per mutation kind, the slowest inputs, and each distinct failure
(where, exception type, message) with a reproducer shrunk as far as a few seconds allow, saved under a temp
folder: `lib-*.json` ({"text": ..., "options": ...}: `clean(text, **options)`), `run-*.<suffix>` (a file for
`newsclean clean`). The exit status is 1 when anything failed.

Misuse, decompression bombs, hostile rule files, encodings, concurrent runs and kills of the main process or a
worker (issue 16) are the classes of `benchmarks/adversarial.py`, which runs the command itself per case.
"""
from __future__ import annotations

import argparse
import bz2
import gzip
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_offsets import (check_gains_nothing, check_maps_back, check_nothing_lost,  # noqa: E402
                          repairs_apply)

from newsclean import clean  # noqa: E402
from newsclean.io import Record, ReadOptions, decode, read_records  # noqa: E402
from newsclean.run import RunConfig, run  # noqa: E402
from newsclean.pipeline import Options  # noqa: E402

SEEDS = ROOT / "seeds"
# A library call slower than SLOW_S plus one second per SLOW_CHARS_PER_S characters is a finding of its own
# (the pipeline cleans 150 000 to 250 000 characters a second).
SLOW_S = 5.0
SLOW_CHARS_PER_S = 50_000
HANG_S = 60.0  # ... and one still running after HANG_S plus as much again is stopped and reported as a hang
# Library inputs are cut to the CLI's --max-chars default: the reader rejects longer documents, and a handful
# of 10-million-character inputs (a line repeated 300 times) would take most of the campaign's time.
MAX_CHARS = 2_000_000


class Hang(BaseException):
    """Raised by the alarm in a call that runs too long (BaseException: the runner must not catch it)."""


def guarded(fn, *args, limit: float = HANG_S):
    """fn(*args), stopped with `Hang` after `limit` seconds (Python code only: a C loop is not interrupted)."""
    def _alarm(signum, frame):
        raise Hang(f"still running after {limit:.0f}s")

    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return fn(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)

# ----------------------------------------------------------------------------- seeds


def seed_inputs() -> list[tuple[str, bytes]]:
    """(kind, bytes): the two seed pages, and JSONL as the reader meets it."""
    pages = [p.read_bytes() for p in sorted(SEEDS.glob("*.txt"))]
    out = [("text", b) for b in pages]
    expected = (SEEDS / "expected.jsonl").read_bytes()
    out.append(("jsonl", expected))  # cleaned records fed back in: long lines, nested fields
    paras = [p for b in pages for p in b.decode("utf-8").split("\n") if p.strip()]
    small = [json.dumps({"id": f"p{i}", "text": "\n".join(paras[i:i + 3]), "site": "红网"}, ensure_ascii=False)
             for i in range(0, 24, 3)]
    out.append(("jsonl", ("\n".join(small) + "\n").encode("utf-8")))
    escaped = [json.dumps({"id": f"e{i}", "text": "\n".join(paras[i:i + 2])}) for i in range(30, 42, 2)]
    out.append(("jsonl", ("\n".join(escaped) + "\n").encode("ascii")))  # \uXXXX escapes throughout
    return out


SEED_TEXT = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
CJK = sorted(set(ch for ch in SEED_TEXT if "\u4e00" <= ch <= "\u9fff"))
PUNCT = list("，。、；：？！“”‘’（）《》【】…—·,.;:?!()[]%％‰-/~ 　\t\n\r")
UNITS = ["年", "月", "日", "万", "亿", "亿元", "万元", "%", "个", "家", "人", "吨", "公里", "平方米", "倍", "岁"]
CHROME_WORDS = ["首页 » 新闻 » ", "责任编辑：", "来源：", "编辑：", "记者 ", "上一篇：", "下一篇：", "版权所有 ©",
                "湘ICP备12345678号", "分享到：", "【打印】", "【关闭】", "查看完整版本：", "摄", "图为", "▲",
                "〔?〕", "2024-10-29 15:40:00", "发布时间：", "点击：", "第1页", "下一页"]
DIGITS = list("0123456789０１２３４５６７８９.．")
INVALID_UTF8 = [b"\xff", b"\xfe", b"\xc0\x80", b"\xe4\xb8", b"\x80", b"\xbf\xbf", b"\xed\xa0\x80", b"\xed\xbf\xbf",
                b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xe0\x80\xaf", b"\xc3"]
INVISIBLE = ["\u200b", "\u200d", "\ufeff", "\u00ad", "\u202e", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c",
             "\x1e", "\r", "\r\n", "\x00", "\x7f", "\u0301", "\u20dd", "\ufe0f", "\u3000", "\xa0", "\u2003",
             "\U000e0001", "\ud800", "\udfff"]
ENTITIES = ["&nbsp;", "&amp;", "&lt;", "&gt;", "&ldquo;", "&rdquo;", "&#8220;", "&#x4e2d;", "&#24180;", "&#0;",
            "&#xD800;", "&#1114112;", "&#9999999;", "&#x110000;", "&amp;nbsp;", "&bogus;", "&#10;", "&#13;",
            "&#x200b;", "&NewLine;", "&Tab;", "&#65292;", "&#44;", "&#x3000;", "&hellip;", "&mdash;"]


def _pos(rng: random.Random, data: bytes | str) -> int:
    return rng.randint(0, len(data))


def _snippet(rng: random.Random, n: int) -> str:
    start = rng.randrange(max(1, len(SEED_TEXT) - n))
    return SEED_TEXT[start:start + n]


def _random_text(rng: random.Random, n: int) -> str:
    pools = [CJK, PUNCT, UNITS, CHROME_WORDS, DIGITS]
    weights = [6, 3, 2, 1, 2]
    return "".join(rng.choice(rng.choices(pools, weights)[0]) for _ in range(n))


def _insert(data: bytes, at: int, piece: bytes) -> bytes:
    return data[:at] + piece + data[at:]


def _char_boundary(data: bytes, at: int) -> int:
    """Move `at` back to the start of a UTF-8 character (so that inserted text does not split one)."""
    while 0 < at < len(data) and (data[at] & 0xC0) == 0x80:
        at -= 1
    return at


# ----------------------------------------------------------------------------- mutations (bytes -> bytes)

def m_bitflip(rng, data, seeds):
    b = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 4, 8, 32])):
        if b:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def m_byte_insert(rng, data, seeds):
    piece = bytes(rng.randrange(256) for _ in range(rng.choice([1, 2, 3, 8, 16, 64])))
    return _insert(data, _pos(rng, data), piece)


def m_byte_delete(rng, data, seeds):
    if not data:
        return data
    i = rng.randrange(len(data))
    n = rng.choice([1, 1, 2, 3, 10, 100, 1000])
    return data[:i] + data[i + n:]


def m_splice(rng, data, seeds):
    other = rng.choice(seeds)[1]
    return data[:_pos(rng, data)] + other[_pos(rng, other):]


def m_truncate(rng, data, seeds):
    return data[:rng.choice([0, 1, 2, 3, rng.randrange(64) if data else 0, _pos(rng, data)])]


def m_nul(rng, data, seeds):
    at = _pos(rng, data)
    n = rng.choice([1, 1, 4, 100, 5000])
    if rng.random() < 0.2:
        return b"\x00" * n + data + b"\x00" * rng.choice([0, n])
    return _insert(data, at, b"\x00" * n)


def m_invalid_utf8(rng, data, seeds):
    for _ in range(rng.choice([1, 1, 3, 20])):
        data = _insert(data, _pos(rng, data), rng.choice(INVALID_UTF8))
    return data


def m_gb18030(rng, data, seeds):
    if rng.random() < 0.3:  # the whole page in GB18030, then a fragment of UTF-8 inside it
        text = data.decode("utf-8", errors="replace")
        enc = text.encode("gb18030", errors="replace")
        return _insert(enc, _pos(rng, enc), _snippet(rng, rng.randint(1, 20)).encode("utf-8"))
    frag = (_snippet(rng, rng.randint(1, 80)) if rng.random() < 0.7 else _random_text(rng, 10)).encode("gb18030")
    return _insert(data, _char_boundary(data, _pos(rng, data)), frag)


def m_cjk_punct(rng, data, seeds):
    for _ in range(rng.choice([1, 2, 5, 20])):
        at = _char_boundary(data, _pos(rng, data))
        data = _insert(data, at, _random_text(rng, rng.choice([1, 2, 5, 20, 100])).encode("utf-8"))
    return data


def m_huge_run(rng, data, seeds):
    unit = rng.choice(["\n", " ", "　", "年", "亿元", "%", "。", ",", "(", "（", "▲", "a", "1", "&", "&amp;",
                       "\u200b", "\x00", "\r\n", "首页 » ", "责任编辑：张三\n", "同比增长%，\n",
                       _snippet(rng, 12) + "\n", _snippet(rng, 60) + "\n", "(" * 3 + "）" * 3])
    n = int(10 ** rng.uniform(2, 5.3))  # 100 .. 200 000 copies
    piece = (unit * n)[:400_000]
    return _insert(data, _char_boundary(data, _pos(rng, data)), piece.encode("utf-8", "surrogatepass"))


def m_json_surrogate(rng, data, seeds):
    """Lone surrogates as JSON escapes inside a string value (a JSONL seed, or a page wrapped as JSONL)."""
    if not data.lstrip().startswith(b"{"):
        text = data.decode("utf-8", errors="replace")
        data = json.dumps({"id": "s", "text": text}).encode("ascii") + b"\n"
    esc = rng.choice([b"\\ud800", b"\\udfff", b"\\udc80", b"\\udbff\\udbff", b"\\ud83d", b"\\uDC00", b"\\ud800\\u0000",
                      b"\\ud83d\\ude00", b"\\u0000", b"\\u200b"])
    quotes = [m.end() for m in re.finditer(rb'"text": ?"', data)] or [1]
    escapes = [m.span() for m in re.finditer(rb"\\(?:u[0-9a-fA-F]{4}|.)", data)]
    for _ in range(rng.choice([1, 1, 3])):
        at = _char_boundary(data, rng.choice(quotes) + rng.randrange(12))
        while any(s < at < e for s, e in escapes):  # never inside another escape
            at -= 1
        data = _insert(data, at, esc)
        quotes = [m.end() for m in re.finditer(rb'"text": ?"', data)] or [1]
        escapes = [m.span() for m in re.finditer(rb"\\(?:u[0-9a-fA-F]{4}|.)", data)]
    return data


def m_mojibake(rng, data, seeds):
    """A span of UTF-8 read as Latin-1 or cp1252 and written back as UTF-8."""
    i = _char_boundary(data, _pos(rng, data))
    j = _char_boundary(data, min(len(data), i + rng.choice([3, 30, 300, 3000])))
    enc = rng.choice(["latin-1", "cp1252"])
    return data[:i] + data[i:j].decode(enc, errors="replace").encode("utf-8") + data[j:]


def m_entities(rng, data, seeds):
    for _ in range(rng.choice([1, 3, 10])):
        data = _insert(data, _char_boundary(data, _pos(rng, data)), rng.choice(ENTITIES).encode())
    return data


def m_invisible(rng, data, seeds):
    for _ in range(rng.choice([1, 3, 10, 50])):
        ch = rng.choice(INVISIBLE)
        data = _insert(data, _char_boundary(data, _pos(rng, data)), ch.encode("utf-8", "surrogatepass"))
    return data


def m_lines(rng, data, seeds):
    """Whole lines duplicated, dropped, swapped or repeated many times (repeats and chrome rules meet)."""
    lines = data.split(b"\n")
    for _ in range(rng.choice([1, 3, 10])):
        if not lines:
            break
        op = rng.choice(["dup", "drop", "swap", "many", "join"])
        i = rng.randrange(len(lines))
        if op == "dup":
            lines.insert(rng.randrange(len(lines) + 1), lines[i])
        elif op == "drop":
            del lines[i]
        elif op == "swap":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "many":
            lines[i:i + 1] = [lines[i]] * rng.choice([3, 30, 300])
        elif op == "join" and i + 1 < len(lines):
            lines[i:i + 2] = [lines[i] + lines[i + 1]]
    return b"\n".join(lines)


def m_gzip_truncate(rng, data, seeds):
    packed = gzip.compress(data, mtime=0)
    cut = rng.choice([len(packed) - rng.randint(1, 8), rng.randint(10, max(11, len(packed) - 1)), rng.randint(2, 30)])
    packed = packed[:max(2, cut)]
    if rng.random() < 0.3:
        packed = m_bitflip(rng, packed, seeds)
    return packed


MUTATORS: dict[str, Callable] = {
    "bitflip": m_bitflip, "byte_insert": m_byte_insert, "byte_delete": m_byte_delete, "splice": m_splice,
    "truncate": m_truncate, "nul": m_nul, "invalid_utf8": m_invalid_utf8, "gb18030": m_gb18030,
    "cjk_punct": m_cjk_punct, "huge_run": m_huge_run, "json_surrogate": m_json_surrogate,
    "mojibake": m_mojibake, "entities": m_entities, "invisible": m_invisible, "lines": m_lines,
    "gzip_truncate": m_gzip_truncate,
}
KINDS = list(MUTATORS) + ["stack"]
# Huge runs are slow to clean (hundreds of thousands of characters): fewer of them keep the campaign short.
WEIGHTS = [0.3 if k == "huge_run" else 1.0 for k in KINDS]
STACKABLE = [k for k in MUTATORS if k not in ("gzip_truncate", "huge_run")]


def make_input(seed: int, i: int, seeds: list[tuple[str, bytes]], lane: str = "lib"
               ) -> tuple[str, str, bytes, random.Random]:
    """(mutation kind, seed kind, mutated bytes, the input's own random generator) for input `i`."""
    rng = random.Random(f"{seed}:{lane}:{i}")
    seed_kind, data = rng.choice(seeds)
    kind = rng.choices(KINDS, WEIGHTS)[0]
    if kind == "stack":
        for name in rng.sample(STACKABLE, rng.randint(2, 4)):
            data = MUTATORS[name](rng, data, seeds)
        if rng.random() < 0.1:
            data = m_gzip_truncate(rng, data, seeds)
    else:
        data = MUTATORS[kind](rng, data, seeds)
    return kind, seed_kind, data, rng


# ----------------------------------------------------------------------------- library lane

def _gunzip_partial(data: bytes) -> bytes:
    d = zlib.decompressobj(wbits=31)
    out = b""
    for k in range(0, len(data), 64):
        try:
            out += d.decompress(data[k:k + 64])
        except zlib.error:
            break
    return out


def texts_for_library(rng: random.Random, seed_kind: str, data: bytes) -> tuple[str, list[str]]:
    """(how the bytes were decoded, the texts to clean)."""
    if data[:2] == b"\x1f\x8b" and rng.random() < 0.7:
        data = _gunzip_partial(data)
    how = rng.choices(["reader", "surrogateescape", "latin-1", "replace"], [6, 2, 1, 1])[0]
    if how == "reader":
        decoded = decode(data, ReadOptions())
        text = decoded[0] if decoded else data.decode("utf-8", errors="replace")
        how = f"reader:{decoded[1] if decoded else 'none'}"
    elif how == "surrogateescape":
        text = data.decode("utf-8", errors="surrogateescape")
    elif how == "latin-1":
        text = data.decode("latin-1")
    else:
        text = data.decode("utf-8", errors="replace")
    if seed_kind == "jsonl" and rng.random() < 0.8:
        fields = []
        for line in text.split("\n"):
            try:
                obj = json.loads(line, strict=False)
            except (ValueError, RecursionError):
                continue
            if isinstance(obj, dict) and isinstance(obj.get("text"), str):
                fields.append(obj["text"])
        if fields:
            picked = rng.sample(fields, min(3, len(fields)))  # three at most: keeps inputs cheap
            return how + "+json", [f[:MAX_CHARS] for f in picked]
    return how, [text[:MAX_CHARS]]


@dataclass
class Failure:
    lane: str  # "lib" or "run" or "cli"
    check: str  # "crash", "property", "slow", ...
    exc_type: str
    message: str
    where: str
    first: int  # input number
    mutation: str
    count: int = 0
    reproducer: Any = None  # lib: (text, options); run: (suffix, bytes, options)
    saved: str = ""


def _where(tb) -> str:
    frames = [f for f in traceback.extract_tb(tb) if "/newsclean/" in f.filename or "/tests/" in f.filename]
    if not frames:
        frames = traceback.extract_tb(tb)[-1:]
    f = frames[-1] if frames else None
    return f"{Path(f.filename).name}:{f.name}" if f else "?"


def _signature_message(msg: str) -> str:
    """The message with its numbers and quoted snippets blanked, so one cause is one finding."""
    msg = msg.split("\n")[0]
    msg = re.sub(r"(?<![A-Za-z])'[^']*'(?![A-Za-z])|\"[^\"]*\"", "'…'", msg)
    return re.sub(r"\d+", "N", msg)[:160]


def _check_label(exc: BaseException, message: str) -> str:
    if isinstance(exc, AssertionError):
        return "property: " + message.split(":")[0]
    return "crash"


def library_check(text: str, options: dict[str, Any]) -> tuple[str, BaseException, Any] | None:
    """None when `clean(text, **options)` is fine, else (check, exception, traceback)."""
    mark, t2s = options.get("mark", False), options.get("t2s", True)
    try:
        result = guarded(lambda: clean(text, **options), limit=HANG_S + len(text) / SLOW_CHARS_PER_S)
    except Hang as exc:
        return "hang", exc, exc.__traceback__
    except Exception as exc:  # noqa: BLE001 - what the campaign is looking for
        return "crash", exc, exc.__traceback__
    try:
        check_maps_back(text, result, mark=mark, t2s=t2s)
        check_gains_nothing(text, result.text, mark=mark, t2s=t2s)
        if not t2s and "stages" not in options and not repairs_apply(text):
            check_nothing_lost(text, result, mark=mark)
    except AssertionError as exc:
        return _check_label(exc, str(exc)), exc, exc.__traceback__
    except Exception as exc:  # noqa: BLE001 - a check that cannot even run is a finding too
        return "check-crash", exc, exc.__traceback__
    return None


def library_options(rng: random.Random) -> dict[str, Any]:
    options: dict[str, Any] = {"t2s": rng.random() < 0.6, "mark": rng.random() < 0.35}
    if rng.random() < 0.1:
        stages = [s for s in ("normalize", "chrome", "repeats", "numbers") if rng.random() < 0.6]
        options["stages"] = tuple(stages)
    return options


# ----------------------------------------------------------------------------- runner lane

BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def runner_input(rng: random.Random, seed_kind: str, data: bytes, folder: Path) -> tuple[str, str]:
    """Write the mutated bytes as a run's input; returns (input path, container description)."""
    is_gz = data[:2] == b"\x1f\x8b"
    suffix = (".jsonl" if seed_kind == "jsonl" else ".txt") + (".gz" if is_gz else "")
    container = rng.choices(["file", "gz", "folder"], [6, 2, 2])[0]
    if container == "gz" and not is_gz:
        packed = gzip.compress(data, mtime=0)
        data = packed[:rng.randint(2, len(packed))] if rng.random() < 0.5 else packed
        suffix += ".gz"
    folder.mkdir(parents=True, exist_ok=True)
    if container == "folder":
        d = folder / "dump"
        d.mkdir()
        (d / f"a{suffix}").write_bytes(data)
        png = rng.random() < 0.7
        (d / "b.txt").write_bytes(BINARY if png else bytes(rng.randrange(256) for _ in range(300)))
        (d / "c.jsonl").write_bytes(data[: len(data) // 2])
        (d / "photo.png").write_bytes(BINARY)
        return str(d), f"folder({suffix})"
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    return str(path), suffix


def runner_check(path: str, folder: Path, options: Options, cli: bool) -> tuple[str, BaseException, Any] | None:
    out, rej, st = folder / "out.jsonl", folder / "rejects.jsonl", folder / "stats.json"
    for p in (out, rej, st):
        if p.exists():
            p.unlink()
    size = sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) if os.path.isdir(path) \
        else os.path.getsize(path)
    limit = HANG_S + size / SLOW_CHARS_PER_S
    try:
        if cli:
            from click.testing import CliRunner

            from newsclean.cli import main

            args = ["clean", path, "-o", str(out), "--rejects", str(rej), "--stats", str(st), "--no-progress"]
            if options.mark:
                args.append("--mark")
            if not options.t2s:
                args.append("--no-t2s")
            res = guarded(CliRunner().invoke, main, args, limit=limit)
            assert "Traceback" not in res.output, f"traceback in the command's output: {res.output[-300:]}"
            assert res.exit_code == 0, f"exit status {res.exit_code}: {res.output.strip()[-300:]}"
            stats = json.loads(st.read_text(encoding="utf-8"))
        else:
            config = RunConfig(inputs=(path,), output=str(out), rejects=str(rej), stats=str(st), options=options)
            stats = guarded(run, config, limit=limit).to_json()
    except Hang as exc:
        return "hang", exc, exc.__traceback__
    except AssertionError as exc:
        return _check_label(exc, str(exc)), exc, exc.__traceback__
    except Exception as exc:  # noqa: BLE001
        return "crash", exc, exc.__traceback__
    try:
        assert stats["records_in"] == stats["written"] + stats["duplicates"] + stats["rejected"], \
            f"books do not balance: {stats}"
        out_lines = out.read_bytes().splitlines()
        rej_lines = rej.read_bytes().splitlines()
        assert len(out_lines) == stats["written"], f"output lines {len(out_lines)} != written {stats['written']}"
        assert len(rej_lines) == stats["rejected"], f"rejects lines {len(rej_lines)} != rejected {stats['rejected']}"
        internal = [json.loads(x)["reason"] for x in rej_lines if b"internal-error" in x]
        assert not internal, f"internal-error reject: {internal[0][:200]}"
        recs = [u for u in read_records([path], ReadOptions()) if isinstance(u, Record)]
        assert len(recs) == len(out_lines), f"reader records {len(recs)} != output lines {len(out_lines)}"
        for rec, line in zip(recs, out_lines):
            obj = json.loads(line)
            check_maps_back(rec.text, obj, mark=options.mark, t2s=options.t2s)
            check_gains_nothing(rec.text, obj["text"], mark=options.mark, t2s=options.t2s)
    except AssertionError as exc:
        return _check_label(exc, str(exc)), exc, exc.__traceback__
    except Exception as exc:  # noqa: BLE001
        return "check-crash", exc, exc.__traceback__
    return None


# ----------------------------------------------------------------------------- shrinking

def _shrink(seq, still_fails: Callable[[Any], bool], budget_s: float):
    """ddmin-style: drop chunks (halves, quarters, ... single items) while the same failure persists."""
    deadline = time.monotonic() + budget_s
    n = 2
    while len(seq) >= 1 and time.monotonic() < deadline:
        chunk = max(1, len(seq) // n)
        progressed = False
        i = 0
        while i < len(seq) and time.monotonic() < deadline:
            candidate = seq[:i] + seq[i + chunk:]
            if candidate != seq and still_fails(candidate):
                seq = candidate
                progressed = True
            else:
                i += chunk
        if not progressed:
            if chunk == 1:
                break
            n = min(len(seq), n * 2)
        else:
            n = max(2, n - 1)
    return seq


def shrink_library(f: Failure, budget_s: float) -> None:
    text, options = f.reproducer
    sig = (f.check, f.exc_type, f.where)

    def fails(t: str) -> bool:
        got = library_check(t, options)
        return got is not None and (_label(got), type(got[1]).__name__, _where(got[2])) == sig

    lines = text.split("\n")
    if len(lines) > 1:
        lines = _shrink(lines, lambda ls: fails("\n".join(ls)), budget_s / 2)
    text = _shrink("\n".join(lines), fails, budget_s / 2)
    f.reproducer = (text, options)


def _label(got) -> str:
    return got[0]


def shrink_runner(f: Failure, folder: Path, budget_s: float) -> None:
    suffix, data, options, cli = f.reproducer
    if suffix.startswith("folder") or f.check == "hang":
        return  # folders are kept whole; a hang takes too long to shrink
    sig = (f.check, f.exc_type)
    work = folder / "shrink"

    def fails(b: bytes) -> bool:
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        p = work / f"input{suffix}"
        p.write_bytes(b)
        got = runner_check(str(p), work, options, cli)
        return got is not None and (got[0], type(got[1]).__name__) == sig

    if data[:2] != b"\x1f\x8b":
        lines = data.split(b"\n")
        if len(lines) > 1:
            data = b"\n".join(_shrink(lines, lambda ls: fails(b"\n".join(ls)), budget_s / 2))
    data = _shrink(data, fails, budget_s / 2)
    f.reproducer = (suffix, data, options, cli)


# ----------------------------------------------------------------------------- the campaign

@dataclass
class Campaign:
    seed: int
    out_dir: Path
    failures: dict[tuple, Failure] = field(default_factory=dict)
    tried: Counter = field(default_factory=Counter)
    failed_inputs: Counter = field(default_factory=Counter)
    texts: int = 0
    slowest: list[tuple[float, int, str, int]] = field(default_factory=list)
    lowest_rate: list[tuple[float, int, str, int]] = field(default_factory=list)  # chars/s, inputs of 10k+ chars

    def record(self, lane, i, mutation, got, reproducer) -> None:
        check, exc, tb = got
        where = _where(tb)
        key = (lane, check, type(exc).__name__, where, _signature_message(str(exc)) if check == "crash" else "")
        f = self.failures.get(key)
        if f is None:
            f = self.failures[key] = Failure(lane, check, type(exc).__name__, str(exc).split("\n")[0][:300], where,
                                             i, mutation, reproducer=reproducer)
            if os.environ.get("FUZZ_TRACEBACKS"):
                traceback.print_exception(type(exc), exc, tb)
        f.count += 1


def library_lane(c: Campaign, count: int, seeds, time_limit: float, only: int | None) -> None:
    clean("园区总投资亿元，同比增长%。\n园区总投资亿元，同比增长%。")  # compile the rules and kernels before timing
    t_end = time.monotonic() + time_limit
    for i in range(count) if only is None else [only]:
        if time.monotonic() > t_end:
            print(f"library lane stopped by the time limit after {i} inputs", file=sys.stderr)
            break
        kind, seed_kind, data, rng = make_input(c.seed, i, seeds)
        how, texts = texts_for_library(rng, seed_kind, data)
        options = library_options(rng)
        c.tried[("lib", kind)] += 1
        bad = False
        for text in texts:
            c.texts += 1
            t0 = time.perf_counter()
            got = library_check(text, options)
            dt = time.perf_counter() - t0
            c.slowest.append((dt, i, kind, len(text)))
            if len(text) >= 10_000:
                c.lowest_rate.append((len(text) / max(dt, 1e-9), i, kind, len(text)))
            if only is not None:
                print(f"input {i}: {kind} on {seed_kind}, decoded {how}, options {options}, {len(text)} chars, "
                      f"{dt:.2f}s -> {'ok' if got is None else got[0] + ': ' + repr(got[1])}")
            if got is not None:
                c.record("lib", i, kind, got, (text, options))
                bad = True
            elif dt > SLOW_S + len(text) / SLOW_CHARS_PER_S:
                c.record("lib", i, kind, ("slow", TimeoutError(f"clean took {dt:.1f}s on {len(text)} chars"), None),
                         (text, options))
                bad = True
        if bad:
            c.failed_inputs[("lib", kind)] += 1
        if len(c.slowest) > 200:
            c.slowest = sorted(c.slowest, reverse=True)[:10]
        if len(c.lowest_rate) > 200:
            c.lowest_rate = sorted(c.lowest_rate)[:10]
        if (i + 1) % 1000 == 0:
            print(f"  {i + 1} library inputs, {sum(f.count for f in c.failures.values())} failures", file=sys.stderr)


def runner_lane(c: Campaign, count: int, seeds, cli_every: int, only: int | None) -> None:
    for i in range(count) if only is None else [only]:
        kind, seed_kind, data, rng = make_input(c.seed, i, seeds, lane="run")
        options = Options(t2s=rng.random() < 0.7, mark=rng.random() < 0.3)
        cli = cli_every > 0 and i % cli_every == 0
        lane = "cli" if cli else "run"
        folder = Path(tempfile.mkdtemp(prefix="run-", dir=c.out_dir / "work"))
        try:
            path, container = runner_input(rng, seed_kind, data, folder / "in")
            c.tried[(lane, kind)] += 1
            got = runner_check(path, folder, options, cli)
            if only is not None:
                print(f"runner input {i}: {kind} on {seed_kind} as {container}, cli={cli} -> "
                      f"{'ok' if got is None else got[0] + ': ' + repr(got[1])}")
            if got is not None:
                suffix = container if container.startswith("folder") else Path(path).name[len("input"):]
                blob = data if not container.startswith("folder") else b""
                if not container.startswith("folder"):
                    blob = Path(path).read_bytes()
                c.record(lane, i, kind, got, (suffix, blob, options, cli))
                c.failed_inputs[(lane, kind)] += 1
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def save(c: Campaign, shrink_budget: float) -> None:
    for n, f in enumerate(sorted(c.failures.values(), key=lambda f: (f.lane, f.first)), 1):
        if f.lane == "lib":
            if f.check not in ("slow", "hang"):
                shrink_library(f, shrink_budget)
            text, options = f.reproducer
            path = c.out_dir / f"lib-{n:02d}.json"
            path.write_text(json.dumps({"text": text, "options": {k: list(v) if isinstance(v, tuple) else v
                                                                  for k, v in options.items()},
                                        "check": f.check, "error": f"{f.exc_type}: {f.message}"}) + "\n",
                            encoding="ascii")
        else:
            work = c.out_dir / "work" / f"shrink-{n}"
            shrink_runner(f, work, shrink_budget)
            shutil.rmtree(work, ignore_errors=True)
            suffix, data, options, cli = f.reproducer
            path = c.out_dir / f"run-{n:02d}{suffix if not suffix.startswith('folder') else '.folder'}"
            path.write_bytes(data)
        f.saved = str(path)


def report(c: Campaign, elapsed: float) -> None:
    print(f"\nfuzz campaign, seed {c.seed}: {elapsed:.0f}s")
    for lane in ("lib", "run", "cli"):
        kinds = {k: n for (l, k), n in c.tried.items() if l == lane}
        if not kinds:
            continue
        total = sum(kinds.values())
        bad = sum(n for (l, _), n in c.failed_inputs.items() if l == lane)
        extra = f" ({c.texts} texts)" if lane == "lib" else ""
        print(f"\n{lane}: {total} inputs{extra}, {bad} failed")
        print("  " + ", ".join(f"{k} {kinds[k]}" + (f" ({c.failed_inputs[(lane, k)]} failed)"
                                                      if c.failed_inputs[(lane, k)] else "")
                               for k in KINDS if k in kinds))
    if c.slowest:
        slow = sorted(c.slowest, reverse=True)[:3]
        print("\nslowest library calls: " + ", ".join(f"{dt:.2f}s (input {i}, {k}, {n} chars)" for dt, i, k, n in slow))
    if c.lowest_rate:
        low = sorted(c.lowest_rate)[:3]
        print("lowest throughput (inputs of 10k+ characters): "
              + ", ".join(f"{r / 1000:.0f}k chars/s (input {i}, {k}, {n} chars)" for r, i, k, n in low))
    print(f"\ndistinct failures: {len(c.failures)}")
    for f in sorted(c.failures.values(), key=lambda f: (f.lane, f.first)):
        print(f"- [{f.lane}] {f.check} {f.exc_type} at {f.where}: {f.message[:200]}")
        what = "text(s) cleaned" if f.lane == "lib" else "input(s)"  # a JSONL input gives up to three texts
        print(f"    {f.count} {what}, first: input {f.first} ({f.mutation}); reproducer {f.saved}")


def replay(path: Path) -> int:
    saved = json.loads(path.read_text(encoding="utf-8"))
    options = {k: tuple(v) if isinstance(v, list) else v for k, v in saved["options"].items()}
    got = library_check(saved["text"], options)
    print(f"{path}: {len(saved['text'])} chars, options {options}: "
          + ("ok" if got is None else f"{got[0]}: {type(got[1]).__name__}: {got[1]}"))
    if got is not None and os.environ.get("FUZZ_TRACEBACKS"):
        traceback.print_exception(type(got[1]), got[1], got[2])
    return 0 if got is None else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=2000, help="library inputs")
    ap.add_argument("--runner-count", type=int, default=100, help="inputs through the reader and runner")
    ap.add_argument("--cli-every", type=int, default=5, help="every Nth runner input goes through the command")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=780.0, help="seconds for the library lane")
    ap.add_argument("--shrink-seconds", type=float, default=10.0, help="per distinct failure")
    ap.add_argument("--only", type=int, help="run input number ONLY of each lane and describe it")
    ap.add_argument("--out", help="where reproducers go (default: a new temp folder)")
    ap.add_argument("--replay", metavar="FILE", help="check one saved lib-*.json reproducer and say what happens")
    args = ap.parse_args(argv)
    if args.replay:
        return replay(Path(args.replay))
    out_dir = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="newsclean-fuzz-"))
    (out_dir / "work").mkdir(parents=True, exist_ok=True)
    c = Campaign(args.seed, out_dir)
    seeds = seed_inputs()
    t0 = time.monotonic()
    library_lane(c, args.count, seeds, args.time_limit, args.only)
    runner_lane(c, args.runner_count, seeds, args.cli_every, args.only)
    save(c, args.shrink_seconds)
    shutil.rmtree(out_dir / "work", ignore_errors=True)
    report(c, time.monotonic() - t0)
    print(f"\nreproducers in {out_dir}")
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
