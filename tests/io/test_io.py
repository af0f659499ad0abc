"""Reading dirty dumps: every input unit comes out as exactly one Record or one Reject with its reason.

The dumps are built at test time from the two real seeds (paragraphs as JSONL records), then damaged the
way real dumps are: cut-off archives, flipped bits, NUL padding, GB18030 pages, binary files in the folder.
"""
from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import sys
from pathlib import Path

import pytest
import zstandard

from newsclean.io import (AtomicWriter, InputError, ReadOptions, Record, Reject, decode, expand_inputs,
                          read_records, sniff_binary)

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
FARM = (SEEDS / "000_60035c6ea5fcc52a.txt").read_text(encoding="utf-8")
PAPER = (SEEDS / "003_cf3835190f9bf901.txt").read_text(encoding="utf-8")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"


def paragraphs(text: str = FARM + "\n" + PAPER) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def jsonl_bytes(texts: list[str], start: int = 0) -> bytes:
    return b"".join(json.dumps({"id": f"p{start + i}", "text": t, "site": "红网"}, ensure_ascii=False).encode() + b"\n"
                    for i, t in enumerate(texts))


def units(*paths, **options) -> list[Record | Reject]:
    return list(read_records([str(p) for p in paths], ReadOptions(**options)))


def records(us) -> list[Record]:
    return [u for u in us if isinstance(u, Record)]


def rejects(us) -> list[Reject]:
    return [u for u in us if isinstance(u, Reject)]


# ----------------------------------------------------------------------------- compressed dumps cut short

def big_jsonl() -> tuple[bytes, list[str]]:
    """~1.2 MB of records: several zstd and bzip2 blocks, so that a cut leaves whole records before it."""
    texts = [p for _ in range(40) for p in paragraphs()]
    return jsonl_bytes(texts), texts


@pytest.mark.parametrize("suffix,compress", [
    (".jsonl.gz", gzip.compress),
    (".jsonl.zst", lambda b: zstandard.ZstdCompressor(level=3).compress(b)),
    (".jsonl.bz2", bz2.compress),
    (".jsonl.xz", lzma.compress),
])
def test_a_truncated_archive_keeps_every_record_before_the_break_then_reports_it(tmp_path, suffix, compress):
    data, texts = big_jsonl()
    packed = compress(data)
    path = tmp_path / f"dump{suffix}"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    out = units(path)
    kept = records(out)
    assert len(kept) > 0, "the records before the break must be kept"
    assert [r.text for r in kept] == texts[: len(kept)]  # exactly the first records, in order, intact
    assert isinstance(out[-1], Reject) and out[-1].reason.startswith("truncated-input")
    assert len(rejects(out)) == 1  # the break is one unit
    # The reject carries the record that was cut in two: the start of the next record's line.
    nxt = json.dumps({"id": f"p{len(kept)}", "text": texts[len(kept)], "site": "红网"}, ensure_ascii=False)
    cut = out[-1].raw.split("\\x")[0]  # a character cut in two is escaped as \xNN
    assert nxt.startswith(cut) and out[-1].source.endswith(f":{len(kept) + 1}")


def test_a_gzip_with_a_damaged_checksum_keeps_the_records_it_decompressed(tmp_path):
    data = jsonl_bytes(paragraphs()[:12])
    packed = bytearray(gzip.compress(data))
    packed[-6] ^= 0xFF  # the CRC32 in the trailer: every byte of text decompresses, then the check fails
    path = tmp_path / "dump.jsonl.gz"
    path.write_bytes(bytes(packed))
    out = units(path)
    assert [r.text for r in records(out)] == paragraphs()[:12]
    assert out[-1].reason.startswith("corrupt-input: gzip")


def test_the_compression_is_read_from_the_bytes_not_the_name(tmp_path):
    texts = paragraphs()[:5]
    (tmp_path / "a.jsonl").write_bytes(gzip.compress(jsonl_bytes(texts)))  # gzip without .gz
    (tmp_path / "b.jsonl.gz").write_bytes(jsonl_bytes(texts))  # plain text with .gz
    members = gzip.compress(jsonl_bytes(texts[:2])) + gzip.compress(jsonl_bytes(texts[2:], start=2))
    (tmp_path / "c.jsonl.gz").write_bytes(members + b"\x00" * 512)  # two members, then zero padding
    for name in ("a.jsonl", "b.jsonl.gz", "c.jsonl.gz"):
        out = units(tmp_path / name)
        assert [r.text for r in out] == texts, name


