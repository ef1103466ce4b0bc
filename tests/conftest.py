"""Shared test configuration: ``pytester`` tests the YAML-case pytest plugin; a fixture
undoes the Arrow allocator the population commands choose for their process."""

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture
def arrow_allocator_kept(monkeypatch):
    """``eligibility batch`` and ``impact`` choose Arrow's allocator for their process (the
    variable, and the pool where pyarrow is already imported): a test's choice ends with it."""
    pa = pytest.importorskip("pyarrow")
    pool = pa.default_memory_pool()
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "")   # recorded, so the command's value is undone
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")
    yield
    pa.set_memory_pool(pool)
