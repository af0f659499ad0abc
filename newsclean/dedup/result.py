"""What a dedup pass finds: a match, each record's cluster entry, and a batch run's result."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

@dataclass(frozen=True)
class Match:
    """A verified near-duplicate: the document matched and how similar it is.

    The Bloom index cannot name the document it saw: its matches are `BLOOM_SEEN`, ``Match(None, None)``
    (truthy like any match), meaning "shares a band with a document indexed before", unverified.
    """

    id: str | None
    jaccard: float | None  # MinHash estimate
    exact_jaccard: float | None = None

    @property
    def score(self) -> float | None:
        """The similarity the threshold was applied to (None for a Bloom match)."""
        return self.exact_jaccard if self.exact_jaccard is not None else self.jaccard


BLOOM_SEEN = Match(None, None)


@dataclass(frozen=True)
class ClusterEntry:
    """One input record's fate: its cluster (the kept copy's id), kept or duplicate_of, and similarity."""

    id: str
    cluster: str | None  # None: dropped by the Bloom index, which cannot say which document it matched
    kept: bool
    duplicate_of: str | None
    jaccard: float | None  # None with the Bloom index (nothing is compared)
    exact_jaccard: float | None = None
    matched: str | None = None  # why a document without duplicate_of was dropped: "bloom"

    def to_json(self) -> dict[str, Any]:
        """The clusters-file line for this record."""
        out: dict[str, Any] = {"id": self.id, "cluster": self.cluster, "kept": self.kept,
                               "duplicate_of": self.duplicate_of,
                               "jaccard": None if self.jaccard is None else round(self.jaccard, 4)}
        if self.exact_jaccard is not None:
            out["exact_jaccard"] = round(self.exact_jaccard, 4)
        if self.matched is not None:
            out["matched"] = self.matched
        return out


@dataclass
class DedupResult:
    """Per input record (input order): its cluster entry and the record, kept ones with suggestions."""

    entries: list[ClusterEntry]
    records: list[dict[str, Any]]
    suggestions: int = 0
    number_conflicts: int = 0  # candidate pairs refused because a figure differed
    notes: list[str] = field(default_factory=list)  # about the index (a Bloom index over its expected size)
    index: str = "lsh"  # the index that found the duplicates
    # The Bloom filters to write to config.index_dir, when the caller chose to save them after its outputs.
    unsaved_index: Any = field(default=None, repr=False)
    unsaved_index_dir: str | None = None

    def save_index(self) -> None:
        """Write the Bloom filters held back by ``dedup_records(..., save_index=False)`` to their directory."""
        if self.unsaved_index is not None:
            self.unsaved_index.save(self.unsaved_index_dir)
            self.unsaved_index = None

    def kept_records(self) -> list[dict[str, Any]]:
        """The records to keep, in input order."""
        return [r for r, e in zip(self.records, self.entries) if e.kept]

    def summary(self) -> dict[str, int]:
        """Counts for a run report (with the Bloom index also "seen_before": documents it dropped unverified)."""
        kept = sum(e.kept for e in self.entries)
        out = {"records": len(self.entries), "kept": kept, "dropped": len(self.entries) - kept,
               "clusters_with_duplicates": len({e.cluster for e in self.entries if not e.kept and e.cluster is not None}),
               "suggestions": self.suggestions, "number_conflicts": self.number_conflicts}
        if self.index == "bloom":
            out["seen_before"] = sum(e.matched == "bloom" for e in self.entries)
        return out
