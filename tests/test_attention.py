"""Attention, transformers and the normalisations that go with them, against PyTorch: the same
inputs and weights, then outputs and the gradients of inputs and parameters under random upstream
gradients (float64 tight, float32 loose); dropout checked in train against eval."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from flambeau import nn
from module_parity import compare, pair, twin
from parity import run

R = np.random.default_rng(0)


def randn(*shape):
    return R.standard_normal(shape)


# ------------------------------------------------------------------ scaled_dot_product_attention
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", ["plain", "causal", "bool", "float", "scale", "cross"])
def test_sdpa_matches_torch(torch, dtype, case):
    q, k, v = randn(2, 3, 5, 4), randn(2, 3, 5, 4), randn(2, 3, 5, 6)
    if case == "cross":
        k, v = randn(2, 3, 7, 4), randn(2, 3, 7, 6)
    masks = {"bool": np.tril(np.ones((5, 5), bool)) | (randn(5, 5) > 0), "float": randn(1, 3, 5, 5)}

    def f(lib, q, k, v, *m):
        kw = {"is_causal": case == "causal", "scale": 0.3 if case == "scale" else None}
        if m:
            kw["attn_mask"] = m[0]
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, **kw)

    arrays = [q, k, v] + ([masks[case]] if case in masks else [])
    run(torch, f, arrays, dtype=dtype)


def test_sdpa_fully_masked_row_gives_zeros(torch):
    mask = np.ones((4, 4), bool)
    mask[1] = False  # row 1 attends to nothing: weights 0, output 0, as PyTorch (not NaN)
    run(torch, lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=lib.tensor(mask)),
        [randn(2, 4, 3), randn(2, 4, 3), randn(2, 4, 3)])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_rows_far_below_the_matrix_maximum(torch, dtype, causal):
    """The softmax shifts each matrix of scores by its maximum, then redoes with their own the
    rows whose exponentials underflow: a query scaled by 3000 puts the other rows of its matrix
    hundreds below (float32 and float64 both redo them); a whole matrix masked gives zeros."""
    q, k, v = randn(2, 3, 6, 4), randn(2, 3, 8, 4), randn(2, 3, 8, 5)
    q[0, 1, 2] *= 3000
    q[1, 0, 4] *= 60
    mask = np.ones((2, 3, 6, 8), bool)
    mask[1, 2] = False
    mask[0, 0, 3] = False

    def f(lib, q, k, v):
        m = None if causal else lib.tensor(mask)
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=causal)

    run(torch, f, [q, k, v], dtype=dtype)


def test_sdpa_dropout_scales_and_zeroes(torch):
    q = flambeau.randn(1, 1, 64, 8, dtype=flambeau.float64)
    v = flambeau.ones(1, 1, 64, 8, dtype=flambeau.float64)
    F = flambeau.nn.functional
    flambeau.manual_seed(0)
    out = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5).numpy()
    # each output row is the sum of kept weights / (1 - p): 2 E[kept sum] = 1 on average
    assert abs(out.mean() - 1) < 0.15 and out.std() > 0.05
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, q, v).numpy(), 1)


@pytest.mark.parametrize("call", [
    lambda lib, q: lib.nn.functional.scaled_dot_product_attention(
        q, q, q, attn_mask=lib.ones(3, 3, dtype=lib.bool), is_causal=True),
    lambda lib, q: lib.nn.functional.scaled_dot_product_attention(q, q[:, :, :3], q),
    lambda lib, q: lib.nn.functional.scaled_dot_product_attention(q, q, q, attn_mask=lib.ones(3, 3, dtype=lib.int64)),
    lambda lib, q: lib.nn.MultiheadAttention(5, 2),
    lambda lib, q: lib.nn.MultiheadAttention(4, 2)(q, q, q, is_causal=True),
])
def test_attention_errors_match_torch(torch, call):
    def outcome(lib):
        try:
            call(lib, lib.ones(2, 3, 4))
        except Exception as e:  # noqa: BLE001 - the exception is the result compared
            return type(e).__name__, str(e)
        return None

    assert outcome(torch) is not None
    assert outcome(flambeau) == outcome(torch)


# ------------------------------------------------------------------ MultiheadAttention
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_self_attention_masks(torch, batch_first, need_weights, average):
    fm, tm = twin(torch, "MultiheadAttention", 8, 2, batch_first=batch_first)
    fx, tx = pair(torch, *((3, 5, 8) if batch_first else (5, 3, 8)))
    causal = np.triu(np.ones((5, 5), bool), 1)
    pad = np.zeros((3, 5), bool)
    pad[1, 3:] = True

    def call(m, x):
        lib = flambeau if m is fm else torch
        out, w = m(x, x, x, key_padding_mask=lib.tensor(pad), attn_mask=lib.tensor(causal),
                   need_weights=need_weights, average_attn_weights=average)
        return (out, w) if need_weights else out

    compare(torch, fm, tm, [fx], [tx], call)


def test_mha_cross_attention_kdim_vdim_float_mask(torch):
    fm, tm = twin(torch, "MultiheadAttention", 8, 4, kdim=6, vdim=5, dtype="float32")
    fq, tq = pair(torch, 4, 2, 8, dtype="float32")
    fk, tk = pair(torch, 7, 2, 6, dtype="float32", seed=2)
    fv, tv = pair(torch, 7, 2, 5, dtype="float32", seed=3)
    mask = randn(8, 4, 7).astype(np.float32)
    compare(torch, fm, tm, [fq, fk, fv], [tq, tk, tv],
            lambda m, q, k, v: m(q, k, v, attn_mask=(flambeau if m is fm else torch).tensor(mask)),
            dtype="float32")


def test_mha_unbatched_and_state_dict_names(torch):
    fm, tm = twin(torch, "MultiheadAttention", 6, 3, bias=False)
    fx, tx = pair(torch, 4, 6)
    compare(torch, fm, tm, [fx], [tx], lambda m, x: m(x, x, x))
    assert list(nn.MultiheadAttention(6, 3).state_dict()) == list(torch.nn.MultiheadAttention(6, 3).state_dict())
    assert str(nn.MultiheadAttention(6, 3)) == str(torch.nn.MultiheadAttention(6, 3))


def test_functional_mha_takes_torchs_arguments(torch):
    fm, tm = twin(torch, "MultiheadAttention", 6, 2)
    fx, tx = pair(torch, 4, 3, 6)

    def call(m, x):
        lib = flambeau if m is fm else torch
        return lib.nn.functional.multi_head_attention_forward(
            x, x, x, 6, 2, m.in_proj_weight, m.in_proj_bias, None, None, False, 0.0, m.out_proj.weight,
            m.out_proj.bias, True, None, True, None, average_attn_weights=False)

    compare(torch, fm, tm, [fx], [tx], call)


# ------------------------------------------------------------------ Transformer layers
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_matches_torch(torch, norm_first, activation, batch_first):
    fm, tm = twin(torch, "TransformerEncoderLayer", 8, 2, 16, dropout=0.0, activation=activation,
                  batch_first=batch_first, norm_first=norm_first)
    fx, tx = pair(torch, *((3, 5, 8) if batch_first else (5, 3, 8)))
    mask = np.triu(np.full((5, 5), -np.inf), 1)
    compare(torch, fm, tm, [fx], [tx], lambda m, x: m(x, src_mask=(flambeau if m is fm else torch).tensor(mask)))


def test_encoder_stack_with_padding_mask(torch):
    tl = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    tm = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(8), enable_nested_tensor=False).double()
    fm = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 2,
                               norm=nn.LayerNorm(8)).double()
    fm.load_state_dict({k: flambeau.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    fx, tx = pair(torch, 3, 5, 8)
    pad = np.zeros((3, 5), bool)
    pad[0, 4:] = True
    compare(torch, fm, tm, [fx], [tx],
            lambda m, x: m(x, src_key_padding_mask=(flambeau if m is fm else torch).tensor(pad)))


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_and_transformer_match_torch(torch, norm_first):
    fm, tm = twin(torch, "TransformerDecoderLayer", 8, 2, 16, dropout=0.0, norm_first=norm_first)
    ft, tt = pair(torch, 4, 2, 8)
    fmem, tmem = pair(torch, 6, 2, 8, seed=2)
    mask = np.triu(np.full((4, 4), -np.inf), 1)
    compare(torch, fm, tm, [ft, fmem], [tt, tmem],
            lambda m, t, mem: m(t, mem, tgt_mask=(flambeau if m is fm else torch).tensor(mask)))
    fm, tm = twin(torch, "Transformer", 8, 2, 2, 1, 16, dropout=0.0, batch_first=True)
    fs, ts = pair(torch, 2, 6, 8, seed=3)
    ft, tt = pair(torch, 2, 4, 8, seed=4)
    compare(torch, fm, tm, [fs, ft], [ts, tt], lambda m, s, t: m(
        s, t, tgt_mask=type(m).generate_square_subsequent_mask(4, dtype=(flambeau if m is fm else torch).float64)))
    np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(3).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(3).numpy())


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
def test_transformer_float32_and_state_dict_to_torch(torch):
    fm = nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, norm_first=True)
    tm = torch.nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, norm_first=True)
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in fm.state_dict().items()})  # flambeau -> torch
    fs, ts = pair(torch, 5, 2, 8, dtype="float32")
    ft, tt = pair(torch, 3, 2, 8, dtype="float32", seed=2)
    compare(torch, fm, tm, [fs, ft], [ts, tt], lambda m, s, t: m(s, t), dtype="float32")


def test_dropout_active_in_train_only():
    m = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.3).double()
    x = flambeau.randn(6, 2, 16, dtype=flambeau.float64)
    m.eval()
    a = m(x).detach().numpy()
    np.testing.assert_array_equal(a, m(x).detach().numpy())
    m.train()
    assert not np.allclose(a, m(x).detach().numpy())


# ------------------------------------------------------------------ norms and friends
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_group_norm_rms_norm_functional(torch, dtype):
    run(torch, lambda lib, x, w, b: lib.nn.functional.group_norm(x, 3, w, b, 1e-5),
        [randn(2, 6, 4, 3), randn(6), randn(6)], dtype=dtype)
    run(torch, lambda lib, x, w: lib.nn.functional.rms_norm(x, (3, 4), w), [randn(2, 5, 3, 4), randn(3, 4)],
        dtype=dtype)
    run(torch, lambda lib, x: lib.nn.functional.rms_norm(x, (4,), eps=1e-3), [randn(5, 4)], dtype=dtype)


@pytest.mark.parametrize("name,args", [("GroupNorm", (2, 4)), ("RMSNorm", (4,)), ("GroupNorm", (4, 4))])
def test_norm_modules(torch, name, args):
    fm, tm = twin(torch, name, *args)
    with torch.no_grad():
        for p in tm.parameters():
            p.add_(torch.randn(p.shape, dtype=p.dtype))
    fm.load_state_dict({k: flambeau.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    fx, tx = pair(torch, 3, 4, 5) if name == "GroupNorm" else pair(torch, 3, 5, 4)
    compare(torch, fm, tm, [fx], [tx], lambda m, x: m(x))
    assert str(fm) == str(tm)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_normalize_cosine_similarity(torch, dtype):
    run(torch, lambda lib, x: lib.nn.functional.normalize(x), [randn(4, 5)], dtype=dtype)
    run(torch, lambda lib, x: lib.nn.functional.normalize(x, p=1.0, dim=-1), [randn(3, 4, 5)], dtype=dtype)
    run(torch, lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b), [randn(4, 5), randn(4, 5)], dtype=dtype)
    run(torch, lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, dim=-1),
        [randn(3, 1, 5), randn(4, 5)], dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_distance_modules(torch, dtype):
    run(torch, lambda lib, a, b: lib.nn.CosineSimilarity(dim=0)(a, b), [randn(4, 5), randn(4, 5)], dtype=dtype)
    run(torch, lambda lib, a, b: lib.nn.PairwiseDistance()(a, b), [randn(4, 5), randn(4, 5)], dtype=dtype)
    run(torch, lambda lib, a, b: lib.nn.functional.pairwise_distance(a, b, p=1.0, keepdim=True),
        [randn(4, 5), randn(1, 5)], dtype=dtype)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_modes(torch, mode):
    run(torch, lambda lib, x: lib.nn.functional.pad(x, (1, 2, 2, 1), mode=mode), [randn(2, 3, 4, 5)])
    run(torch, lambda lib, x: lib.nn.functional.pad(x, (2, 1), mode=mode), [randn(2, 3, 4)])


def test_embedding_padding_max_norm_freq(torch):
    idx = np.array([[1, 2, 4, 1], [4, 3, 0, 1]])
    w = randn(6, 3) * 2
    run(torch, lambda lib, w: lib.nn.functional.embedding(lib.tensor(idx), w, padding_idx=1,
                                                          scale_grad_by_freq=True), [w])
    tm = torch.nn.Embedding(6, 3, padding_idx=-2, max_norm=1.0).double()
    fm = nn.Embedding(6, 3, padding_idx=-2, max_norm=1.0).double()
    with torch.no_grad():
        tm.weight.mul_(3)
    fm.load_state_dict({"weight": flambeau.tensor(tm.weight.detach().numpy())})
    compare(torch, fm, tm, [flambeau.tensor(idx)], [torch.tensor(idx)], lambda m, i: m(i))
    np.testing.assert_allclose(fm.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-12)
    assert str(fm) == str(tm)


# ------------------------------------------------------------------ narrow, repeat_interleave
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_narrow_repeat_interleave(torch, dtype):
    run(torch, lambda lib, x: x.narrow(1, 1, 2), [randn(3, 4)], dtype=dtype)
    run(torch, lambda lib, x: lib.narrow(x, -1, -2, 2), [randn(3, 4)], dtype=dtype)
    run(torch, lambda lib, x: x.repeat_interleave(2), [randn(2, 3)], dtype=dtype)
    run(torch, lambda lib, x: lib.repeat_interleave(x, lib.tensor([1, 0, 3]), dim=0), [randn(3, 2)], dtype=dtype)
    run(torch, lambda lib, x: x.repeat_interleave(3, dim=-1), [randn(2, 3)], dtype=dtype)
    run(torch, lambda lib, a, b: lib.cosine_similarity(a, b, dim=-1), [randn(3, 4), randn(3, 4)], dtype=dtype)
    assert flambeau.repeat_interleave(flambeau.tensor([1, 2, 0])).tolist() == [0, 1, 1]


@pytest.mark.parametrize("call", [
    lambda lib, x: x.narrow(1, 5, 1),
    lambda lib, x: x.narrow(1, 2, 3),
    lambda lib, x: x.narrow(2, 0, 1),
    lambda lib, x: lib.repeat_interleave(x, lib.tensor([1, 2]), dim=0),
    lambda lib, x: lib.repeat_interleave(x, -1),
])
def test_narrow_repeat_interleave_errors(torch, call):
    def outcome(lib):
        try:
            call(lib, lib.zeros(3, 4))
        except Exception as e:  # noqa: BLE001 - the exception is the result compared
            return type(e).__name__, str(e)
        return None

    assert outcome(torch) is not None
    assert outcome(flambeau) == outcome(torch)
