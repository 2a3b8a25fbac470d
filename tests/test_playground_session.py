"""One playground session: the original's update rule against a hand-written NumPy version of it
(point by point, as nn.ts does), the lecture's experiments, frames, editing, files."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest

import flambeau
from flambeau.playground import config as cfg
from flambeau.playground import network
from flambeau.playground.config import ConfigError, PlaygroundError
from flambeau.playground.frame import GRID, reduce_grid
from flambeau.playground.session import Session


def session(weight_seed=0, **changes):
    return Session(cfg.apply_changes(cfg.default_config(), changes), weight_seed=weight_seed)


def decode(text, dtype=np.float32):
    return np.frombuffer(base64.b64decode(text), dtype=dtype).reshape(100, 100)


def decode_codes(text, shape=(100, 100)):
    """8-bit codes (the heatmap, the thumbnails): code c stands for (c + 0.5) / 120 - 1, 255 for NaN."""
    codes = np.frombuffer(base64.b64decode(text), np.uint8).astype(np.float64).reshape(shape)
    return np.where(codes == 255, np.nan, (codes + 0.5) / 120 - 1)


def decode_heatmap(text):
    return decode_codes(text)


def decode_thumbnail(text):
    return decode_codes(text, (10, 10))


def parameters(frame):
    """A frame's weights, biases, gradients and deltas: per layer float64 bytes in base64, weights
    and gradients [to][from] with the layers' sizes in ``sizes`` -> arrays (None stays None)."""
    sizes = frame["sizes"]

    def layers(texts, matrix):
        if texts is None:
            return None
        arrays = [np.frombuffer(base64.b64decode(t), np.float64) for t in texts]
        return [a.reshape(sizes[i + 1], sizes[i]) if matrix else a for i, a in enumerate(arrays)]

    return {key: layers(frame[key], key in ("weights", "grads"))
            for key in ("weights", "biases", "grads", "bias_grads", "deltas")}


STEP = 0.5 / 120 + 1e-12  # the codes' rounding: half a step of 1/120


def page_shade(v):
    """The shade the page paints a value in (static/js/colors.js: 30 equal steps of [-1, 1])."""
    return np.where(np.isnan(v), -1, np.clip(np.floor((np.asarray(v, np.float64) + 1) / 2 * 30), 0, 29))


def test_the_codes():
    from flambeau.playground.frame import b64_codes

    values = np.array([-3, -1, -0.5, -1e-3, 0, 1e-3, 0.25, 1, 7, np.nan, -np.inf, np.inf] + [0] * 9988, np.float32)
    back = decode_heatmap(b64_codes(values)).ravel()
    np.testing.assert_allclose(back[:12][~np.isnan(values[:12])], np.clip(values[:12], -1, 1)[~np.isnan(values[:12])],
                               atol=STEP)
    assert np.isnan(back[9]) and back[10] < -0.99 and back[11] > 0.99
    # every code is painted in its value's shade and on its value's side of 0 (discretize)
    rng = np.random.default_rng(0)
    boundaries = -1 + np.arange(31) / 15
    values = np.concatenate([rng.uniform(-1.2, 1.2, 9000), boundaries, boundaries - 1e-9, boundaries + 1e-9])
    values = np.concatenate([values, np.zeros(10000 - len(values))])
    back = decode_heatmap(b64_codes(values)).ravel()
    np.testing.assert_array_equal(page_shade(back), page_shade(values))
    np.testing.assert_array_equal(back >= 0, values >= 0)
    assert np.abs(back - np.clip(values, -1, 1)).max() <= STEP


# ------------------------------------------------------------------ the update rule, by hand
ACT = {"tanh": (np.tanh, lambda z, a: 1 - a * a), "relu": (lambda z: np.maximum(z, 0), lambda z, a: (z > 0) * 1.0),
       "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z, a: a * (1 - a)),
       "linear": (lambda z: z, lambda z, a: np.ones_like(z))}


