"""Show one document's raw text with what cleaning removed and flagged, and why (for `newsclean explain`)."""
from __future__ import annotations

from typing import Any

import click

from .pipeline import Result
from .stages import rejoin, repeats

_STYLE = {
    "chrome": {"fg": "red", "strikethrough": True},
    "repeat": {"fg": "yellow", "strikethrough": True},
}


def render(raw: str, result: Result, color: bool = True) -> str:
    """The raw text with removed spans struck through (red: chrome, yellow: repeat) and flagged gaps marked
    `〔?〕` in magenta, followed by a legend listing every removal and flag with its rule."""
    events: list[tuple[int, int, str, dict[str, Any]]] = []
    for r in result.removed:
        events.append((r["raw_start"], r["raw_end"], "removed", r))
    for a in result.annotations:
        events.append((a["raw_start"], a["raw_end"], "flag", a))
    events.sort(key=lambda e: (e[0], e[2] != "removed"))
    out: list[str] = []
    pos = 0
    style = (lambda s, **kw: click.style(s, **kw)) if color else (lambda s, **kw: s)
    notes: list[str] = []
    for start, end, kind, item in events:
        if start < pos:
            continue
        out.append(raw[pos:start])
        n = len(notes) + 1
        if kind == "removed":
            out.append(style(raw[start:end], **_STYLE.get(item["reason"], {"fg": "red"})))
            out.append(style(f"[{n}]", fg="cyan"))
            dup = f", repeats paragraph {item['duplicate_of']['paragraph']}" if "duplicate_of" in item else ""
            what = item["text"][:60] if item["text"].strip() else "a line break (the paragraphs around it are joined)"
            why = _why(item)
            notes.append(f"[{n}] removed {item['reason']} by {item['rule']}{dup}: {what}" + (f"  ({why})" if why else ""))
            pos = end
        else:
            out.append(style("〔?〕", fg="magenta", bold=True))
            out.append(style(f"[{n}]", fg="cyan"))
            notes.append(f"[{n}] missing number before {raw[start:end]!r} ({item['rule']})")
            pos = start
    out.append(raw[pos:])
    notes.extend(_kept_apart(result.counts))
    meta = "".join(f"\n  {k}: {v}" for k, v in result.metadata.items())
    legend = "\n".join(notes)
    return "".join(out) + "\n\n" + "-" * 40 + "\n" + legend + ("\nmetadata:" + meta if meta else "") + "\n"


def _why(removal: dict[str, Any]) -> str | None:
    """What a repeat or a joined line break's rule means."""
    if removal["reason"] == "repeat":
        return repeats.RULES.get(removal["rule"].rsplit("-", 1)[0])
    if removal["reason"] == "layout":
        return rejoin.RULES.get(removal["rule"])
    return None


def _kept_apart(counts: dict[str, int]) -> list[str]:
    """One line per kind of line that looked repeated but stays."""
    out = []
    for key, n in sorted(counts.items()):
        kind, _, why = key.partition(":")
        if kind == "repeat_kept":
            out.append(f"kept: {n} line(s) like another, {why}: {repeats.KEPT_APART.get(why, why)}")
    return out
