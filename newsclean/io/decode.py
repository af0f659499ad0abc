"""Bytes to text: the encodings tried in order, lone surrogates, and sniffing binary and compressed data."""
from __future__ import annotations

import codecs
import re
from typing import Any

from .records import RAW_LIMIT, SNIFF_BYTES, ReadOptions

# ----------------------------------------------------------------------------- decoding

_HIGH_BYTES = bytes(range(0x80, 0x100))


def _utf8_damage(data: bytes) -> int:
    """How many invalid sequences decoding `data` as UTF-8 meets."""
    return data.decode("utf-8", errors="replace").count("\ufffd") - data.count(b"\xef\xbf\xbd")


def decode(data: bytes, options: ReadOptions) -> tuple[str, str] | None:
    """Decode bytes: UTF-8 (BOM allowed), UTF-16 with a BOM, lightly damaged UTF-8, then the fallback
    encodings; returns (text, encoding) or None."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    # UTF-8 with a flipped bit or a cut character is still UTF-8: GB18030 would "decode" it into mojibake
    # from end to end. Text in another encoding fails on most of its non-ASCII bytes, damaged UTF-8 on few.
    non_ascii = len(data) - len(data.translate(None, _HIGH_BYTES))
    damage = _utf8_damage(data)
    if damage * 30 <= non_ascii:
        text = data.decode("utf-8", errors="replace")
        return (text[1:] if text.startswith("\ufeff") else text), "utf-8-replaced"
    big5 = _as_big5(data)
    if big5 is not None:
        return big5, "big5"
    for enc in options.fallback_encodings:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _as_big5(data: bytes) -> str | None:
    """The text of Big5 bytes, or None. GB18030 decodes almost any byte string, Big5 pages into mojibake, so
    bytes that are valid Big5 too are given to chardet to tell the two apart (GBK/GB18030 text of any length
    nearly always holds a trail byte Big5 lacks, so chardet seldom runs)."""
    try:
        text = data.decode("cp950")
    except UnicodeDecodeError:
        return None
    import chardet

    guess = (chardet.detect(data).get("encoding") or "").lower()
    return text if guess in ("big5", "cp950", "big5hkscs", "big5-hkscs") else None


def lenient(data: bytes, limit: int = RAW_LIMIT) -> str:
    """Bytes for the rejects file (without the line break): UTF-8 where they are, `\\xNN` escapes where not."""
    if data.endswith(b"\n"):
        data = data[:-2] if data.endswith(b"\r\n") else data[:-1]
    return data[:limit].decode("utf-8", errors="backslashreplace")


def raw_extra(size: int, kept: int) -> dict[str, Any]:
    return {"raw_bytes": size} if size > kept else {}


SURROGATE_ESCAPE = "\\ud"


def has_lone_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_surrogates(text: str) -> tuple[str, int]:
    """`text` with each lone surrogate replaced by U+FFFD, one for one (so every offset stays), and how many.

    >>> replace_surrogates("江\\ud800城\\udfff")
    ('江\\ufffd城\\ufffd', 2)
    """
    return LONE_SURROGATE.subn("\ufffd", text)


def fix_surrogates(value: Any) -> Any:
    """Replace lone surrogates (legal in JSON, impossible in UTF-8) by U+FFFD, one for one.

    >>> fix_surrogates({"text": "江\\ud800城", "n": 1})
    {'text': '江\\ufffd城', 'n': 1}
    """
    if isinstance(value, str):
        if not has_lone_surrogate(value):
            return value
        return replace_surrogates(value)[0]
    if isinstance(value, dict):
        return {fix_surrogates(k): fix_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [fix_surrogates(v) for v in value]
    return value


# ----------------------------------------------------------------------------- sniffing

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"), (b"%PDF-", "PDF document"), (b"PK\x03\x04", "ZIP archive"),
    (b"\x7fELF", "ELF executable"), (b"Rar!\x1a\x07", "RAR archive"), (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"\x00\x00\x01\x00", "icon"), (b"RIFF", "RIFF media"), (b"OggS", "Ogg media"),
    (b"fLaC", "FLAC audio"), (b"ID3", "MP3 audio"), (b"\x1aE\xdf\xa3", "Matroska video"),
    (b"SQLite format 3\x00", "SQLite database"), (b"\xd0\xcf\x11\xe0", "MS Office document"),
    (b"wOFF", "web font"), (b"wOF2", "web font"),
)
_COMPRESSION: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"), (b"\x28\xb5\x2f\xfd", "zstd"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"),
)
# Control bytes that text does not contain (tab, newlines, form feed and escape are allowed).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"


def sniff_binary(head: bytes, jsonl: bool = False) -> str | None:
    """What a file is if its first bytes say it is not text (None when it may be text).

    A JSONL file whose first line opens a JSON object is read line by line even if NULs or control bytes
    follow (each damaged line is its own reject); only a file that does not start like JSONL and is full of
    control bytes is binary as a whole.
    """
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return None
    sample = head[:SNIFF_BYTES].strip(b"\x00")  # NUL padding at either end is damage, not binary content
    if not sample:
        return None
    if jsonl and sample.lstrip(b"\t\r\n \xef\xbb\xbf").startswith(b"{"):
        return None
    control = len(sample) - len(sample.translate(None, _CONTROL))
    if control * 20 > len(sample) or sample.count(b"\x00") * 100 > len(sample):
        return "binary data (control bytes)"
    return None


def compression_of_bytes(head: bytes) -> str | None:
    for magic, name in _COMPRESSION:
        if head.startswith(magic):
            return name
    return None
