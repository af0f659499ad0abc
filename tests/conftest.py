"""Helpers the tests of several folders share (and `benchmarks/adversarial.py` loads): the process tree read
from /proc, to check that no worker outlives a killed run."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

def children(pid: int) -> list[int]:
    """The ids of the processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


try:  # benchmarks/adversarial.py loads this file for the helpers above, where pytest may not be installed
    import pytest
except ImportError:  # pragma: no cover
    pytest = None

if pytest is not None:
    @pytest.fixture
    def proc_tree() -> SimpleNamespace:
        """`children(pid)` and `alive(pid)`, for a test that kills a run and looks for its workers."""
        return SimpleNamespace(children=children, alive=alive)


def pytest_collection_modifyitems(config, items) -> None:
    """The tests marked `collected_first` (the Ray module: one cluster, the runs at scale) put first, so that
    with ``-n 2 --dist loadfile`` one worker starts on that file while the other takes the rest, rather than
    the longest file starting last and running alone (the sort is stable: every other order is kept)."""
    items.sort(key=lambda item: item.get_closest_marker("collected_first") is None)
