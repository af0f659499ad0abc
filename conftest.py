"""Doctests of the package (`--doctest-modules`): a module whose optional extra is not installed is left out
of the collection instead of failing it, and `python -m newsclean.cli` (which runs the command) is never imported.
For every test: the rules cache is off."""
from __future__ import annotations

import importlib
import os
from pathlib import Path

# The tests load rule files from their own folders and check what a parse learns: no cached rules sets
# (`rulebook.RulesCache`), and nothing written to the home folder; tests/rules/test_rules_cache.py turns it on.
os.environ["NEWSCLEAN_CACHE_DIR"] = ""

PACKAGE = Path(__file__).resolve().parent / "newsclean"
NEVER_IMPORTED = {PACKAGE / "cli" / "__main__.py"}


def pytest_ignore_collect(collection_path: Path, config) -> bool | None:
    path = Path(collection_path)
    if path in NEVER_IMPORTED:
        return True
    if path.suffix != ".py" or PACKAGE not in path.parents:
        return None
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:  # an optional extra (pyarrow, scrapy, ray...) that is not installed
        if exc.name and not exc.name.startswith("newsclean"):
            return True
        raise
    return None