def test_a_truncated_text_archive_is_one_reject_not_a_cut_off_document(tmp_path):
    packed = gzip.compress(FARM.encode())
    (tmp_path / "page.txt.gz").write_bytes(packed[:-40])
    [unit] = units(tmp_path / "page.txt.gz")
    assert isinstance(unit, Reject) and unit.reason.startswith("truncated-input")
    assert FARM.startswith(unit.raw[:500])


# ----------------------------------------------------------------------------- encodings

def test_a_gb18030_text_file_is_decoded_and_says_so(tmp_path):
    (tmp_path / "page.txt").write_bytes(FARM.encode("gb18030"))
    [record] = units(tmp_path / "page.txt")
    assert isinstance(record, Record)
    assert record.text == FARM and record.encoding == "gb18030"


def test_a_gb18030_jsonl_line_among_utf8_lines(tmp_path):
    lines = jsonl_bytes(paragraphs()[:3]).splitlines(keepends=True)
    lines[1] = lines[1].decode().encode("gb18030")
    (tmp_path / "mixed.jsonl").write_bytes(b"".join(lines))
    out = units(tmp_path / "mixed.jsonl")
    assert [r.text for r in out] == paragraphs()[:3]
    assert [r.encoding for r in out] == ["utf-8", "gb18030", "utf-8"]


def test_utf8_with_a_flipped_bit_stays_utf8_with_a_replacement_character(tmp_path):
    data = bytearray(FARM.encode())
    pos = FARM.encode().index("吴桂英".encode()) + 1  # a continuation byte in the middle of 吴
    data[pos] ^= 0x40
    (tmp_path / "page.txt").write_bytes(bytes(data))
    [record] = units(tmp_path / "page.txt")
    assert record.encoding == "utf-8-replaced"
    assert "\ufffd" in record.text and "桂英主持召开" in record.text
    # everything but the damaged character reads as it was (no GB18030 mojibake from end to end)
    assert record.text.replace("\ufffd", "") .startswith(FARM[: FARM.index("吴桂英")])
    assert len(record.text) >= len(FARM) - 1


def test_bytes_that_are_no_known_encoding_are_rejected_with_the_raw_bytes_escaped(tmp_path):
    (tmp_path / "bad.jsonl").write_bytes(b'{"id": "x", "text": "\xff\xfe\xff\xfe"}\n')
    [unit] = units(tmp_path / "bad.jsonl")
    assert unit.reason == "invalid-encoding: not UTF-8 nor gb18030"
    assert unit.raw == '{"id": "x", "text": "\\xff\\xfe\\xff\\xfe"}'
    assert unit.source.endswith("bad.jsonl:1")


def test_decode_prefers_utf8_then_utf16_bom_then_gb18030():
    opts = ReadOptions()
    assert decode("浏阳".encode(), opts) == ("浏阳", "utf-8")
    assert decode("\ufeff浏阳".encode(), opts) == ("浏阳", "utf-8")
    assert decode("浏阳".encode("utf-16"), opts) == ("浏阳", "utf-16")
    assert decode("浏阳经开区".encode("gb18030"), opts) == ("浏阳经开区", "gb18030")
    assert decode(b"\xff\xff\xff", opts) is None


# ----------------------------------------------------------------------------- NULs and odd JSON

def test_nul_bytes(tmp_path):
    texts = paragraphs()[:4]
    lines = jsonl_bytes(texts).splitlines(keepends=True)
    dump = (b"\x00" * 300 + lines[0]  # a crashed writer's zero block glued to the next line
            + b"\x00" * 40 + b"\n"  # a line of nothing but NULs
            + lines[1][:20] + b"\x00" + lines[1][20:]  # a NUL inside a JSON line
            + json.dumps({"id": "esc", "text": "增长\u0000\u000035%"}).encode() + b"\n"  # \u0000 escapes
            + lines[2] + lines[3])
    (tmp_path / "nul.jsonl").write_bytes(dump)
    out = units(tmp_path / "nul.jsonl")
    assert [type(u).__name__ for u in out] == ["Record", "Reject", "Reject", "Record", "Record", "Record"]
    assert out[0].text == texts[0]  # padding around a line is stripped like whitespace
    assert out[1].reason.startswith("nul-bytes: a line of 40 NUL bytes")
    assert out[2].reason == "nul-bytes: 1 NUL byte(s) inside the JSON line"
    assert out[3].text == "增长\x00\x0035%"  # kept as the JSON says; normalisation drops them, mapped
    assert [u.text for u in out[4:]] == texts[2:]


