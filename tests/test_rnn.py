"""Recurrent layers against PyTorch: weights copied from a torch module, the same inputs and
initial states, then outputs, final states and the gradients of the input, the states and every
parameter under random upstream gradients (float64 tight, float32 loose)."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from flambeau import nn
from flambeau.nn.utils import rnn as rnn_utils
from module_parity import compare, pair, twin


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("layers,bidi,batch_first", [(1, False, False), (2, True, False), (3, False, True),
                                                     (2, True, True)])
def test_layers_match_torch(torch, name, layers, bidi, batch_first):
    fm, tm = twin(torch, name, 4, 5, layers, bidirectional=bidi, batch_first=batch_first)
    fx, tx = pair(torch, *((3, 6, 4) if batch_first else (6, 3, 4)))
    compare(torch, fm, tm, [fx], [tx], lambda m, x: m(x))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_initial_states_get_gradients(torch, name):
    fm, tm = twin(torch, name, 3, 4, 2, bidirectional=True)
    fx, tx = pair(torch, 5, 2, 3)
    fh, th = pair(torch, 4, 2, 4, seed=2)
    if name == "LSTM":
        fc, tc = pair(torch, 4, 2, 4, seed=3)
        compare(torch, fm, tm, [fx, (fh, fc)], [tx, (th, tc)], lambda m, x, s: m(x, s))
    else:
        compare(torch, fm, tm, [fx, fh], [tx, th], lambda m, x, s: m(x, s))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_float32_unbatched_no_bias_relu(torch, name):
    kw = {"nonlinearity": "relu"} if name == "RNN" else {}
    fm, tm = twin(torch, name, 3, 4, 2, bias=False, dtype="float32", **kw)
    fx, tx = pair(torch, 7, 3, dtype="float32")
    compare(torch, fm, tm, [fx], [tx], lambda m, x: m(x), dtype="float32")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("scale", [1e-7, 1.0, 40.0])
def test_lstm_gates_tiny_or_saturated_match_torch(torch, scale, dtype):
    """The cell gate's tanh is computed as 2 sigma(2x) - 1 with the three sigmoid gates: still
    PyTorch's values and gradients for pre-activations near 0 and far in the saturation."""
    fm, tm = twin(torch, "LSTM", 4, 5, 1, dtype=dtype)
    with torch.no_grad():
        for p in tm.parameters():
            p.mul_(scale)
    fm.load_state_dict({k: flambeau.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    a = np.random.default_rng(1).standard_normal((6, 3, 4)).astype(dtype) * scale
    fx, tx = flambeau.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    compare(torch, fm, tm, [fx], [tx], lambda m, x: m(x), dtype)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cells_match_torch(torch, name, dtype):
    fm, tm = twin(torch, name, 4, 5, dtype=dtype)
    fx, tx = pair(torch, 3, 4, dtype=dtype)
    fh, th = pair(torch, 3, 5, dtype=dtype, seed=2)
    if name == "LSTMCell":
        fc, tc = pair(torch, 3, 5, dtype=dtype, seed=3)
        compare(torch, fm, tm, [fx, (fh, fc)], [tx, (th, tc)], lambda m, x, s: m(x, s), dtype)
    else:
        compare(torch, fm, tm, [fx, fh], [tx, th], lambda m, x, s: m(x, s), dtype)
    # no state given, and an unbatched input
    fm.zero_grad(), tm.zero_grad()
    fx, tx = pair(torch, 4, dtype=dtype, seed=4)
    compare(torch, fm, tm, [fx], [tx], lambda m, x: m(x), dtype)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences_match_torch(torch, name, enforce_sorted):
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    fm, tm = twin(torch, name, 3, 4, 2, bidirectional=True, batch_first=True)
    fx, tx = pair(torch, 4, 5, 3)

    def call(lib):
        def run(m, x):
            packed = lib.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True,
                                                           enforce_sorted=enforce_sorted)
            out, state = m(packed)
            assert out.batch_sizes.tolist() == [4, 3, 3, 1, 1]
            padded, lens = lib.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, padding_value=-1.0)
            assert lens.tolist() == lengths
            return padded, state
        return run

    compare(torch, fm, tm, [fx], [tx], lambda m, x: call(flambeau if m is fm else torch)(m, x))


def test_pack_pad_roundtrip_matches_torch(torch):
    seqs = [np.random.default_rng(i).standard_normal((n, 2)) for i, n in enumerate([2, 4, 1])]
    fs = [flambeau.tensor(s, requires_grad=True) for s in seqs]
    ts = [torch.tensor(s, requires_grad=True) for s in seqs]
    for bf in (False, True):
        for side in ("right", "left"):
            fp = rnn_utils.pad_sequence(fs, batch_first=bf, padding_value=7.0, padding_side=side)
            tp = torch.nn.utils.rnn.pad_sequence(ts, batch_first=bf, padding_value=7.0, padding_side=side)
            np.testing.assert_array_equal(fp.detach().numpy(), tp.detach().numpy())
    fpk = rnn_utils.pack_sequence(fs, enforce_sorted=False)
    tpk = torch.nn.utils.rnn.pack_sequence(ts, enforce_sorted=False)
    np.testing.assert_array_equal(fpk.data.detach().numpy(), tpk.data.detach().numpy())
    for a, b in zip(fpk[1:], tpk[1:]):
        assert a.tolist() == b.tolist()
    for a, b in zip(rnn_utils.unpack_sequence(fpk), torch.nn.utils.rnn.unpack_sequence(tpk)):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    up = np.random.default_rng(9).standard_normal(tuple(tpk.data.shape))
    fpk.data.backward(flambeau.tensor(up))
    tpk.data.backward(torch.tensor(up))
    for f, t in zip(fs, ts):
        np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy())
    padded, lens = rnn_utils.pad_packed_sequence(fpk, total_length=6)
    assert tuple(padded.shape) == (6, 3, 2) and lens.tolist() == [2, 4, 1]