def reference_training(weights, biases, inputs, targets, epochs, batch_size, lr, activation, output,
                       regularization="none", rate=0.0):
    """The TensorFlow Playground's oneStep / backProp / updateWeights, point by point in NumPy:
    derivatives accumulated per point, an update after point i when (i + 1) % batch_size == 0 with
    the mean of the accumulated derivatives, the rest carried into the next epoch;
    regularization after the gradient step, its derivative taken at the weight before it; with L1
    a weight crossing 0 is set to 0 and is dead (skipped from then on)."""
    W = [w.copy() for w in weights]
    B = [b.copy() for b in biases]
    dead = [np.zeros(w.shape, bool) for w in W]
    acc_w = [np.zeros_like(w) for w in W]
    acc_b = [np.zeros_like(b) for b in B]
    count = 0
    f, df = ACT[activation]
    out_f, out_df = ACT[output]
    last = len(W) - 1
    for _ in range(epochs):
        for i in range(len(inputs)):
            activations, pre = [inputs[i]], []
            for k in range(len(W)):
                z = W[k] @ activations[-1] + B[k]
                pre.append(z)
                activations.append(out_f(z) if k == last else f(z))
            delta = (activations[-1] - targets[i]) * out_df(pre[-1], activations[-1])
            for k in range(last, -1, -1):
                acc_b[k] += delta
                acc_w[k] += np.where(dead[k], 0.0, np.outer(delta, activations[k]))
                if k > 0:
                    delta = (W[k].T @ delta) * df(pre[k - 1], activations[k])
            count += 1
            if (i + 1) % batch_size == 0:
                for k in range(len(W)):
                    B[k] -= lr * acc_b[k] / count
                    der = {"none": np.zeros_like(W[k]), "L1": np.sign(W[k]), "L2": W[k]}[regularization]
                    stepped = W[k] - lr / count * acc_w[k]
                    new = stepped - lr * rate * der
                    was_dead = dead[k].copy()
                    if regularization == "L1":
                        crossed = (stepped * new < 0) & ~was_dead
                        new[crossed] = 0.0
                        dead[k] |= crossed
                    W[k] = np.where(was_dead, W[k], new)  # a dead link is never updated
                    acc_w[k][:] = 0
                    acc_b[k][:] = 0
                count = 0
    return W, B, dead


def weights_of(s):
    return ([lin.weight.detach().numpy().copy() for lin in s.linears],
            [lin.bias.detach().numpy().copy() for lin in s.linears])


