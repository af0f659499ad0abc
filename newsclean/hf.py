"""Hugging Face `datasets`: clean a `Dataset` with `Dataset.map(clean_batch, batched=True, num_proc=N)`.

`clean_batch` (or a `BatchCleaner` made with other rules or options) takes a batch (a dict of columns) and
returns it with the clean text in the text column and three more columns: ``annotations``, ``removed`` and
``newsclean`` (the metadata), each as JSON text -- their objects differ from row to row (an annotation's
``info``, the metadata's keys), and `datasets` fixes a column's arrow type from the first batch, so typed
columns would break on the first batch that differs. A row whose text cannot be cleaned (missing, not a
string, empty, too long, or a document the pipeline fails on) keeps its text as it was and says why in
``newsclean``: ``{"reject": "<reason>"}``, the reasons of the JSONL reader, so every row is accounted for.

A `BatchCleaner` pickles as its settings plus a fingerprint of the newsclean version and the rule files, never
its loaded pipeline: `datasets` hashes it the same way in every run (so its cache is reused), hashes it
differently when the rules change (so a stale cache is not), and each worker process loads the rules once.
"""
from __future__ import annotations

import json
from typing import Any

from . import __version__
from .io import DEFAULT_MAX_CHARS, ReadOptions, Reject, record_from
from .pipeline import STAGES, Options, Pipeline
from .rulebook import RuleSource

OUTPUT_COLUMNS = ("annotations", "removed", "newsclean")

_pipelines: dict[tuple, Pipeline] = {}  # per process: (rules_dir, options, fingerprint) -> loaded pipeline


class BatchCleaner:
    """A picklable, deterministic batch function for `Dataset.map(..., batched=True)`."""

    def __init__(self, text_field: str = "text", rules: str | None = None, t2s: bool = True, mark: bool = False,
                 stages: tuple[str, ...] = STAGES, max_chars: int = DEFAULT_MAX_CHARS):
        self.text_field = text_field
        self.rules = None if rules is None else str(rules)
        self.options = Options(t2s=t2s, mark=mark, stages=tuple(stages))
        self.read = ReadOptions(text_field=text_field, max_chars=max_chars)
        self.fingerprint = _fingerprint(self.rules)

    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("text_field", "rules", "options", "read", "fingerprint")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def pipeline(self) -> Pipeline:
        """This process's pipeline for these settings, loaded on first use."""
        key = (self.rules, self.options, self.fingerprint)
        if key not in _pipelines:
            _pipelines[key] = Pipeline(self.rules, self.options)
        return _pipelines[key]

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        if self.text_field not in batch:
            raise KeyError(f"the dataset has no column {self.text_field!r} (columns: {', '.join(batch)}); "
                           f"say which holds the text: BatchCleaner(text_field=...)")
        out = {k: list(v) for k, v in batch.items()}
        for column in OUTPUT_COLUMNS:
            out[column] = []
        for i, text in enumerate(batch[self.text_field]):
            text, annotations, removed, meta = self._clean_one(text, i)
            out[self.text_field][i] = text
            out["annotations"].append(_json(annotations))
            out["removed"].append(_json(removed))
            out["newsclean"].append(_json(meta))
        return out

    def _clean_one(self, text: Any, row: int) -> tuple[Any, list, list, dict[str, Any]]:
        """(text, annotations, removed, metadata) of one row; a row that cannot be cleaned keeps its text."""
        checked = record_from({self.text_field: text}, f"row {row}", "utf-8", "", self.read, default_id=f"row {row}")
        if isinstance(checked, Reject):
            return text, [], [], {"reject": checked.reason}
        try:
            result = self.pipeline().clean(checked.text)
        except Exception as exc:  # noqa: BLE001 - one bad page must not end a map over millions
            return text, [], [], {"reject": f"internal-error: {type(exc).__name__}: {exc}"}
        return result.text, result.annotations, result.removed, result.metadata


def _fingerprint(rules: str | None) -> str:
    return f"{__version__}:{RuleSource(rules).digest()}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


clean_batch = BatchCleaner()
"""Clean a batch with the shipped rules and default options: `dataset.map(clean_batch, batched=True)`."""
