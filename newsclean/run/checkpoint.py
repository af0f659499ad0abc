"""Checkpoints: what a resumed run must share with the run it resumes, and the state it starts from."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from .. import __version__
from ..io import Source, input_signature
from ..gapmodel import model_digest
from .config import RunConfig, RunError
from .stats import RunStats
from .workers import rules_digest

CHECKPOINT_VERSION = 1


def checkpoint_path(output: str) -> Path:
    p = Path(output)
    return p.with_name(f".{p.name}.checkpoint")



def run_fingerprint(config: RunConfig, sources: list[Source]) -> str:
    """What a resumed run must share with the run it resumes."""
    what = {
        "version": __version__, "inputs": list(config.inputs), "files": input_signature(sources),
        "output": os.path.abspath(config.output), "rejects": config.rejects and os.path.abspath(config.rejects),
        "options": repr(config.options), "read": repr(config.read), "rules": rules_digest(config.rules_dir),
        "dedup": config.dedup and config.dedup.to_dict(), "learn": repr(config.learn),
        # The missing-number model decides the flags: another model file would make another output.
        "model": model_digest(),
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def read_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint's state, checked field by field: a damaged or hand-edited one is a RunError naming it."""
    def damaged(why: str) -> RunError:
        return RunError(f"cannot resume: checkpoint {path} is damaged ({why}); run again without --resume")

    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise damaged(f"unreadable: {exc}") from None
    if not isinstance(state, dict) or state.get("version") != CHECKPOINT_VERSION:
        raise damaged(f"not a version {CHECKPOINT_VERSION} checkpoint")
    for key, kinds in (("fingerprint", (str,)), ("units", (int,)), ("output_bytes", (int, type(None))),
                       ("rejects_bytes", (int, type(None))), ("stats", (dict,))):
        value = state.get(key)
        if not isinstance(value, kinds) or isinstance(value, bool) or (isinstance(value, int) and value < 0):
            raise damaged(f"{key!r} is {value!r}")
    try:
        state["stats"] = RunStats.from_state(state["stats"])
    except (KeyError, TypeError, ValueError) as exc:
        raise damaged(f"its books: {type(exc).__name__}: {exc}") from None
    return state
