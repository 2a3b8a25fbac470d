"""What real PyTorch code asked for and flambeau lacked: LSTM projections, zero attention and
given keys in multi-head attention, grouped-query attention. Against PyTorch: the same weights and
inputs, then outputs and the gradients of the inputs and of every parameter under random upstream
gradients (float64 tight, float32 loose), and the same errors."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from module_parity import compare, pair, twin
from parity import run

R = np.random.default_rng(0)


def outcome(call, lib):
    try:
        call(lib)
    except Exception as e:  # noqa: BLE001 - the exception is the result compared
        return type(e).__name__, str(e)
    return None


# ------------------------------------------------------------------ LSTM(proj_size=...)
@pytest.mark.parametrize("layers,bidi,batch_first,bias", [(1, False, False, True), (2, True, False, True),
                                                          (2, False, True, False)])
def test_lstm_projections_match_torch(torch, layers, bidi, batch_first, bias):
    fm, tm = twin(torch, "LSTM", 4, 6, layers, proj_size=3, bidirectional=bidi, batch_first=batch_first,
                  bias=bias)
    fx, tx = pair(torch, *((2, 5, 4) if batch_first else (5, 2, 4)))
    compare(torch, fm, tm, [fx], [tx], lambda m, x: m(x))


def test_lstm_projections_initial_states_float32(torch):
    fm, tm = twin(torch, "LSTM", 3, 5, 2, proj_size=2, bidirectional=True, dtype="float32")
    fx, tx = pair(torch, 4, 3, 3, dtype="float32")
    fh, th = pair(torch, 4, 3, 2, dtype="float32", seed=2)  # h: proj_size values
    fc, tc = pair(torch, 4, 3, 5, dtype="float32", seed=3)  # c: hidden_size values
    compare(torch, fm, tm, [fx, (fh, fc)], [tx, (th, tc)], lambda m, x, s: m(x, s), dtype="float32")


def test_lstm_projections_packed_unbatched(torch):
    fm, tm = twin(torch, "LSTM", 3, 4, 2, proj_size=2, bidirectional=True, batch_first=True)
    fx, tx = pair(torch, 3, 5, 3)
    lengths = [2, 5, 3]

    def call(m, x):
        lib = flambeau if m is fm else torch
        packed = lib.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, state = m(packed)
        return lib.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)[0], state

    compare(torch, fm, tm, [fx], [tx], call)
    fu, tu = pair(torch, 5, 3, seed=4)
    compare(torch, fm, tm, [fu], [tu], lambda m, x: m(x))


def test_lstm_projections_names_repr_init(torch):
    f, t = flambeau.nn.LSTM(4, 6, 2, proj_size=3, bidirectional=True), torch.nn.LSTM(4, 6, 2, proj_size=3,
                                                                                   bidirectional=True)
    assert [(k, tuple(v.shape)) for k, v in f.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    assert str(f) == str(t)
    assert [[tuple(w.shape) for w in g] for g in f.all_weights] == [[tuple(w.shape) for w in g] for g in t.all_weights]
    assert all(np.abs(p.detach().numpy()).max() <= 1 / np.sqrt(6) for p in f.parameters())


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.LSTM(4, 5, proj_size=5),
    lambda lib: lib.nn.LSTM(4, 5, proj_size=-1),
    lambda lib: lib.nn.GRU(4, 5, proj_size=2),
    lambda lib: lib.nn.RNN(4, 5, proj_size=2),
    lambda lib: lib.nn.LSTM(4, 5, proj_size=2)(lib.randn(2, 3, 4), (lib.randn(1, 3, 5), lib.randn(1, 3, 5))),
    lambda lib: lib.nn.LSTM(4, 5, proj_size=2)(lib.randn(2, 3, 4), (lib.randn(1, 3, 2), lib.randn(1, 3, 2))),
])
def test_lstm_projection_errors_match_torch(torch, call):
    expected = outcome(call, torch)
    assert expected is not None
    assert outcome(call, flambeau) == expected


# ------------------------------------------------------------------ MultiheadAttention(add_zero_attn)
@pytest.mark.parametrize("bias_kv", [False, True])
@pytest.mark.parametrize("need_weights", [False, True])
def test_mha_zero_attention_with_masks(torch, bias_kv, need_weights):
    fm, tm = twin(torch, "MultiheadAttention", 8, 2, add_zero_attn=True, add_bias_kv=bias_kv)
    fx, tx = pair(torch, 5, 3, 8)
    causal = np.triu(np.ones((5, 5), bool), 1)
    pad = np.zeros((3, 5), bool)
    pad[1, 2:] = True

    def call(m, x):
        lib = flambeau if m is fm else torch
        out, w = m(x, x, x, key_padding_mask=lib.tensor(pad), attn_mask=lib.tensor(causal),
                   need_weights=need_weights, average_attn_weights=False)
        return (out, w) if need_weights else out

    compare(torch, fm, tm, [fx], [tx], call)


def test_mha_zero_attention_cross_float32(torch):
    fm, tm = twin(torch, "MultiheadAttention", 8, 4, add_zero_attn=True, kdim=6, vdim=5, batch_first=True,
                  dtype="float32")
    fq, tq = pair(torch, 2, 4, 8, dtype="float32")
    fk, tk = pair(torch, 2, 7, 6, dtype="float32", seed=2)
    fv, tv = pair(torch, 2, 7, 5, dtype="float32", seed=3)
    compare(torch, fm, tm, [fq, fk, fv], [tq, tk, tv], lambda m, q, k, v: m(q, k, v), dtype="float32")


@pytest.mark.parametrize("zero_attn", [False, True])
def test_functional_mha_static_keys_values(torch, zero_attn):
    fm, tm = twin(torch, "MultiheadAttention", 6, 2)
    fx, tx = pair(torch, 4, 3, 6)
    fk, tk = pair(torch, 6, 7, 3, seed=2)  # (N * heads, S, head_dim)
    fv, tv = pair(torch, 6, 7, 3, seed=3)

    def call(m, x, k, v):
        lib = flambeau if m is fm else torch
        return lib.nn.functional.multi_head_attention_forward(
            x, x, x, 6, 2, m.in_proj_weight, m.in_proj_bias, None, None, zero_attn, 0.0, m.out_proj.weight,
            m.out_proj.bias, True, None, True, None, static_k=k, static_v=v)

    compare(torch, fm, tm, [fx, fk, fv], [tx, tk, tv], call)


@pytest.mark.parametrize("shape_k,bias", [((5, 7, 3), False), ((6, 7, 2), False), ((6, 7, 3), True)])
def test_functional_mha_static_errors(torch, shape_k, bias):
    def call(lib):
        m = lib.nn.MultiheadAttention(6, 2, add_bias_kv=bias)
        x = lib.randn(4, 3, 6)
        lib.nn.functional.multi_head_attention_forward(
            x, x, x, 6, 2, m.in_proj_weight, m.in_proj_bias, m.bias_k, m.bias_v, False, 0.0, m.out_proj.weight,
            m.out_proj.bias, True, None, True, None, static_k=lib.randn(*shape_k))

    expected = outcome(call, torch)
    assert expected is not None
    assert outcome(call, flambeau) == expected


# ------------------------------------------------------------------ scaled_dot_product_attention(enable_gqa)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("heads", [(4, 2, 2), (4, 1, 2), (4, 4, 4)])
def test_sdpa_grouped_query_attention(torch, dtype, heads):
    hq, hk, hv = heads
    q, k, v = R.standard_normal((2, hq, 5, 3)), R.standard_normal((2, hk, 6, 3)), R.standard_normal((2, hv, 6, 4))
    run(torch, lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True,
                                                                                  enable_gqa=True),
        [q, k, v], dtype=dtype)


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.scaled_dot_product_attention(lib.randn(1, 4, 3, 5), lib.randn(1, 3, 3, 5),
                                                               lib.randn(1, 3, 3, 5), enable_gqa=True),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(lib.randn(3, 5), lib.randn(3, 5), lib.randn(3, 5),
                                                               enable_gqa=True),
])
def test_sdpa_grouped_query_errors(torch, call):
    expected = outcome(call, torch)
    assert expected is not None
    assert outcome(call, flambeau) == expected


def test_sdpa_heads_that_do_not_broadcast(torch):
    def call(lib):
        lib.nn.functional.scaled_dot_product_attention(lib.randn(1, 4, 3, 5), lib.randn(1, 2, 3, 5),
                                                       lib.randn(1, 2, 3, 5))

    expected = outcome(call, torch)
    got = outcome(call, flambeau)
    assert got[0] == expected[0] and got[1].startswith(expected[1])


@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_dropout_draws_pytorchs_mask(torch, causal):
    def f(lib, p=0.3):
        lib.manual_seed(3)
        q, k, v = lib.randn(2, 3, 4, 5, dtype=lib.float64), lib.randn(2, 3, 6, 5, dtype=lib.float64), \
            lib.randn(2, 3, 6, 2, dtype=lib.float64)
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=causal).numpy()

    expected = f(torch)
    assert not np.allclose(expected, f(torch, 0.0))
    np.testing.assert_allclose(f(flambeau), expected, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ torch.jit, torch.onnx: importable
def test_jit_returns_what_it_is_given_and_onnx_refuses(tmp_path):
    import flambeau.jit
    import flambeau.onnx

    model = flambeau.nn.Linear(2, 3)
    x = flambeau.ones(1, 2)
    assert flambeau.jit.script(model) is model and flambeau.jit.trace(model, x) is model
    assert flambeau.jit.ignore(len) is len and flambeau.jit.ignore(drop=True)(len) is len
    assert not flambeau.jit.is_scripting() and not flambeau.jit.is_tracing()
    assert not flambeau.onnx.is_in_onnx_export()
    with pytest.raises(NotImplementedError, match="cannot export Linear to ONNX"):
        flambeau.onnx.export(model, (x,), str(tmp_path / "m.onnx"))
    assert not (tmp_path / "m.onnx").exists()


# ------------------------------------------------------------------ linspace, histogram: PyTorch's numbers
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "float16", "bfloat16"])
def test_linspace_is_pytorchs_bit_for_bit(torch, dtype):
    if dtype == "bfloat16":
        pytest.importorskip("ml_dtypes")
    for start, end, steps in [(-np.pi, np.pi, 2000), (0, 1, 100), (-1, 1, 6), (3, -7.5, 37), (0.1, 0.7, 1001),
                              (-3, 12, 1), (5, 5, 0), (1e-3, 7e3, 12345), (-100, 100, 201)]:
        expected = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).double().numpy()
        got = flambeau.linspace(start, end, steps, dtype=getattr(flambeau, dtype)).double().numpy()
        np.testing.assert_array_equal(got, expected, err_msg=f"linspace({start}, {end}, {steps})")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histogram_matches_torch(torch, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(300).astype(dtype)
    w = rng.random(300).astype(dtype)
    edges = np.array([-2.0, -0.5, 0.0, 0.1, 3.0], dtype)
    cases = [dict(bins=7), dict(bins=5, range=(-1.0, 1.0)), dict(bins=3, density=True), dict(bins=4, weight=w),
             dict(bins=edges), dict(bins=edges, density=True, weight=w)]
    for kw in cases:
        def call(lib, kw=kw):
            args = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
            return lib.histogram(lib.tensor(x), **args)

        (fh, fe), (th, te) = call(flambeau), call(torch)
        np.testing.assert_array_equal(fe.numpy(), te.numpy())
        np.testing.assert_allclose(fh.numpy(), th.numpy(), rtol=1e-6 if dtype == "float32" else 1e-13)
        assert fh.dtype == getattr(flambeau, dtype)
    ties = np.array([0.0, 0.25, 0.5, 0.75, 1.0, 1 / 3], dtype)  # on the edges: the right bin, the last closed
    for bins in (3, 4):
        np.testing.assert_array_equal(flambeau.tensor(ties).histogram(bins).hist.numpy(),
                                      torch.tensor(ties).histogram(bins).hist.numpy())
    np.testing.assert_array_equal(flambeau.histogram(flambeau.ones(3), bins=2).bin_edges.numpy(), [0.5, 1.0, 1.5])


@pytest.mark.parametrize("call", [
    lambda lib: lib.histogram(lib.tensor([1, 2]), 3),
    lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), 0),
    lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), 3, range=(2.0, 1.0)),
    lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), lib.tensor([1, 2])),
    lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), 3, weight=lib.tensor([1.0])),
    lambda lib: lib.histogram(lib.tensor([1.0, float("inf")]), 3),
    lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), 3, range=(0.5, float("inf"))),
])
def test_histogram_errors_match_torch(torch, call):
    expected = outcome(call, torch)
    assert expected is not None
    assert outcome(call, flambeau) == expected


# ------------------------------------------------------------------ topk: PyTorch's order for ties and sorted=False
@pytest.mark.parametrize("kind", ["distinct", "ties", "nan", "int"])
@pytest.mark.parametrize("n,k", [(5, 3), (20, 5), (100, 7), (8, 8), (200, 3), (1000, 400), (65, 1), (33, 20)])
def test_topk_indices_are_pytorchs(torch, kind, n, k):
    rng = np.random.default_rng(n * 7 + k)
    x = {"distinct": rng.permutation(n).astype(np.float32), "ties": rng.integers(0, 4, n).astype(np.float64),
         "int": rng.integers(0, 3, n)}.get(kind)
    if kind == "nan":
        x = rng.integers(0, 5, n).astype(np.float32)
        x[rng.integers(0, n, max(1, n // 5))] = np.nan
    for largest in (True, False):
        for srt in (True, False):
            f = flambeau.topk(flambeau.tensor(x), k, largest=largest, sorted=srt)
            t = torch.topk(torch.tensor(x), k, largest=largest, sorted=srt)
            assert f.indices.tolist() == t.indices.tolist(), (largest, srt)
            np.testing.assert_array_equal(f.values.numpy(), t.values.numpy())


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_topk_unsorted_along_dims_with_gradients(torch, dim):
    x = np.random.default_rng(dim).integers(0, 3, (4, 6, 50)).astype(np.float64)
    run(torch, lambda lib, a: lib.topk(a, 3, dim=dim, sorted=False).values, [x])
    assert flambeau.topk(flambeau.tensor(x), 2, dim=dim).indices.tolist() == \
        torch.topk(torch.tensor(x), 2, dim=dim).indices.tolist()


# ------------------------------------------------------------------ a[idx] = value with leading size-1 dims
@pytest.mark.parametrize("idx,vshape", [(1, (1, 4)), (1, (1, 1, 4)), ([0, 1], (1, 1, 2, 4)),
                                        (slice(0, 2), (1, 2, 4)), ((slice(None), 0), (1, 3)),
                                        (np.array([True, False, True]), (1, 2, 4))])
def test_setitem_drops_the_values_leading_ones(torch, idx, vshape):
    def f(lib, x, w):
        y = x * 1
        y[lib.tensor(idx) if isinstance(idx, np.ndarray) else idx] = w
        return y * y

    rng = np.random.default_rng(0)
    run(torch, f, [rng.standard_normal((3, 4)), rng.standard_normal(vshape)])


@pytest.mark.parametrize("idx,vshape", [(1, (2, 4)), (1, (4, 1)), (1, (3,)), (1, (1, 3)), ([0, 1], (3,)),
                                        ([0, 1], (1, 3, 2, 4))])
def test_setitem_shape_errors_match_torch(torch, idx, vshape):
    def call(lib):
        x = lib.zeros(3, 4)
        x[idx] = lib.ones(vshape)

    expected = outcome(call, torch)
    assert expected is not None
    assert outcome(call, flambeau) == expected


# ------------------------------------------------------------------ torch.testing.assert_close
ASSERT_CLOSE = [
    lambda lib: ([lib.tensor([1.0, 2.0, 3.0]), lib.tensor([1.0, 2.5, 3.0])], {}),
    lambda lib: ([lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64), lib.tensor([1.0, 2.000001, 3.0], dtype=lib.float64)], {}),
    lambda lib: ([lib.tensor([[1.0, 2.0], [3.0, 4.0]]), lib.tensor([[1.0, 2.0], [3.1, 4.2]])], {}),
    lambda lib: ([lib.tensor([1, 2, 3]), lib.tensor([1, 5, 3])], {}),
    lambda lib: ([lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0], dtype=lib.float64)], {}),
    lambda lib: ([lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0, 3.0])], {}),
    lambda lib: ([lib.tensor([1.0, float("nan")]), lib.tensor([1.0, float("nan")])], {}),
    lambda lib: ([lib.tensor([1.0, float("nan")]), lib.tensor([1.0, float("nan")])], {"equal_nan": True}),
    lambda lib: ([1.0, 1.5], {}),
    lambda lib: ([1, 2], {}),
    lambda lib: ([[lib.tensor(1.0), lib.tensor(2.0)], [lib.tensor(1.0), lib.tensor(2.5)]], {}),
    lambda lib: ([{"a": lib.tensor(1.0)}, {"a": lib.tensor(1.2)}], {}),
    lambda lib: ([lib.tensor([1.0, 2.0]), lib.tensor([1.01, 2.0])], {"rtol": 0.1, "atol": 0}),
    lambda lib: ([lib.tensor([1.0, 2.0]), lib.tensor([1.01, 2.0])], {"rtol": 0.1}),
    lambda lib: ([lib.tensor([1.0, 2.0]), lib.tensor([1.5, 2.0])], {"msg": "custom"}),
    lambda lib: ([lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0]).double()], {"check_dtype": False}),
    lambda lib: ([lib.tensor(True), lib.tensor(False)], {}),
    lambda lib: ([lib.tensor([1e-6, 0.0]), lib.tensor([0.0, 1e-7])], {}),
    lambda lib: ([lib.tensor([1.0, 2.0]), [1.0, 2.0]], {}),
    lambda lib: ([lib.tensor([[1.0, 2.0]]), lib.tensor([[1.0, float("inf")]])], {}),
    lambda lib: ([[1.0, 2.0], [1.0]], {}),
]


@pytest.mark.parametrize("case", ASSERT_CLOSE)
def test_assert_close_matches_torch(torch, case):
    def call(lib):
        args, kw = case(lib)
        lib.testing.assert_close(*args, **kw)

    assert outcome(call, flambeau) == outcome(call, torch)


# ------------------------------------------------------------------ diag, trace, tile, take_along_dim, addcmul, addcdiv
IDX = np.array([[0, 3], [3, 1], [1, 1]])
OPS = {
    "diag_vector": ([(4,)], lambda lib, x: lib.diag(x, 1) * 3),
    "diag_vector_below": ([(3,)], lambda lib, x: lib.diag(x, -2)),
    "diag_matrix": ([(3, 4)], lambda lib, x: lib.diag(x)),
    "diag_matrix_offset": ([(3, 4)], lambda lib, x: x.diag(-1)),
    "trace": ([(3, 4)], lambda lib, x: lib.trace(x)),
    "tile": ([(2, 3)], lambda lib, x: lib.tile(x, (2,))),
    "tile_more_dims": ([(2, 3)], lambda lib, x: x.tile(2, 1, 2)),
    "take_along_dim": ([(3, 4)], lambda lib, x: lib.take_along_dim(x, lib.tensor(IDX), 1)),
    "take_along_dim_broadcast": ([(3, 1)], lambda lib, x: lib.take_along_dim(x, lib.tensor(IDX[:, :1] % 1), 0)),
    "take_along_dim_flat": ([(3, 4)], lambda lib, x: lib.take_along_dim(x, lib.tensor([0, 11, 5, 5]))),
    "addcmul": ([(3,), (2, 3), (2, 1)], lambda lib, a, b, c: lib.addcmul(a, b, c, value=0.5)),
    "addcdiv": ([(3,), (3,), (2, 3)], lambda lib, a, b, c: a.addcdiv(b, c * c + 1, value=-2)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(OPS))
def test_more_ops_match_torch(torch, name, dtype):
    shapes, f = OPS[name]
    rng = np.random.default_rng(1)
    run(torch, f, [rng.standard_normal(s) for s in shapes], dtype=dtype)
    fx = [flambeau.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    tx = [torch.tensor(x.detach().numpy(), requires_grad=True) for x in fx]
    assert f(flambeau, *fx).grad_fn.name() == f(torch, *tx).grad_fn.name()


@pytest.mark.parametrize("call", [
    lambda lib: lib.diag(lib.ones(2, 2, 2)),
    lambda lib: lib.diag(lib.tensor(1.0)),
    lambda lib: lib.trace(lib.ones(3)),
    lambda lib: lib.take_along_dim(lib.ones(3, 4), lib.tensor([[0.0]]), 1),
    lambda lib: lib.take_along_dim(lib.ones(3, 4), lib.tensor([[[0]]]), 1),
    lambda lib: lib.tile(lib.ones(3), 2),
    lambda lib: lib.addcdiv(lib.ones(2, dtype=lib.long), lib.ones(2, dtype=lib.long), lib.ones(2, dtype=lib.long)),
])
def test_more_ops_errors_match_torch(torch, call):
    expected = outcome(call, torch)
    assert expected is not None
    assert outcome(call, flambeau) == expected


def test_more_ops_integer_results(torch):
    for lib_call in (lambda lib: lib.trace(lib.arange(6).reshape(2, 3)),
                     lambda lib: lib.addcmul(lib.ones(2, dtype=lib.long), lib.ones(2, dtype=lib.long),
                                             lib.ones(2, dtype=lib.long), value=3),
                     lambda lib: lib.diag(lib.arange(3), 1)):
        f, t = lib_call(flambeau), lib_call(torch)
        assert f.tolist() == t.tolist() and str(f.dtype) == str(t.dtype)


def test_float_of_a_tensor_requiring_grad_warns_once_as_pytorch(torch, monkeypatch):
    import sys
    import warnings

    monkeypatch.setattr(sys.modules["flambeau.tensor"], "_scalar_warned", False)
    t = flambeau.tensor(1.5, requires_grad=True) * 2
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        int(t), t.item(), f"{t:.1f}"
        assert not seen
        float(t), float(t), "%.2f" % t  # noqa: UP031 (the % operator on a tensor is what is tested)
    assert [str(w.message) for w in seen] == ["Converting a tensor with requires_grad=True to a scalar may lead to "
                                              "unexpected behavior.\nConsider using tensor.detach() first."]
    assert seen[0].filename == __file__
