"""The allocator the commands that decide populations through Arrow choose for their
process (``eligibility batch``, ``eligibility impact``). Nothing here imports pyarrow: the
choice is made before it is imported."""

from __future__ import annotations

import os
import sys


def frugal_memory() -> None:
    """Arrow's memory from the C library's allocator for this process, unless
    ``ARROW_DEFAULT_MEMORY_POOL`` is set (to any name: one pyarrow does not know leaves its
    default, with pyarrow's warning). pyarrow's default
    (mimalloc) keeps the pages a chunk freed for the next, and a batch frees a chunk's worth
    at every step: see the batch rows of ``benchmarks/compare_populations.py``, with either
    allocator. Arrow reads the variable once, when pyarrow is imported; ``set_memory_pool``
    afterwards moves most allocations but not all of Arrow's own, and mimalloc's pages for
    those cost the batch about 50 MiB of its peak. So the variable is set before pyarrow is
    imported; where it already is (a program calling ``main``), ``set_memory_pool`` does what
    it can. Either way the choice stays for the rest of the process."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"
    if "pyarrow" in sys.modules:
        import pyarrow as pa
        pa.set_memory_pool(pa.system_memory_pool())