def test_state_dict_loads_both_ways(torch):
    tm = torch.nn.LSTM(3, 4, 2, bidirectional=True).double()
    fm = nn.LSTM(3, 4, 2, bidirectional=True).double()
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in fm.state_dict().items()})
    fm2 = nn.LSTM(3, 4, 2, bidirectional=True).double()
    fm2.load_state_dict({k: flambeau.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    for k, v in fm.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), fm2.state_dict()[k].numpy())
    assert [(k, tuple(v.shape)) for k, v in fm.named_parameters()] == \
        [(k, tuple(v.shape)) for k, v in tm.named_parameters()]


def test_default_init_range(torch):
    m = nn.GRU(10, 25, 2)
    bound = 1 / np.sqrt(25)
    for p in m.parameters():
        a = p.detach().numpy()
        assert a.min() >= -bound and a.max() <= bound and a.std() > bound / 3
    assert str(m) == str(torch.nn.GRU(10, 25, 2))


def test_dropout_between_layers(torch):
    m = nn.LSTM(8, 200, 2, dropout=0.5).double()
    x = flambeau.randn(4, 6, 8, dtype=flambeau.float64)
    m.eval()
    a = m(x)[0].detach().numpy()
    np.testing.assert_array_equal(a, m(x)[0].detach().numpy())  # eval: no dropout, deterministic
    m.train()
    b = m(x)[0].detach().numpy()
    assert not np.allclose(a, b)
    m1 = nn.LSTM(8, 200, 1).double()  # the first layer alone: unaffected by dropout
    m1.load_state_dict({k: v for k, v in m.state_dict().items() if k.endswith("l0")})
    np.testing.assert_allclose(m(x)[1][0][0].detach().numpy(), m1(x)[1][0][0].detach().numpy())
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.2)


@pytest.mark.parametrize("make,call", [
    (lambda lib: lib.nn.LSTM(4, 5, 2), lambda lib, m: m(lib.randn(2, 3, 4, 5))),
    (lambda lib: lib.nn.LSTM(4, 5, 2), lambda lib, m: m(lib.randn(2, 3, 6))),
    (lambda lib: lib.nn.LSTM(4, 5, 2), lambda lib, m: m(lib.randn(2, 3, 4), (lib.randn(1, 3, 5), lib.randn(2, 3, 5)))),
    (lambda lib: lib.nn.LSTM(4, 5, 2), lambda lib, m: m(lib.randn(2, 3, 4).double())),
    (lambda lib: lib.nn.GRU(4, 5), lambda lib, m: m(lib.randn(2, 3, 4), lib.randn(1, 4, 5))),
    (lambda lib: lib.nn.LSTM(4, 5), lambda lib, m: m(lib.randn(3, 4), (lib.randn(1, 1, 5), lib.randn(1, 1, 5)))),
    (lambda lib: lib.nn.LSTMCell(4, 5), lambda lib, m: m(lib.randn(3, 6))),
    (lambda lib: lib.nn.LSTMCell(4, 5), lambda lib, m: m(lib.randn(3, 4, 3))),
    (lambda lib: lib.nn.GRUCell(4, 5), lambda lib, m: m(lib.randn(3, 4), lib.randn(2, 5))),
    (lambda lib: lib.nn.RNN(4, 5, nonlinearity="sigmoid"), None),
    (lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.randn(3, 2, 4), [2, 3]), None),
    (lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.randn(3, 2, 4), [3, 0]), None),
])
def test_errors_match_torch(torch, make, call):
    def outcome(lib):
        try:
            m = make(lib)
            if call is not None:
                call(lib, m)
        except Exception as e:  # noqa: BLE001 - the exception is the result compared
            return type(e).__name__, str(e)
        return None

    expected = outcome(torch)
    assert expected is not None
    assert outcome(flambeau) == expected


def test_recurrent_steps_run_on_one_blas_thread():
    """The loop over time multiplies B rows at each step: one BLAS thread there (the thread count
    of NumPy's BLAS is restored after, also when the block raises)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from flambeau._runtime import _blas_controllers, one_blas_thread

    # NumPy's BLAS libraries as flambeau found them (a BLAS loaded later by another library,
    # after an earlier test made flambeau look, is not NumPy's concern)
    paths = {c.filepath for c in _blas_controllers()}

    def blas() -> list:
        return [p["num_threads"] for p in threadpool_info()
                if p["user_api"] == "blas" and p["filepath"] in paths]

    with threadpool_limits(2, user_api="blas"):
        before = blas()
        with one_blas_thread():
            assert blas() and all(n == 1 for n in blas())
        assert blas() == before
        with pytest.raises(RuntimeError, match="inside"), one_blas_thread():
            raise RuntimeError("inside")
        assert blas() == before
