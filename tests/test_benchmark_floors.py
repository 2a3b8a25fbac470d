"""The benchmarks' hand-written NumPy steps (the floors the README sets flambeau and PyTorch
beside) compute the same training step as flambeau: a floor that skipped work would make every
ratio beside it look worse than it is."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import flambeau
from flambeau.models import LeNet5

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import train_step  # noqa: E402
from benchmarks._timing import sgd_step  # noqa: E402
from benchmarks.numpy_lenet import numpy_lenet_step  # noqa: E402


def test_the_numpy_lenet_step_is_flambeaus_step():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 8)
    flambeau.manual_seed(0)
    model = LeNet5(input_size=28)
    params = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    by_hand = numpy_lenet_step(params, x, y, lr=0.1)
    framework = sgd_step(flambeau, model, flambeau.nn.CrossEntropyLoss(), x, y, lr=0.1)
    for _ in range(3):
        np.testing.assert_allclose(by_hand(), framework().item(), rtol=1e-5)
    for name, value in model.state_dict().items():
        np.testing.assert_allclose(by_hand.params[name], value.numpy(), rtol=1e-4, atol=1e-6,
                                   err_msg=name)


def test_the_numpy_mlp_steps_are_flambeaus_steps():
    for case in train_step.CASES.values():
        rng = np.random.default_rng(1)
        weights = train_step._weights(case, rng)
        x, y = train_step._data(case, rng)
        by_hand = train_step._numpy(case, weights, x, y)
        framework = train_step._framework(flambeau, case, weights, x, y)
        for _ in range(2):
            by_hand()
            framework()
        layers = [m for m in framework.model if isinstance(m, flambeau.nn.Linear)]
        assert len(layers) == len(by_hand.weights)
        for layer, (w, b) in zip(layers, by_hand.weights):
            np.testing.assert_allclose(w, layer.weight.detach().numpy(), rtol=1e-4, atol=1e-6)
            np.testing.assert_allclose(b, layer.bias.detach().numpy(), rtol=1e-4, atol=1e-6)


def test_the_numpy_gpt_step_is_flambeaus_step():
    from benchmarks import seq_step
    from benchmarks.numpy_gpt import numpy_gpt_step

    rng = np.random.default_rng(2)
    flambeau.manual_seed(2)
    model = seq_step.gpt(flambeau, vocab=65, layers=2, heads=4, width=32, block=16)
    x, y = rng.integers(0, 65, (3, 16)), rng.integers(0, 65, (3, 16))
    params = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    by_hand = numpy_gpt_step(params, x, y, layers=2, heads=4)
    framework = seq_step._gpt_step(flambeau, model, x, y)
    for _ in range(3):
        np.testing.assert_allclose(by_hand(), framework().item(), rtol=1e-5)
    for name, value in model.state_dict().items():
        got, want = by_hand.params[name], value.numpy()
        if name.endswith("c_attn.bias"):
            # the keys' bias has a zero gradient (softmax ignores a shift of a row): rounding
            # noise, which Adam scales up to a step of lr either way; compare the rest
            got, want = np.delete(got, np.s_[32:64]), np.delete(want, np.s_[32:64])
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=name)


def test_the_numpy_gcn_step_is_flambeaus_step():
    from benchmarks import sparse_gcn

    data = sparse_gcn._graph()
    by_hand = sparse_gcn._numpy_step(*data)()
    framework = sparse_gcn._step(flambeau, *data)()
    for a, b in zip(by_hand, framework):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-4, atol=1e-2)