def test_lone_surrogate_escapes_become_replacement_characters_one_for_one(tmp_path):
    (tmp_path / "s.jsonl").write_text('{"id": "s\\udc80", "text": "青\\ud800睐。", "tags": ["\\udfff"]}\n')
    [record] = units(tmp_path / "s.jsonl")
    assert record.text == "青\ufffd睐。" and len(record.text) == 4
    assert record.id == "s\ufffd" and record.fields["tags"] == ["\ufffd"]
    json.dumps(record.fields, ensure_ascii=False).encode("utf-8")  # writable as UTF-8


@pytest.mark.parametrize("line,reason", [
    ('{"id": "a", "text": "浏阳经开区', "broken-json: Unterminated string"),
    ('["浏阳", "经开区"]', "broken-json: line is a JSON list, not an object"),
    ('"浏阳经开区"', "broken-json: line is a JSON str, not an object"),
    ('{"id": "a", "body": "浏阳经开区"}', "missing-field: no 'text'"),
    ('{"id": "a", "text": null}', "bad-field: 'text' is null, not a string"),
    ('{"id": "a", "text": 2024}', "bad-field: 'text' is int, not a string"),
    ('{"id": "a", "text": ["浏阳"]}', "bad-field: 'text' is list, not a string"),
    ('{"id": "a", "text": " \\n\\t\\u3000"}', "empty-document"),
    ('{"id": "a", "text": "\\u200b\\u0000\\ufeff"}', "empty-document"),
    ('[' * 100_000 + ']' * 100_000, "broken-json: nested too deeply"),
    ('{"id": 1, "n": ' + "9" * 5000 + '}', "broken-json"),
])
def test_lines_that_cannot_be_documents_are_rejected_with_the_reason(tmp_path, line, reason):
    good = jsonl_bytes(paragraphs()[:1])
    (tmp_path / "d.jsonl").write_bytes(good + line.encode() + b"\n" + good)
    out = units(tmp_path / "d.jsonl")
    assert [type(u).__name__ for u in out] == ["Record", "Reject", "Record"]
    assert out[1].reason.startswith(reason)
    assert out[1].source.endswith("d.jsonl:2")
    assert out[1].raw == line[:100_000]


