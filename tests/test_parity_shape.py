"""Shape operations against PyTorch: values, shapes, dtypes, gradients, graph names, memory
sharing of views, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from parity import check

DTYPES = [np.float64, np.float32]


def same_error(torch, fn, *shapes, match=None):
    """``fn(module, *tensors)`` raises the same exception class in PyTorch and in flambeau."""
    with pytest.raises(Exception) as expected:
        fn(torch, *[torch.zeros(s) for s in shapes])
    with pytest.raises(expected.type, match=match):
        fn(flambeau, *[flambeau.zeros(s) for s in shapes])


# Each case: (id, fn(module, *tensors), input shapes). The same code runs on torch and flambeau.
CASES = [
    ("reshape", lambda m, x: x.reshape(3, 4), [(2, 6)]),
    ("reshape_tuple", lambda m, x: x.reshape((4, -1)), [(2, 6)]),
    ("reshape_infer", lambda m, x: x.reshape(-1), [(2, 3, 2)]),
    ("reshape_noncontig", lambda m, x: x.t().reshape(6), [(2, 3)]),
    ("reshape_0d", lambda m, x: x.reshape(1, 1), [()]),
    ("reshape_to_0d", lambda m, x: x.reshape(()), [(1,)]),
    ("reshape_fn", lambda m, x: m.reshape(x, (3, 2)), [(6,)]),
    ("reshape_empty", lambda m, x: x.reshape(0, 5), [(5, 0)]),
    ("view", lambda m, x: x.view(3, 4), [(2, 6)]),
    ("view_infer", lambda m, x: x.view(-1, 2), [(2, 6)]),
    ("view_size", lambda m, x: x.view(m.Size([4, 3])), [(2, 6)]),
    ("view_merge_compatible", lambda m, x: x[:, :, :2].view(6, 2), [(2, 3, 4)]),
    ("view_split_transposed", lambda m, x: x.transpose(1, 2).view(2, 4, 3), [(2, 3, 4)]),
    ("view_as", lambda m, x, y: x.view_as(y), [(2, 6), (12,)]),
    ("reshape_as", lambda m, x, y: x.reshape_as(y), [(2, 6), (3, 4)]),
    ("flatten", lambda m, x: x.flatten(), [(2, 3, 4)]),
    ("flatten_1", lambda m, x: x.flatten(1), [(2, 3, 4)]),
    ("flatten_0_1", lambda m, x: m.flatten(x, 0, 1), [(2, 3, 4)]),
    ("flatten_neg", lambda m, x: x.flatten(-2, -1), [(2, 3, 4)]),
    ("flatten_0d", lambda m, x: x.flatten(), [()]),
    ("flatten_same", lambda m, x: x.flatten(1, 1), [(2, 3, 4)]),
    ("unflatten", lambda m, x: x.unflatten(1, (2, -1)), [(3, 6)]),
    ("transpose", lambda m, x: x.transpose(0, 1), [(2, 3)]),
    ("transpose_neg", lambda m, x: x.transpose(-1, 0), [(2, 3, 4)]),
    ("transpose_same", lambda m, x: x.transpose(1, 1), [(2, 3)]),
    ("transpose_fn", lambda m, x: m.transpose(x, 2, 1), [(2, 3, 4)]),
    ("transpose_0d", lambda m, x: x.transpose(0, -1), [()]),
    ("swapaxes", lambda m, x: m.swapaxes(x, 0, 2), [(2, 3, 4)]),
    ("swapdims", lambda m, x: x.swapdims(0, 1), [(2, 3, 4)]),
    ("t", lambda m, x: x.t(), [(2, 3)]),
    ("t_fn", lambda m, x: m.t(x), [(2, 3)]),
    ("t_1d", lambda m, x: x.t(), [(3,)]),
    ("t_0d", lambda m, x: x.t(), [()]),
    ("T", lambda m, x: x.T, [(2, 3)]),
    ("mT", lambda m, x: x.mT, [(4, 2, 3)]),
    ("permute", lambda m, x: x.permute(2, 0, 1), [(2, 3, 4)]),
    ("permute_tuple", lambda m, x: x.permute((1, 2, 0)), [(2, 3, 4)]),
    ("permute_neg", lambda m, x: m.permute(x, (-1, 0, 1)), [(2, 3, 4)]),
    ("permute_identity", lambda m, x: x.permute(0, 1), [(2, 3)]),
    ("movedim", lambda m, x: x.movedim(0, 2), [(2, 3, 4)]),
    ("movedim_neg", lambda m, x: m.movedim(x, -1, 0), [(2, 3, 4)]),
    ("movedim_multi", lambda m, x: x.movedim((0, 1), (2, 0)), [(2, 3, 4)]),
    ("squeeze", lambda m, x: x.squeeze(), [(1, 3, 1, 2, 1)]),
    ("squeeze_fn", lambda m, x: m.squeeze(x), [(1, 3, 1)]),
    ("squeeze_dim", lambda m, x: x.squeeze(2), [(1, 3, 1, 2)]),
    ("squeeze_neg", lambda m, x: x.squeeze(-1), [(2, 1)]),
    ("squeeze_not_one", lambda m, x: x.squeeze(1), [(1, 3, 1)]),
    ("squeeze_tuple", lambda m, x: x.squeeze((0, 2)), [(1, 3, 1, 1)]),
    ("squeeze_tuple_mixed", lambda m, x: x.squeeze((0, 1, -1)), [(1, 3, 1)]),
    ("squeeze_0d", lambda m, x: x.squeeze(), [()]),
    ("squeeze_0d_dim", lambda m, x: x.squeeze(0), [()]),
    ("squeeze_all_ones", lambda m, x: x.squeeze(), [(1, 1)]),
    ("unsqueeze", lambda m, x: x.unsqueeze(0), [(2, 3)]),
    ("unsqueeze_end", lambda m, x: x.unsqueeze(2), [(2, 3)]),
    ("unsqueeze_neg", lambda m, x: x.unsqueeze(-1), [(2, 3)]),
    ("unsqueeze_neg3", lambda m, x: m.unsqueeze(x, -3), [(2, 3)]),
    ("unsqueeze_0d", lambda m, x: x.unsqueeze(0), [()]),
    ("expand", lambda m, x: x.expand(2, 3, 4), [(3, 1)]),
    ("expand_minus1", lambda m, x: x.expand(5, -1, 4), [(3, 1)]),
    ("expand_tuple", lambda m, x: x.expand((2, 3)), [(1, 3)]),
    ("expand_same", lambda m, x: x.expand(2, 3), [(2, 3)]),
    ("expand_0d", lambda m, x: x.expand(3, 2), [()]),
    ("expand_as", lambda m, x, y: x.expand_as(y), [(3, 1), (2, 3, 4)]),
    ("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3, 4)), [(1, 4)]),
    ("repeat", lambda m, x: x.repeat(2, 3), [(2, 3)]),
    ("repeat_more_dims", lambda m, x: x.repeat(2, 1, 3), [(2, 3)]),
    ("repeat_tuple", lambda m, x: x.repeat((3,)), [(2,)]),
    ("repeat_ones", lambda m, x: x.repeat(1, 1), [(2, 3)]),
    ("repeat_zero", lambda m, x: x.repeat(0, 2), [(2, 3)]),
    ("repeat_0d", lambda m, x: x.repeat(2, 2), [()]),
    ("contiguous", lambda m, x: x.t().contiguous(), [(2, 3)]),
    ("contiguous_already", lambda m, x: x.contiguous(), [(2, 3)]),
    ("clone", lambda m, x: x.clone(), [(2, 3)]),
    ("clone_fn", lambda m, x: m.clone(x), [(2, 3)]),
    ("chunk", lambda m, x: x.chunk(2), [(4, 3)]),
    ("chunk_uneven", lambda m, x: x.chunk(4), [(5, 3)]),
    ("chunk_uneven_6_4", lambda m, x: m.chunk(x, 4), [(6, 2)]),
    ("chunk_more_than_size", lambda m, x: x.chunk(5, dim=1), [(2, 2)]),
    ("chunk_dim", lambda m, x: x.chunk(3, dim=-1), [(2, 7)]),
    ("chunk_one", lambda m, x: x.chunk(1), [(3,)]),
    ("chunk_empty", lambda m, x: x.chunk(3), [(0, 2)]),
    ("split_int", lambda m, x: x.split(2), [(5, 3)]),
    ("split_int_dim", lambda m, x: m.split(x, 3, dim=1), [(2, 7)]),
    ("split_list", lambda m, x: x.split([1, 3, 1]), [(5, 3)]),
    ("split_list_zero", lambda m, x: x.split([0, 2, 0, 1], dim=1), [(2, 3)]),
    ("split_big", lambda m, x: x.split(10), [(5,)]),
    ("split_empty", lambda m, x: x.split(2), [(0,)]),
    ("cat", lambda m, x, y: m.cat([x, y]), [(2, 3), (4, 3)]),
    ("cat_dim1", lambda m, x, y: m.cat((x, y), dim=1), [(2, 3), (2, 1)]),
    ("cat_neg", lambda m, x, y, z: m.cat([x, y, z], -1), [(2, 3), (2, 1), (2, 2)]),
    ("cat_one", lambda m, x: m.cat([x]), [(2, 3)]),
    ("cat_empty_part", lambda m, x, y: m.cat([x, y]), [(0, 3), (2, 3)]),
    ("cat_legacy_empty", lambda m, x, y: m.cat([x, y], 1), [(0,), (2, 3)]),
    ("concat", lambda m, x, y: m.concat([x, y]), [(2,), (3,)]),
    ("concatenate", lambda m, x, y: m.concatenate([x, y], dim=0), [(2,), (3,)]),
    ("cat_same_tensor", lambda m, x: m.cat([x, x * 2, x]), [(2, 3)]),
    ("stack", lambda m, x, y: m.stack([x, y]), [(2, 3), (2, 3)]),
    ("stack_dim", lambda m, x, y: m.stack([x, y], dim=2), [(2, 3), (2, 3)]),
    ("stack_neg", lambda m, x, y, z: m.stack((x, y, z), -1), [(2, 3)] * 3),
    ("stack_0d", lambda m, x, y: m.stack([x, y]), [(), ()]),
    ("hstack", lambda m, x, y: m.hstack([x, y]), [(2,), (3,)]),
    ("hstack_2d", lambda m, x, y: m.hstack([x, y]), [(2, 1), (2, 3)]),
    ("vstack", lambda m, x, y: m.vstack([x, y]), [(3,), (3,)]),
    ("vstack_2d", lambda m, x, y: m.vstack([x, y]), [(1, 3), (2, 3)]),
    ("vstack_mixed", lambda m, x, y: m.vstack([x, y]), [(3,), (2, 3)]),
    ("hstack_0d", lambda m, x, y: m.hstack([x, y]), [(), ()]),
    ("vstack_0d", lambda m, x, y: m.vstack([x, y]), [(), ()]),
    ("unbind", lambda m, x: x.unbind(), [(3, 2)]),
    ("unbind_dim", lambda m, x: m.unbind(x, dim=1), [(3, 2)]),
    ("unbind_neg", lambda m, x: x.unbind(-1), [(2, 2, 3)]),
    ("flip", lambda m, x: x.flip(0), [(3, 4)]),
    ("flip_list", lambda m, x: m.flip(x, [0, 2]), [(2, 3, 4)]),
    ("flip_tuple", lambda m, x: x.flip((-1,)), [(2, 3, 4)]),
    ("flip_varargs", lambda m, x: x.flip(0, 1), [(2, 3)]),
    ("flip_0d", lambda m, x: x.flip(0), [()]),
    ("tril", lambda m, x: x.tril(), [(3, 4)]),
    ("tril_k", lambda m, x: m.tril(x, -1), [(4, 3)]),
    ("triu", lambda m, x: x.triu(1), [(3, 4)]),
    ("triu_batch", lambda m, x: m.triu(x), [(2, 3, 3)]),
    ("chain", lambda m, x: x.reshape(2, 3, 2).permute(2, 0, 1).flatten(1).t().unsqueeze(0)
     .expand(2, -1, -1), [(12,)]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn,shapes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_shape_op(torch, rng, fn, shapes, dtype):
    arrays = [rng.standard_normal(s) for s in shapes]
    check(torch, lambda *a: fn(flambeau, *a), lambda *a: fn(torch, *a), arrays, dtype=dtype)


@pytest.mark.parametrize("fn,shapes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_shape_op_on_integers(torch, fn, shapes):
    arrays = [np.arange(int(np.prod(s)), dtype=np.int64).reshape(s) for s in shapes]
    check(torch, lambda *a: fn(flambeau, *a), lambda *a: fn(torch, *a), arrays)


GRAD_FN_NAMES = [c for c in CASES if c[0] not in ("flatten_0d", "reshape_as", "view_as",
                                                   "contiguous_already")]


@pytest.mark.parametrize("fn,shapes", [c[1:] for c in GRAD_FN_NAMES],
                         ids=[c[0] for c in GRAD_FN_NAMES])
def test_grad_fn_names(torch, fn, shapes):
    th = [torch.ones(s, requires_grad=True) for s in shapes]
    fl = [flambeau.ones(s, requires_grad=True) for s in shapes]
    outs_t, outs_f = fn(torch, *th), fn(flambeau, *fl)
    if not isinstance(outs_t, tuple):
        outs_t, outs_f = (outs_t,), (outs_f,)
    for t, f in zip(outs_t, outs_f):
        expected = None if t.grad_fn is None else type(t.grad_fn).__name__
        got = None if f.grad_fn is None else f.grad_fn.name()
        assert got == expected


def test_view_shares_memory_with_its_base(torch):
    for op in (lambda x: x.view(6), lambda x: x.reshape(3, 2), lambda x: x.transpose(0, 1),
               lambda x: x.t(), lambda x: x.T, lambda x: x.permute(1, 0), lambda x: x.unsqueeze(0),
               lambda x: x.flatten(), lambda x: x.unsqueeze(1).squeeze(1), lambda x: x.chunk(2)[1],
               lambda x: x.split(1)[1], lambda x: x.unbind()[1], lambda x: x.contiguous(),
               lambda x: x.detach(), lambda x: x.data, lambda x: x[1], lambda x: x[:, ::2]):
        for m in (torch, flambeau):
            x = m.zeros(2, 3)
            v = op(x)
            v.fill_(7.0)
            assert (x == 7).any().item() is True, op
            assert (x.numpy() == 7).sum() == v.numel()


def test_copies_do_not_share_memory(torch):
    for op in (lambda x: x.clone(), lambda x: x.t().contiguous(), lambda x: x.repeat(1, 1),
               lambda x: x.flip(0), lambda x: x.t().reshape(6), lambda x: x[[0, 1]],
               lambda x: x[x == 0], lambda x: flambeau_or_torch_cat(x)):
        for m in (torch, flambeau):
            x = m.zeros(2, 3)
            v = op(x)
            v.fill_(7.0)
            assert (x == 0).all().item() is True


def flambeau_or_torch_cat(x):
    mod = flambeau if isinstance(x, flambeau.Tensor) else __import__("torch")
    return mod.cat([x, x])


def test_is_contiguous_and_contiguous_identity(torch):
    for m in (torch, flambeau):
        x = m.zeros(2, 3)
        assert x.is_contiguous() and x.contiguous() is x
        assert not x.t().is_contiguous()
        assert x.t().contiguous().is_contiguous()
        assert x.t().stride() == (1, 3)


def test_view_error_on_non_contiguous(torch):
    same_error(torch, lambda m, x: x.t().view(6), (2, 3), match="view size is not compatible")
    same_error(torch, lambda m, x: x.transpose(1, 2).view(2, 12), (2, 3, 4), match="reshape")
    same_error(torch, lambda m, x: x[:, ::2].view(4), (2, 3))


def test_view_error_leaves_the_graph_alone(torch):
    x = flambeau.ones(2, 3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError):
        y.t().view(6)
    y.t().reshape(6).sum().backward()
    assert np.all(x.grad.numpy() == 2)


ERRORS = [
    ("reshape_bad", lambda m, x: x.reshape(4), (2, 3)),
    ("reshape_two_infer", lambda m, x: x.view(-1, -1), (2, 3)),
    ("reshape_zero_infer", lambda m, x: x.view(0, -1), (2, 3)),
    ("reshape_negative", lambda m, x: x.reshape(-2, 3), (2, 3)),
    ("squeeze_out_of_range", lambda m, x: x.squeeze(2), (2, 1)),
    ("squeeze_repeated", lambda m, x: x.squeeze((0, 0)), (2, 1)),
    ("squeeze_0d_out_of_range", lambda m, x: x.squeeze(1), ()),
    ("unsqueeze_out_of_range", lambda m, x: x.unsqueeze(2), (2,)),
    ("unsqueeze_out_of_range_neg", lambda m, x: x.unsqueeze(-4), (2, 3)),
    ("permute_repeated", lambda m, x: x.permute(0, 0), (2, 3)),
    ("permute_short", lambda m, x: x.permute(0), (2, 3)),
    ("permute_out_of_range", lambda m, x: x.permute(0, 2), (2, 3)),
    ("transpose_out_of_range", lambda m, x: x.transpose(0, 2), (2, 3)),
    ("t_3d", lambda m, x: x.t(), (2, 3, 4)),
    ("flip_repeated", lambda m, x: x.flip(0, 0), (2, 3)),
    ("flip_out_of_range", lambda m, x: x.flip(2), (2, 3)),
    ("flatten_reversed", lambda m, x: x.flatten(1, 0), (2, 3)),
    ("unflatten_bad", lambda m, x: x.unflatten(1, (2, 2)), (2, 3)),
    ("repeat_too_few", lambda m, x: x.repeat(2), (2, 3)),
    ("expand_too_few", lambda m, x: x.expand(3), (2, 3)),
    ("expand_mismatch", lambda m, x: x.expand(4, 3, -1), (2, 3)),
    ("expand_leading_minus1", lambda m, x: x.expand(-1, 2, 3), (2, 3)),
    ("chunk_zero", lambda m, x: x.chunk(0), (3,)),
    ("split_sizes_sum", lambda m, x: x.split([1, 1]), (3,)),
    ("split_zero", lambda m, x: x.split(0), (3,)),
    ("split_dim_out_of_range", lambda m, x: x.split(1, dim=2), (3, 2)),
    ("cat_empty_list", lambda m, x: m.cat([]), (1,)),
    ("cat_sizes", lambda m, x, y: m.cat([x, y]), (2, 3), (2, 4)),
    ("cat_ndims", lambda m, x, y: m.cat([x, y]), (2, 3), (3,)),
    ("cat_0d", lambda m, x, y: m.cat([x, y]), (), ()),
    ("cat_dim_out_of_range", lambda m, x, y: m.cat([x, y], 2), (2, 3), (2, 3)),
    ("stack_sizes", lambda m, x, y: m.stack([x, y]), (2,), (3,)),
    ("stack_empty", lambda m, x: m.stack([]), (1,)),
    ("stack_dim_out_of_range", lambda m, x, y: m.stack([x, y], 3), (2,), (2,)),
    ("unbind_0d", lambda m, x: x.unbind(), ()),
    ("movedim_repeated", lambda m, x: x.movedim((0, 0), (1, 2)), (2, 3, 4)),
]


@pytest.mark.parametrize("fn,shapes", [(e[1], e[2:]) for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_like_pytorch(torch, fn, shapes):
    same_error(torch, fn, *shapes)


def test_expand_error_names_the_dtype(torch):
    with pytest.raises(RuntimeError, match=r"torch\.DoubleTensor"):
        torch.zeros(2, 3, dtype=torch.float64).expand(3)
    with pytest.raises(RuntimeError, match=r"torch\.DoubleTensor"):
        flambeau.zeros(2, 3, dtype=flambeau.float64).expand(3)


# ----------------------------------------------------------------- dtypes

def test_cat_and_stack_promote_dtypes(torch):
    pairs = [(np.float32, np.float64), (np.int64, np.float32), (np.bool_, np.int64),
             (np.int32, np.int64)]
    for da, db in pairs:
        a, b = np.ones((2, 2), da), np.zeros((1, 2), db)
        for fn in (lambda m, x, y: m.cat([x, y]), lambda m, x, y: m.stack([x, x * 1, y.expand(2, 2)])):
            t = fn(torch, torch.tensor(a), torch.tensor(b))
            f = fn(flambeau, flambeau.tensor(a), flambeau.tensor(b))
            assert f.dtype.name == str(t.dtype).replace("torch.", "")
            np.testing.assert_array_equal(f.numpy(), t.numpy())


def test_cat_mixed_dtypes_gradient(torch):
    a = np.ones((2, 2), np.float32)
    b = np.zeros((1, 2), np.float64)
    check(torch, lambda x, y: flambeau.cat([x, y]), lambda x, y: torch.cat([x, y]), [a, b],
          dtype=None or np.float32, tol=dict(rtol=1e-6, atol=1e-7))


@pytest.mark.parametrize("src,dst", [(np.float32, "float64"), (np.float64, "float32"),
                                     (np.float32, "float32"), (np.float64, "int64")])
def test_to_dtype(torch, rng, src, dst):
    arrays = [rng.standard_normal((2, 3)).astype(src) * 3]
    check(torch, lambda x: x.to(getattr(flambeau, dst)), lambda x: x.to(getattr(torch, dst)),
          arrays, dtype=src)
    check(torch, lambda x: x.to(dtype=getattr(flambeau, dst)),
          lambda x: x.to(dtype=getattr(torch, dst)), arrays, dtype=src)


def test_casts_grad_fn(torch):
    x = flambeau.ones(2, requires_grad=True)
    assert x.double().grad_fn.name() == "ToCopyBackward0"
    assert x.float() is x
    assert x.long().grad_fn is None and not x.long().requires_grad
    xt = torch.ones(2, requires_grad=True)
    assert type(xt.double().grad_fn).__name__ == "ToCopyBackward0"
    assert xt.float() is xt


# ----------------------------------------------------------------- gradcheck

GRADCHECK = [c for c in CASES if all(0 not in s for s in c[2])]


@pytest.mark.parametrize("fn,shapes", [c[1:] for c in GRADCHECK], ids=[c[0] for c in GRADCHECK])
def test_gradcheck(rng, fn, shapes):
    inputs = tuple(flambeau.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    assert flambeau.autograd.gradcheck(lambda *a: fn(flambeau, *a), inputs)


def test_gradcheck_casts(rng):
    x = flambeau.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    assert flambeau.autograd.gradcheck(lambda a: a.to(flambeau.float64, copy=True) * a, (x,))
    assert flambeau.autograd.gradcheck(lambda a: a.double() * a, (x,))
