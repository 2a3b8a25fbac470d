"""``grad_fn.next_functions`` shows PyTorch's graph where flambeau fuses two of its nodes in one:
``TBackward0`` before a ``Linear``'s weight, ``LogSoftmaxBackward0`` inside ``cross_entropy``.
The nodes in between are made only when ``next_functions`` is read (or the graph drawn): the
training path records one node, as before."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from flambeau.autograd.graph import ShownNode


def _tree(fn):
    """The names of the nodes behind ``fn``, as nested lists; a leaf as the shape of its tensor."""
    if fn is None:
        return None
    variable = getattr(fn, "variable", None)
    if variable is not None:
        return ["leaf", list(variable.shape)]
    return [fn.name(), [_tree(f) for f, _ in fn.next_functions]]


def _chain(fn):
    """The names along the first edges, down to the leaf."""
    names = []
    while fn is not None and fn.next_functions:
        names.append(fn.name())
        fn = fn.next_functions[0][0]
    return names + [None if fn is None else fn.name()]


def _model(lib, bias=True, frozen=False):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(4, 3, bias=bias), lib.nn.ReLU(), lib.nn.Linear(3, 2))
    if frozen:
        model[0].weight.requires_grad_(False)
    return model


@pytest.mark.parametrize("bias, frozen", [(True, False), (False, False), (True, True)])
def test_linear_and_cross_entropy_next_functions(torch, bias, frozen):
    trees, grads = [], []
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    for lib in (torch, flambeau):
        model = _model(lib, bias, frozen)
        loss = lib.nn.functional.cross_entropy(model(lib.tensor(x)), lib.tensor([0, 1, 1, 0, 1]))
        trees.append(_tree(loss.grad_fn))
        loss.backward()
        grads.append([p.grad.numpy().round(5).tolist() for p in model.parameters() if p.requires_grad])
    assert trees[0] == trees[1]
    assert grads[0] == grads[1]  # the training path is the same one node: the same gradients
    assert "TBackward0" in str(trees[1]) and "LogSoftmaxBackward0" in str(trees[1])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_chain_for_every_rank(torch, reduction):
    shapes = [((3,), ()), ((5, 3), (5,)), ((5, 3, 4), (5, 4)), ((2, 3, 4, 2), (2, 4, 2)),
              ((2, 3, 2, 2, 2), (2, 2, 2, 2))]
    got = []
    for lib in (torch, flambeau):
        chains = []
        for xs, ts in shapes:
            x = lib.tensor(np.random.default_rng(0).standard_normal(xs), requires_grad=True)
            t = lib.tensor(np.random.default_rng(1).integers(0, 3, ts))
            chains.append(_chain(lib.nn.functional.cross_entropy(x, t, reduction=reduction).grad_fn))
            chains.append(_chain(lib.nn.CrossEntropyLoss(reduction=reduction)(x, t).grad_fn))
        got.append(chains)
    assert got[0] == got[1]


def test_shown_nodes_are_made_once_and_not_run():
    model = _model(flambeau)
    out = model(flambeau.randn(2, 4))
    node = out.grad_fn
    assert getattr(node, "fused", None) == ((2, ("TBackward0",)),)  # names only, until asked
    first = node.next_functions[2][0]
    assert isinstance(first, ShownNode) and node.next_functions[2][0] is first  # the same object
    (acc, nr), = first.next_functions
    assert acc.variable is model[2].weight and nr == 0
    assert node.edges()[2][0] is acc  # backpropagation still goes straight to the weight
    with pytest.raises(RuntimeError, match="TBackward0 inside the node after it"):
        first.register_hook(lambda g: g)
    out.sum().backward()
    assert model[2].weight.grad is not None
