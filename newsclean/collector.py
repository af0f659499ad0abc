"""The garbage collector in the command's process: its set-up (rules, the model) makes only long-lived objects.

A young-generation collection runs every 700 container allocations and walks every young container; the first
one after the model's word and pair sets are built (70,000 entries) walks them all to free nothing, 8-15 ms of
a one-record clean's CPU, and the next middle and full collections walk them again. `kept_set_up()` holds
collections off while the command loads its rules and model and then moves every object made so far to the
permanent generation (`gc.freeze`), so that no later collection walks them: not in the command's process, and
not in the worker processes forked from it, whose collections would otherwise also write to the page of every
inherited object they walk (copy-on-write faults). Reference counting still frees them. Only for a process
that is the command: a library caller's garbage cycles of the moment would be kept for good.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def kept_set_up() -> Iterator[None]:
    """No collection inside the block; at its end every object made so far goes to the permanent generation,
    then the collector is as it was found (off stays off)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_on:
            gc.enable()


def skip_the_last_collection() -> None:
    """At exit, before the interpreter's last garbage collection, move every object to the permanent
    generation (`gc.freeze`): that collection would walk all the objects a run made (the rules, the model's
    tables: about 0.03-0.05 s of a one-record clean) only to find them still referenced by the modules it is
    about to clear. The files a run writes are closed and renamed before it returns, so no finalizer is
    waited for."""
    import atexit

    atexit.register(gc.freeze)
