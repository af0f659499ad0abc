"""The checks a candidate pair must pass: the Jaccard threshold and the figure check."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..minhash import default_backend, estimate_jaccard, exact_jaccard
from .config import DedupConfig
from .figures import count_number_conflicts, number_fingerprint

class Verifier:
    """Applies the config's checks to a (document, candidate) pair, caching figure fingerprints."""

    def __init__(self, config: DedupConfig, sigs: np.ndarray, texts: Sequence[str] | None,
                 fingerprints: dict[int, np.ndarray] | list[np.ndarray] | None = None):
        self.config = config
        self.sigs = sigs
        self.texts = texts
        self.fingerprints: Any = fingerprints if fingerprints is not None else {}
        self.number_conflicts = 0
        self.backend = config.backend or default_backend()  # resolved once: it reads the environment

    def fingerprint(self, position: int) -> np.ndarray:
        """The figure fingerprint of an indexed document (computed once)."""
        if isinstance(self.fingerprints, dict) and position not in self.fingerprints:
            self.fingerprints[position] = number_fingerprint(self.texts[position], self.backend)
        return self.fingerprints[position]

    def check(self, sig: np.ndarray, text: str | None, fingerprint: Any, candidate: int) -> tuple[float, float | None] | None:
        """(estimated, exact-or-None) Jaccard if the candidate is a verified duplicate, else None."""
        estimate = estimate_jaccard(sig, self.sigs[candidate])
        exact = None
        if self.config.exact and text is not None and self.texts is not None:
            exact = exact_jaccard(text, self.texts[candidate], self.config.minhash)
        if (exact if exact is not None else estimate) < self.config.threshold:
            return None
        if self.config.number_check:
            mine = fingerprint() if callable(fingerprint) else fingerprint
            if count_number_conflicts(mine, self.fingerprint(candidate)):
                self.number_conflicts += 1
                return None
        return estimate, exact
