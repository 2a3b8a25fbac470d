"""``set_printoptions``: tensors print as PyTorch prints them under the same options (precision,
threshold, edge items, line width, profiles, forced or forbidden scientific notation)."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from flambeau import _format

OPTIONS = [dict(precision=2), dict(precision=6), dict(sci_mode=True), dict(sci_mode=False),
           dict(profile="short"), dict(profile="full"), dict(threshold=5),
           dict(edgeitems=1, threshold=10), dict(linewidth=40), dict(precision=3, profile="short")]


@pytest.fixture
def restore(torch):
    yield
    torch.set_printoptions(profile="default")
    flambeau.set_printoptions(profile="default")


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_tensors_print_as_pytorchs_under_the_same_options(torch, restore, options):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal(1500) * 1e-5,
              np.arange(30.0).reshape(5, 6) * 1e9, rng.standard_normal((40, 40)),
              np.array([1.0, 2.0, 3.0]), np.arange(12).reshape(3, 4)]
    torch.set_printoptions(**options)
    flambeau.set_printoptions(**options)
    assert _format.get_printoptions() == torch._tensor_str.get_printoptions()
    for a in arrays:
        for dtype in ((np.float32, np.float64) if a.dtype.kind == "f" else (a.dtype,)):
            assert repr(flambeau.tensor(a.astype(dtype))) == repr(torch.tensor(a.astype(dtype)))
    want = torch.tensor(rng.standard_normal((2, 3)), requires_grad=True) * 2
    got = flambeau.tensor(want.detach().numpy(), requires_grad=True) * 1
    assert repr(got).replace("MulBackward0", "X") == repr(want).replace("MulBackward0", "X")


def test_a_call_without_sci_mode_lets_the_values_decide_again(torch, restore):
    for lib in (torch, flambeau):
        lib.set_printoptions(sci_mode=True)
        lib.set_printoptions(precision=4)
    assert repr(flambeau.tensor([0.5, 2.0])) == repr(torch.tensor([0.5, 2.0])) == "tensor([0.5000, 2.0000])"