def test_the_text_and_id_fields_can_be_named(tmp_path):
    (tmp_path / "d.jsonl").write_text(json.dumps({"url": "u1", "content": FARM}, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    [record] = units(tmp_path / "d.jsonl", text_field="content", id_field="url")
    assert record.id == "u1" and record.text == FARM and record.fields == {"url": "u1"}


# ----------------------------------------------------------------------------- size caps

def test_a_huge_line_is_skipped_without_losing_the_lines_after_it(tmp_path):
    texts = paragraphs()[:3]
    huge = json.dumps({"id": "huge", "text": "浏阳" * 20_000}, ensure_ascii=False).encode() + b"\n"
    (tmp_path / "d.jsonl").write_bytes(jsonl_bytes(texts[:1]) + huge + jsonl_bytes(texts[1:], start=1))
    out = units(tmp_path / "d.jsonl", max_chars=1000)  # lines over 6 * 1000 + 1 MiB bytes are not even read
    assert [type(u).__name__ for u in out] == ["Record", "Reject", "Record", "Record"]
    assert out[1].reason == "too-large: 40000 characters (limit 1000)" and out[1].id == "huge"
    over = 1 << 20
    (tmp_path / "e.jsonl").write_bytes(b'{"text": "' + b"a" * (over + 7000) + b'"}\n' + jsonl_bytes(texts[:1]))
    out = units(tmp_path / "e.jsonl", max_chars=1000)
    assert out[0].reason.startswith("too-large: line of") and out[0].extra["raw_bytes"] == over + 7013
    assert [r.text for r in records(out)] == texts[:1]


def test_a_text_file_over_the_cap_is_rejected(tmp_path):
    (tmp_path / "big.txt").write_text(FARM * 3, encoding="utf-8")
    [unit] = units(tmp_path / "big.txt", max_chars=len(FARM))
    assert unit.reason.startswith("too-large")
    [unit] = units(tmp_path / "big.txt", max_chars=len(FARM) * 3)
    assert isinstance(unit, Record)


# ----------------------------------------------------------------------------- folders, binary files, paths

def test_a_folder_with_binary_and_unknown_files(tmp_path):
    d = tmp_path / "dump"
    (d / "sub").mkdir(parents=True)
    (d / "b.txt").write_text(PAPER, encoding="utf-8")
    (d / "a.jsonl").write_bytes(jsonl_bytes(paragraphs()[:2]))
    (d / "photo.png").write_bytes(PNG)  # a binary file with its real name: unknown kind
    (d / "sub" / "photo.txt").write_bytes(PNG)  # the same bytes named as text
    (d / "sub" / "photo.jsonl").write_bytes(PNG + os.urandom(64))
    (d / ".hidden.jsonl").write_bytes(jsonl_bytes(paragraphs()[:1]))
    out = units(d)
    summary = [(Path(u.source.split(":")[0]).name, u.reason.split(":")[0] if isinstance(u, Reject) else "ok")
               for u in out]
    assert summary == [("a.jsonl", "ok"), ("a.jsonl", "ok"), ("b.txt", "ok"), ("photo.png", "unknown-kind"),
                       ("photo.jsonl", "binary-file"), ("photo.txt", "binary-file")]
    assert out[-1].reason == "binary-file: PNG image"


def test_a_link_loop_in_a_folder_is_walked_once(tmp_path):
    d = tmp_path / "dump"
    d.mkdir()
    (d / "a.txt").write_text(FARM, encoding="utf-8")
    (d / "loop").symlink_to(d, target_is_directory=True)
    assert [u.text for u in units(d)] == [FARM]


def test_named_paths_that_cannot_be_read_fail_fast(tmp_path):
    (tmp_path / "a.txt").write_text(FARM, encoding="utf-8")
    (tmp_path / "photo.png").write_bytes(PNG)
    with pytest.raises(InputError, match="no such file or folder"):
        expand_inputs([str(tmp_path / "missing.jsonl")])
    with pytest.raises(InputError, match="a.txt/x.jsonl: Not a directory"):
        expand_inputs([str(tmp_path / "a.txt" / "x.jsonl")])
    with pytest.raises(InputError, match="unknown input kind"):
        expand_inputs([str(tmp_path / "photo.png")])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_fails_fast_when_named_and_is_a_reject_in_a_folder(tmp_path):
    d = tmp_path / "dump"
    d.mkdir()
    locked = d / "locked.txt"
    locked.write_text(FARM, encoding="utf-8")
    locked.chmod(0)
    with pytest.raises(InputError, match="permission denied"):
        expand_inputs([str(locked)])
    [unit] = units(d)
    assert unit.reason.startswith("unreadable")


def test_the_runs_own_files_are_not_read_back_from_an_input_folder(tmp_path):
    (tmp_path / "a.txt").write_text(FARM, encoding="utf-8")
    (tmp_path / "out.jsonl").write_text("{}\n", encoding="utf-8")
    found = expand_inputs([str(tmp_path)], exclude=[str(tmp_path / "out.jsonl")])
    assert [Path(s.path).name for s in found] == ["a.txt"]


def test_stdin_jsonl_text_and_gzip(monkeypatch):
    def from_stdin(data: bytes) -> list[Record | Reject]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        return units("-")

    texts = paragraphs()[:3]
    assert [r.text for r in from_stdin(jsonl_bytes(texts))] == texts
    assert [r.source for r in from_stdin(jsonl_bytes(texts))] == ["<stdin>:1", "<stdin>:2", "<stdin>:3"]
    [page] = from_stdin(FARM.encode())
    assert page.text == FARM and page.id == "<stdin>"
    assert [r.text for r in from_stdin(gzip.compress(jsonl_bytes(texts)))] == texts
    [empty] = from_stdin(b"")
    assert empty.reason == "empty-document"


def test_sniff_binary():
    assert sniff_binary(PNG) == "PNG image"
    assert sniff_binary(b"%PDF-1.7\n...") == "PDF document"
    assert sniff_binary(FARM.encode()[:8192]) is None
    assert sniff_binary(FARM.encode("gb18030")[:8192]) is None
    assert sniff_binary(b"\x00" * 4096 + FARM.encode()[:4096]) is None  # NUL padding is damage, not binary
    assert sniff_binary(bytes(range(32)) * 100) == "binary data (control bytes)"
    assert sniff_binary(b'{"text": "a"}\n' + bytes(range(32)) * 100, jsonl=True) is None


# ----------------------------------------------------------------------------- atomic writes

def test_atomic_writer_leaves_nothing_behind_when_interrupted(tmp_path):
    target = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        with AtomicWriter(target) as fh:
            fh.write("浏阳\n")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with AtomicWriter(target) as fh:
            fh.write("new\n")
            raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old\n"
    with AtomicWriter(target) as fh:
        fh.write("浏阳经开区\n")
    assert target.read_text(encoding="utf-8") == "浏阳经开区\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]
    assert target.stat().st_mode & 0o044  # readable by others as usual, not mkstemp's 0600