@pytest.mark.parametrize("changes, epochs", [
    ({}, 1),
    ({"batchSize": 30}, 3),                                   # 250 = 8 * 30 + 10: 10 points carried over
    ({"batchSize": 7, "activation": "relu", "networkShape": [5, 3]}, 2),
    ({"batchSize": 30, "regularization": "L2", "regularizationRate": 0.3, "learningRate": 0.1}, 2),
    ({"batchSize": 30, "regularization": "L1", "regularizationRate": 0.3, "learningRate": 0.3}, 2),
    ({"batchSize": 4, "activation": "sigmoid", "xSquared": True, "sinY": True, "noise": 20}, 1),
    ({"problem": "regression", "activation": "linear", "batchSize": 23, "networkShape": [3]}, 1),
])
def test_an_epoch_is_the_originals_update_rule(changes, epochs):
    s = session(weight_seed=3, **changes)
    weights, biases = weights_of(s)
    output = "tanh" if s.config["problem"] == "classification" else "linear"
    expected_w, expected_b, expected_dead = reference_training(
        weights, biases, s._x_train, s.data.y_train, epochs, s.config["batchSize"], s.config["learningRate"],
        s.config["activation"], output, s.config["regularization"], s.config["regularizationRate"])
    for _ in range(epochs):
        s.train_epoch()
    got_w, got_b = weights_of(s)
    for k in range(len(got_w)):
        np.testing.assert_allclose(got_w[k], expected_w[k], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(got_b[k], expected_b[k], rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(s.dead[k], expected_dead[k])
    assert s.epoch == epochs
    if s.config["regularization"] == "L1":
        assert any(d.any() for d in s.dead)                 # the rule was exercised
        assert all((w[d] == 0).all() for w, d in zip(got_w, s.dead))


@pytest.mark.parametrize("changes", [
    {}, {"batchSize": 30, "optimizer": "adam"}, {"optimizer": "momentum", "problem": "regression"},
    {"loss": "cross_entropy", "numClasses": 3, "dataset": "gauss"},
    {"regularization": "L1", "regularizationRate": 0.3, "learningRate": 0.3},
])
def test_the_compiled_update_is_the_eager_update_bit_for_bit(changes):
    compiled, eager = session(weight_seed=4, **changes), session(weight_seed=4, **changes)
    eager._step = None  # network.update's eager path
    for _ in range(6):
        compiled.train_epoch()
        eager.train_epoch()
        assert compiled.loss_train == eager.loss_train and compiled.loss_test == eager.loss_test
    for a, b in zip(weights_of(compiled), weights_of(eager)):
        assert all(np.array_equal(x, y) for x, y in zip(a, b))
    for a, b in zip(network.batch_gradients(compiled.linears).values(), network.batch_gradients(eager.linears).values()):
        assert all(np.array_equal(x, y) for x, y in zip(a, b))  # the last batch's, for the frame
    # an epoch that starts without carried points has its full batches updated five at a time
    # by one compiled function, the others one by one (by another); so are they all where the
    # five's recording cannot be used (cross_entropy checks its targets' values: a check after
    # the first update has written the weights)
    whole = len(compiled.data.x_train) % compiled._batch_size() == 0
    assert (compiled._batches is None) == (changes.get("loss") == "cross_entropy")
    plans = list((compiled._batches if whole and compiled._batches else compiled._step).plans.values())
    if changes.get("regularization", "none") == "none":
        assert any(p.validated for p in plans), [p.reason for p in plans]  # it did replay
    else:
        assert not plans  # regularization is applied eagerly: the compiled step is not used


def test_a_compiled_epoch_that_stays_eager_gives_way_to_compiled_steps():
    compiled, eager = session(weight_seed=2), session(weight_seed=2)
    eager._step = None
    compiled.train_epoch()
    compiled._batches.traces = 100  # as after too many recordings: it would only run eagerly
    assert network.stays_eager(compiled._batches)
    for _ in range(4):
        compiled.train_epoch()
        eager.train_epoch()
    eager.train_epoch()
    assert compiled._batches is None and compiled.epoch == eager.epoch == 5
    for a, b in zip(weights_of(compiled), weights_of(eager)):
        assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert any(p.validated for p in compiled._step.plans.values())


def test_stays_eager_tells_a_compiled_function_that_no_longer_replays():
    w = flambeau.ones(2, requires_grad=True)

    def reads_a_float(x):
        return float((w.detach() * x).sum())

    def replays(x):
        with flambeau.no_grad():
            w.mul_(1.0)
        return x

    broken, fine = flambeau.compile(reads_a_float), flambeau.compile(replays)
    for _ in range(4):
        broken(flambeau.ones(2))
        fine(flambeau.ones(2))
    assert network.stays_eager(broken) and not network.stays_eager(fine)


def test_losses_are_reported_as_the_original_does():
    s = session(regularization="L2", regularizationRate=1)
    s.train_epoch()
    w, b = weights_of(s)

    def loss(x, t):
        h = x
        for k in range(len(w)):
            h = np.tanh(h @ w[k].T + b[k])
        return np.mean(0.5 * (h[:, 0] - t) ** 2)            # regularization not included

    assert s.loss_train == pytest.approx(loss(s._x_train, s.data.y_train), rel=1e-12)
    assert s.loss_test == pytest.approx(loss(s._x_test, s.data.y_test), rel=1e-12)


def test_stepping_by_batches_is_the_same_as_by_epochs():
    a, b = session(weight_seed=5, batchSize=30), session(weight_seed=5, batchSize=30)
    for _ in range(2):
        a.train_epoch()
    a.train_batch()  # the 10 carried points and the first 30 of epoch 3
    steps = 0
    while b.epoch < 2:
        b.train_batch()
        steps += 1
    # 8 updates in epoch 1; the 9th step ends it, carrying 10 points, and makes the first update of
    # epoch 2 (40 points); 7 more; the 17th step ends epoch 2 and makes the first update of epoch 3
    assert steps == 17 and a.epoch == b.epoch == 2 and a._cursor == b._cursor == 30
    for x, y in zip(weights_of(a)[0], weights_of(b)[0]):
        np.testing.assert_allclose(x, y, rtol=1e-12)


def test_deltas_are_the_mean_delta_of_the_last_batch():
    s = session(weight_seed=1, batchSize=10)
    w, b = weights_of(s)
    s.step("batch")
    x, t = s._x_train[:10], s.data.y_train[:10]
    a1 = np.tanh(x @ w[0].T + b[0])
    a2 = np.tanh(a1 @ w[1].T + b[1])
    out = np.tanh(a2 @ w[2].T + b[2])
    d3 = (out[:, 0] - t)[:, None] * (1 - out ** 2)
    d2 = (d3 @ w[2]) * (1 - a2 ** 2)
    d1 = (d2 @ w[1]) * (1 - a1 ** 2)
    frame = s.frame()
    for got, expected in zip(parameters(frame)["deltas"], (d1, d2, d3)):
        np.testing.assert_allclose(got, expected.mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(parameters(frame)["grads"][2], (d3.T @ a2) / 10, rtol=1e-9)
    np.testing.assert_allclose(parameters(frame)["grads"][0], (d1.T @ x) / 10, rtol=1e-9)


def test_a_training_set_smaller_than_the_batch_is_one_batch():
    s = session(dataset="custom", batchSize=30)
    s.add_point(1.0, 1.0, 1)
    s.add_point(-1.0, -1.0, -1)
    before = weights_of(s)[0]
    s.train_epoch()
    assert not np.array_equal(before[0], weights_of(s)[0][0])


# ------------------------------------------------------------------ the lecture's experiments
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_circle_with_6_4_is_learned_within_500_epochs(seed):
    s = session(weight_seed=seed, networkShape=[6, 4])
    while s.loss_test >= 0.02 and s.epoch < 500:
        s.train_epoch()
    assert s.loss_test < 0.02 and s.acc_test == 1.0


def test_circle_without_hidden_layer_is_not_learned():
    s = session(networkShape=[])
    for _ in range(300):
        s.train_epoch()
    assert s.loss_train > 0.2 and s.loss_test > 0.2


def test_xor_with_the_product_feature_needs_no_hidden_layer():
    s = session(dataset="xor", networkShape=[], x=False, y=False, xTimesY=True)
    for _ in range(100):
        s.train_epoch()
    assert s.loss_test < 0.1 and s.acc_test > 0.95


def test_gauss_is_learned_in_a_few_epochs_and_spiral_is_not():
    s = session(dataset="gauss")
    for _ in range(20):
        s.train_epoch()
    assert s.loss_test < 0.02
    s = session(dataset="spiral")
    for _ in range(150):
        s.train_epoch()
    assert s.loss_test > 0.3


@pytest.mark.parametrize("changes", [
    {"optimizer": "momentum", "learningRate": 0.01},
    {"optimizer": "adam", "learningRate": 0.01},
    {"loss": "cross_entropy", "learningRate": 0.1},
    {"loss": "bce", "learningRate": 0.1},
    {"loss": "cross_entropy", "numClasses": 3, "dataset": "gauss"},
    {"loss": "cross_entropy", "numClasses": 4, "dataset": "xor", "networkShape": [8, 8], "optimizer": "adam"},
    {"problem": "regression"},
])
def test_every_loss_and_optimizer_learns(changes):
    s = session(**changes)
    start = s.loss_test
    for _ in range(60):
        s.train_epoch()
    assert s.loss_test < start / 3
    if s.config["problem"] == "classification":
        assert s.acc_test > 0.9


# ------------------------------------------------------------------ frames
def test_frame_contents_and_layouts():
    s = session(sinX=True)
    s.train_epoch()
    f = s.frame()
    assert f["type"] == "frame" and f["frame"] == 1 and f["epoch"] == 1 and f["playing"] is False
    assert set(f["neurons"]) == {"0:0", "0:1", "0:2", "1:0", "1:1", "1:2", "1:3", "2:0", "2:1", "3:0"}
    assert all(decode_thumbnail(v).shape == (10, 10) for v in f["neurons"].values())
    p = parameters(f)
    assert f["sizes"] == [3, 4, 2, 1]
    assert [np.shape(w) for w in p["weights"]] == [(4, 3), (2, 4), (1, 2)]
    assert [len(b) for b in p["biases"]] == [4, 2, 1]
    assert [np.shape(g) for g in p["grads"]] == [(4, 3), (2, 4), (1, 2)]
    for k, lin in enumerate(s.linears):  # every digit
        np.testing.assert_array_equal(p["weights"][k], lin.weight.detach().numpy())
        np.testing.assert_array_equal(p["biases"][k], lin.bias.detach().numpy())
        np.testing.assert_array_equal(p["grads"][k], lin.weight.grad.numpy())
        np.testing.assert_array_equal(p["deltas"][k], lin.bias.grad.numpy())
    assert f["bias_grads"] == f["deltas"]
    assert len(f["points"]["train"]) == 250 and len(f["points"]["test"]) == 250
    assert f["points"]["train"][0][2] in (-1, 1)
    assert f["history"][0] == [0, f["history"][0][1], f["history"][0][2]] and f["history"][-1][0] == 1
    assert f["history_reset"] is True
    assert np.array(f["confusion"]).sum() == 250 and 0 <= f["acc_test"] <= 1
    again = s.frame()
    assert "points" not in again and again["history"] == [] and "history_reset" not in again
    assert again["frame"] == 2
    json.dumps(f, allow_nan=False)


def test_heatmap_is_the_output_on_the_grid():
    s = session(xSquared=True)
    for _ in range(3):
        s.train_epoch()
    heatmap = decode_heatmap(s.frame()["heatmap"])
    with flambeau.no_grad():
        x = flambeau.from_numpy(np.stack([GRID[:, 0], GRID[:, 1], GRID[:, 0] ** 2], axis=1))
        out = s.model(x).numpy()[:, 0].reshape(100, 100)
    np.testing.assert_allclose(heatmap, out, atol=STEP)
    # row 0 at y = -6, column 0 at x = -6
    assert GRID[0].tolist() == [-6, -6] and GRID[99].tolist() == [6, -6] and GRID[9900].tolist() == [-6, 6]
    assert np.abs(heatmap).max() <= 1
    node = s.node_grid("3:0")
    grid = decode(node["grid"])  # a neuron's full grid: float32
    np.testing.assert_allclose(grid, out, atol=1e-6)
    thumbnails = s.frame()["neurons"]
    np.testing.assert_allclose(decode_thumbnail(thumbnails["3:0"]), reduce_grid(grid.astype(np.float64)), atol=STEP)
    np.testing.assert_array_equal(page_shade(decode_thumbnail(thumbnails["3:0"])),
                                  page_shade(reduce_grid(grid.astype(np.float64))))
    hidden = decode(s.node_grid("1:2")["grid"])
    np.testing.assert_allclose(decode_thumbnail(thumbnails["1:2"]), reduce_grid(hidden.astype(np.float64)), atol=STEP)
    # the features' values are beyond [-1, 1]: clamped, as the page's colour scale does
    np.testing.assert_allclose(decode_thumbnail(thumbnails["0:2"]),
                               np.clip(reduce_grid(GRID[:, 0].reshape(100, 100) ** 2), -1, 1), atol=STEP)
    np.testing.assert_allclose(decode(s.node_grid("0:2")["grid"]), (GRID[:, 0] ** 2).reshape(100, 100), rtol=1e-6)


def test_the_drawn_grid_follows_the_weights_frame_after_frame():
    # the grid is computed by a float32 copy of the model: it must follow every update
    s = session()
    for _ in range(4):
        s.train_epoch()
        heatmap = decode_heatmap(s.frame()["heatmap"])
        with flambeau.no_grad():
            out = s.model(flambeau.from_numpy(GRID.copy())).numpy()[:, 0].reshape(100, 100)
        np.testing.assert_allclose(heatmap, out, atol=STEP)


def test_reduce_grid_averages_blocks():
    grid = np.arange(10000, dtype=float).reshape(100, 100)
    small = reduce_grid(grid)
    assert small.shape == (10, 10) and small[0, 0] == grid[:10, :10].mean() and small[9, 3] == grid[90:, 30:40].mean()


def test_heatmap_with_probabilities():
    s = session(loss="cross_entropy")
    z = s._forward(GRID)[-1]
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(decode_heatmap(s.frame()["heatmap"]).ravel(), 2 * p[:, 1] - 1, atol=STEP)
    s = session(loss="cross_entropy", numClasses=4, dataset="spiral")
    f = s.frame()
    assert set(f["neurons"]) >= {"3:0", "3:1", "3:2", "3:3"}
    winner = decode(f["heatmap_class"], np.uint8)
    assert winner.max() <= 3
    assert (decode_heatmap(f["heatmap"]) >= 0.25 - STEP).all() and (decode_heatmap(f["heatmap"]) <= 1).all()
    assert np.array(f["confusion"]).shape == (4, 4)


def test_node_ids_are_validated():
    s = session()
    assert s.node_grid(None) == {"type": "node", "id": None, "grid": None}
    for bad in ("x", "1:", ":1", "-1:0", 3, "1:0:0", "9" * 20):
        with pytest.raises(PlaygroundError):
            s.node_grid(bad)
    # a neuron of the network before a change (the page's request crossed it): no grid, no error
    for gone in ("4:0", "1:4"):
        assert s.node_grid(gone) == {"type": "node", "id": gone, "grid": None}


# ------------------------------------------------------------------ configuration changes
def test_what_rebuilds_the_network():
    s = session()
    s.train_epoch()
    weights = weights_of(s)[0]
    assert s.update({"learningRate": 0.3, "batchSize": 5, "speed": 3, "view": "backward", "showTestData": True}) is False
    assert s.epoch == 1 and s.optimizer.param_groups[0]["lr"] == 0.3
    np.testing.assert_array_equal(weights_of(s)[0][0], weights[0])
    assert s.update({"activation": "relu"}) is True and s.epoch == 0
    data = s.data.x_train.copy()
    assert s.update({"noise": 10}) is True
    assert s.update({"seed": "0.999"}) is True and not np.array_equal(s.data.x_train, data)
    assert s.update({"networkShape": "3"}) is True and [tuple(lin.weight.shape) for lin in s.linears] == [(3, 2), (1, 3)]
    assert s.update({"activation": "relu"}) is False              # no change, no rebuild
    with pytest.raises(ConfigError):
        s.update({"activation": "relu", "batchSize": 0})
    assert s.config["batchSize"] == 5                            # all or nothing


def test_reset_and_regenerate():
    s = session(weight_seed=7)
    for _ in range(3):
        s.train_epoch()
    s.frame()
    data = s.data.x_train.copy()
    weights = weights_of(s)[0]
    s.reset()
    assert s.epoch == 0 and np.array_equal(s.data.x_train, data)
    assert not np.array_equal(weights_of(s)[0][0], weights[0])
    assert s.frame()["history_reset"] is True
    weights = weights_of(s)[0]
    seed = s.config["seed"]
    s.regenerate()
    assert s.config["seed"] != seed and not np.array_equal(s.data.x_train, data)
    np.testing.assert_array_equal(weights_of(s)[0][0], weights[0])
    assert "points" in s.frame()


def test_init_zero():
    s = session(initZero=True)
    assert all((lin.weight.detach().numpy() == 0).all() and (lin.bias.detach().numpy() == 0).all() for lin in s.linears)


class Clock:
    """A clock the test controls, for :attr:`Session.clock`: each reading advances it by ``tick``
    seconds (0: time stands still, as on an infinitely fast machine), whatever the machine's load."""

    def __init__(self, tick: float = 0.0) -> None:
        self.now, self.tick = 0.0, tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


def playing(s, tick=0.0):
    s.clock = Clock(tick)
    s.playing = True
    return s


def test_stop_conditions():
    s = playing(session(stopEpochs=5, speed=50))
    f = s.play_chunk()
    assert f["stopped"] == "epochs" and s.epoch == 5 and s.playing is False and f["playing"] is False
    s = playing(session(dataset="gauss", stopTestLoss=0.05, speed=50))
    f = s.play_chunk()
    assert f["stopped"] == "test_loss" and f["loss_test"] < 0.05
    s = playing(session(problem="regression", learningRate=100, speed=50))
    f = s.play_chunk()
    assert f["stopped"] == "diverged" and f["loss_train"] is None
    json.dumps(f, allow_nan=False)
    s = playing(session(speed=4))
    assert "stopped" not in s.play_chunk() and s.epoch == 4 and s.playing


def test_a_slice_ends_after_chunk_seconds_and_its_frame_is_due():
    # every reading of the clock a second later: the first epoch takes the whole slice, and a
    # frame is due after CHUNK_SECONDS even if fewer than ``speed`` epochs have passed
    s = playing(session(speed=50), tick=1.0)
    f = s.play_chunk()
    assert f["epoch"] == 1 and s.epoch == 1 and s.playing and "stopped" not in f
    s = playing(session(speed=50, stopEpochs=3), tick=1.0)
    assert [s.play_chunk()["epoch"] for _ in range(3)] == [1, 2, 3] and s.playing is False


def test_editing_weights_and_biases():
    s = session()
    s.set_weight(2, 1, 3, 0.75)
    assert s.linears[1].weight.detach().numpy()[1, 3] == 0.75
    s.set_bias(3, 0, -2)
    assert s.linears[2].bias.detach().numpy()[0] == -2
    f = s.frame()
    assert parameters(f)["weights"][1][1][3] == 0.75 and parameters(f)["biases"][2][0] == -2
    assert f["history"][-1][1] == s.loss_train
    for args, field in [((0, 0, 0, 1.0), "layer"), ((4, 0, 0, 1.0), "layer"), ((1, 4, 0, 1.0), "to"),
                        ((1, 0, 2, 1.0), "from"), ((1, 0, 0, float("nan")), "value"), ((1, 0, 0, 1e7), "value"),
                        ((1, 0, 0, "1"), "value"), ((True, 0, 0, 1.0), "layer")]:
        with pytest.raises(PlaygroundError) as info:
            s.set_weight(*args)
        assert info.value.field == field
    with pytest.raises(PlaygroundError):
        s.set_bias(1, 4, 0.0)


def test_l1_dead_weights_are_sent_and_revived_by_editing():
    s = session(regularization="L1", regularizationRate=0.3, learningRate=0.3)
    for _ in range(3):
        s.train_epoch()
    f = s.frame()
    assert "dead" in f and any(any(any(row) for row in layer) for layer in f["dead"])
    layer, to, frm = next((k, i, j) for k, d in enumerate(s.dead) for i, j in zip(*np.nonzero(d)))
    s.set_weight(layer + 1, int(to), int(frm), 0.5)
    assert not s.dead[layer][to, frm]


# ------------------------------------------------------------------ points, CSV
def test_adding_points_starts_a_custom_set_from_the_points_on_screen():
    s = session()
    s.train_epoch()
    n = len(s.data.x_train)
    s.add_point(1.5, -2.0, -1)
    assert s.config["dataset"] == "custom" and len(s.data.x_train) == n + 1 and s.epoch == 1
    assert s.data.x_train[-1].tolist() == [1.5, -2.0]
    assert "dataset=custom" in cfg.to_hash(s.config)
    for x, y, label, field in [(7, 0, 1, "x"), (0, "1", 1, "y"), (0, 0, 0, "label"), (0, 0, 2, "label"),
                               (0, 0, float("inf"), "label"), (True, 0, 1, "x")]:
        with pytest.raises(PlaygroundError) as info:
            s.add_point(x, y, label)
        assert info.value.field == field
    s.clear_points()
    assert len(s.data.x_train) == 0 and len(s.data.x_test) == 0
    s.train_epoch()                                   # nothing to learn from: no crash, no numbers
    f = s.frame()
    assert f["loss_train"] is None and f["points"] == {"train": [], "test": []}
    s.add_point(0.0, 0.0, 1)
    assert len(s.data.x_train) == 1


def test_custom_labels_must_fit_a_new_problem():
    s = session()
    s.add_point(1.0, 1.0, 1)
    with pytest.raises(ConfigError) as info:
        s.update({"numClasses": 3, "loss": "cross_entropy"})
    assert info.value.field == "numClasses" and s.config["numClasses"] == 2
    s.update({"dataset": "circle"})
    s.update({"numClasses": 3, "loss": "cross_entropy"})
    s.add_point(1.0, 1.0, 2)
    assert s.data.y_train[-1] == 2


def test_regression_custom_points():
    s = session(problem="regression")
    s.add_point(1.0, 1.0, 0.25)
    assert s.config["regDataset"] == "custom" and s.data.y_train[-1] == 0.25


def test_csv_upload_and_download():
    s = session()
    s.update({"percTrainData": 80})
    rows = "\n".join(f"{x},{x / 2},{1 if x > 0 else -1}" for x in np.linspace(-5, 5, 40))
    s.upload_csv("x,y,label\n" + rows)
    assert s.config["dataset"] == "custom" and len(s.data.x_train) == 32 and len(s.data.x_test) == 8
    assert s.epoch == 0
    text = s.download_csv()["text"]
    assert text.startswith("x,y,label,split\n") and text.count("\n") == 41 and text.count(",test") == 8
    other = session()
    other.upload_csv(text)                            # the split column is kept
    np.testing.assert_array_equal(other.data.x_test, s.data.x_test)
    with pytest.raises(PlaygroundError):
        s.upload_csv("1,2,7\n")
    assert len(s.data.x_train) == 32                  # unchanged


# ------------------------------------------------------------------ weights and configuration files
def test_weights_round_trip():
    s = session(networkShape=[3])
    s.train_epoch()
    message = s.get_weights()
    assert message["filename"].endswith(".safetensors")
    state = flambeau.load(io.BytesIO(base64.b64decode(message["data"])))
    assert sorted(state) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    other = session(networkShape=[3], weight_seed=99)
    other.load_weights(message["data"])
    for a, b in zip(weights_of(s)[0], weights_of(other)[0]):
        np.testing.assert_array_equal(a, b)
    assert other.loss_test == s.loss_test


def _safetensors(state):
    buffer = io.BytesIO()
    flambeau.save(state, buffer)
    return base64.b64encode(buffer.getvalue()).decode()


def test_bad_weights_are_refused():
    s = session()
    before = weights_of(s)[0]
    good = {k: v.clone() for k, v in s.model.state_dict().items()}
    nan = dict(good, **{"0.weight": flambeau.full((4, 2), float("nan"), dtype=flambeau.float64)})
    wrong_shape = dict(good, **{"0.weight": flambeau.zeros(4, 3)})
    for data in ("not base64!", base64.b64encode(b"garbage").decode(), _safetensors({"x": flambeau.zeros(2)}),
                 _safetensors(nan), _safetensors(wrong_shape), _safetensors({"model": good}), 12,
                 "A" * (8 * 1024 * 1024)):
        with pytest.raises(PlaygroundError) as info:
            s.load_weights(data)
        assert info.value.field == "data"
    for a, b in zip(before, weights_of(s)[0]):
        np.testing.assert_array_equal(a, b)
    s.load_weights(_safetensors({k: v.float() for k, v in good.items()}))  # float32 is fine


def test_config_json_round_trip():
    s = session(activation="relu", networkShape=[5, 5], loss="bce", speed=9)
    message = s.config_json()
    other = session()
    other.load_config_json(message["text"])
    assert other.config == s.config
    for bad in ("{", "[1, 2]", json.dumps({"learningRate": -1}), "x" * 200_000):
        with pytest.raises(PlaygroundError):
            other.load_config_json(bad)
    assert other.config == s.config


def test_config_message():
    s = session(ySquared=True, x=False)
    m = s.config_message()
    assert m["inputs"] == ["y", "ySquared"] and m["outputs"] == 1 and m["classes"] == 2
    assert set(m["feature_thumbnails"]) == set(cfg.FEATURES)
    assert m["hash"] == cfg.to_hash(s.config) and m["limits"]["max_neurons"] == 32
    x = np.clip(reduce_grid(GRID[:, 0].reshape(100, 100)), -1, 1)
    np.testing.assert_allclose(decode_thumbnail(m["feature_thumbnails"]["x"]), x, atol=STEP)
    np.testing.assert_array_equal(page_shade(decode_thumbnail(m["feature_thumbnails"]["sinY"])),
                                  page_shade(reduce_grid(np.sin(GRID[:, 1]).reshape(100, 100))))


def test_load_hash_reports_bad_values_and_keeps_the_rest():
    s = session()
    errors = s.load_hash("networkShape=3,3&activation=bogus&dataset=xor")
    assert [e.field for e in errors] == ["activation"]
    assert s.config["networkShape"] == [3, 3] and s.config["dataset"] == "xor" and s.config["activation"] == "tanh"


# ------------------------------------------------------------------ points in the share link
@pytest.mark.parametrize("changes, label", [({}, -1.0), ({"numClasses": 4, "loss": "cross_entropy"}, 3.0),
                                            ({"problem": "regression"}, 0.25)])
def test_custom_points_travel_in_the_hash(changes, label):
    s = session()
    s.update(changes)
    s.clear_points()
    for i in range(40):
        s.add_point(-5.5 + 0.27 * i, 3.0 - 0.1 * i, label if i % 2 else (1.0 if not changes else 0.0))
    message = s.config_message()
    assert message["notice"] is None and "&points=" in message["hash"]
    other = Session()
    assert other.load_hash(message["hash"]) == []
    assert np.abs(other.custom.xy - s.custom.xy).max() <= 12 / 1023
    assert np.abs(other.custom.labels - s.custom.labels).max() <= (0.26 / 1023 if changes.get("problem") else 0)
    assert (other.custom.is_train == s.custom.is_train).all()
    assert other.config_message()["hash"] == message["hash"]  # the link is stable


def test_too_many_points_for_a_link_and_damaged_links():
    s = session()
    s.upload_csv("".join(f"{i % 50 / 5 - 5},{i // 50 / 5 - 5},{1 if i % 3 else -1}\n" for i in range(2000)))
    message = s.config_message()
    assert "points=" not in message["hash"]
    assert message["notice"] == {"code": "points_too_large", "params": {"n": 2000}}
    other = Session()
    errors = other.load_hash("dataset=custom&points=AQAB")
    assert [e.code for e in errors] == ["bad_points"]
    assert len(other.custom) == 0 and other.frame()["no_data"] is True


def test_no_training_data_stops_play():
    s = session()
    s.clear_points()
    s.playing = True
    frame = s.play_chunk()
    assert frame["stopped"] == "no_data" and frame["no_data"] is True and not s.playing
    assert s.epoch == 0


def test_play_slices_make_a_frame_every_speed_epochs():
    s = session(speed=3)
    s.frame()  # the first frame (epoch 0) is the hello's
    s.chunk_seconds = 0  # a slice of one epoch, as the server's turns cut them under load
    playing(s, tick=1e-3)  # each slice a few milliseconds: no frame is due before 3 epochs
    assert s.play_chunk() is None and s.play_chunk() is None and s.epoch == 2
    frame = s.play_chunk()
    assert frame["epoch"] == 3 and [h[0] for h in frame["history"]] == [1, 2, 3]
    assert s.play_chunk(make_frame=False) is None and s.play_chunk() is None
    assert s.play_chunk(make_frame=False) is None and s.epoch == 6  # dropped: the page is behind
    frame = s.play_chunk()  # the page caught up: the frame that was due, with every epoch's losses
    assert frame["epoch"] == 6 and [h[0] for h in frame["history"]] == [4, 5, 6]


@pytest.mark.parametrize("changes", [{}, {"loss": "cross_entropy", "numClasses": 3, "dataset": "gauss"}])
def test_a_frame_after_unframed_epochs(changes):
    # every epoch's losses are in the history; the accuracies and the confusion matrix, read once
    # per frame, are those of the last epoch's weights (not of the epoch evaluated first)
    s = session(weight_seed=2, **changes)
    s.frame()
    losses = []
    for _ in range(4):
        s.train_epoch()
        with flambeau.no_grad():
            outputs = [s.model(flambeau.from_numpy(x)) for x in (s._x_train, s._x_test)]
            losses.append([s.epoch, *(s.loss_fn(y, flambeau.from_numpy(t)).item()
                                      for y, t in zip(outputs, (s._t_train, s._t_test)))])
    frame = s.frame()
    assert [h[0] for h in frame["history"]] == [1, 2, 3, 4]
    np.testing.assert_allclose(np.array(frame["history"]), np.array(losses), rtol=1e-12)
    scores = [y.numpy() for y in outputs]
    predicted = [z.argmax(axis=1) if z.shape[1] > 1 else (z[:, 0] >= 0).astype(int) for z in scores]
    from flambeau.playground.network import class_indices

    truth = [class_indices(s.config, y) for y in (s.data.y_train, s.data.y_test)]
    assert frame["acc_train"] == np.mean(predicted[0] == truth[0])
    assert frame["acc_test"] == np.mean(predicted[1] == truth[1]) and 0 < frame["acc_test"] < 1
    k = cfg.num_classes(s.config)
    expected = np.zeros((k, k), int)
    np.add.at(expected, (truth[1], predicted[1]), 1)
    assert frame["confusion"] == expected.tolist()


@pytest.mark.parametrize("changes", [{}, {"problem": "regression"}, {"loss": "bce"},
                                     {"loss": "cross_entropy", "numClasses": 3}])
def test_one_forward_pass_the_model_s_own(changes):
    """The losses, the heatmap and the thumbnails come from the model's own modules (its output
    module included): the same numbers as calling the model and its training loss."""
    from flambeau.playground import network

    s = session(**changes)
    for _ in range(2):
        s.train_epoch()
    x = flambeau.from_numpy(s._x_train)
    with flambeau.no_grad():
        y = s.model(x)
        loss = s.loss_fn(y, flambeau.from_numpy(s._t_train)).item()
    layers = network.layer_outputs(s.model, s._x_train)
    np.testing.assert_array_equal(layers[-1], y.numpy())
    assert len(layers) == len(s.linears) + 1
    assert s.loss_train == pytest.approx(loss, rel=1e-12)
