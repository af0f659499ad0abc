"""`clean --dedup`: the dedup pass over a run's own output, and its part of the books."""
from __future__ import annotations

from pathlib import Path

from ..dedup import DedupConfig, dedup_records
from ..spool import light_records

def dedup_books(summary: dict[str, int]) -> dict[str, int]:
    """The dedup part of a run's books (with the Bloom index also "seen_before")."""
    keys = ("clusters_with_duplicates", "suggestions", "number_conflicts", "seen_before")
    return {k: summary[k] for k in keys if k in summary}


def dedup_cleaned(path: Path, config: DedupConfig, id_field: str = "id", text_field: str = "text"):
    """Run `dedup_records` over a file of cleaned records (the output of a run), holding only their ids,
    missing_number annotations, signatures and line offsets in memory: the texts are read from the file when
    the dedup needs them (`newsclean.spool`). Returns the `DedupResult` (light records, in file order). A Bloom
    index directory is left as it was until `result.save_index()`."""
    ids, records, texts = light_records(path, id_field, text_field)
    with texts:
        return dedup_records(records, config, ids=ids, save_index=False, texts=texts)
