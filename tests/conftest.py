"""Shared test setup.

PyTorch is the reference: the parity tests need it. Where it is missing they are skipped, except
in CI (``CI=true``), where a missing reference is an error, never a silent skip.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _import_torch():
    try:
        import torch
    except ImportError:
        if IN_CI:
            raise RuntimeError(
                "PyTorch is missing in CI: the parity tests need it (pip install torch==2.13.0)"
            ) from None
        return None
    return torch


_TORCH = _import_torch()


@pytest.fixture(scope="session")
def torch():
    """The real PyTorch module (the reference); skips the test where it is not installed."""
    if _TORCH is None:
        pytest.skip("PyTorch is not installed (pip install torch==2.13.0)")
    return _TORCH


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def torch_one_thread(torch):
    """PyTorch on one thread for the test: its convolutions wait for each other on a busy
    machine (seconds)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def pytest_collection_modifyitems(config, items):
    if _TORCH is None and not IN_CI:
        return
