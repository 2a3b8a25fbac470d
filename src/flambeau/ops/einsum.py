"""``einsum``: sums of products named by subscripts, ``"ij,jk->ik"`` being the matrix product.

The gradient of one operand is itself an einsum: the gradient from above (subscripts of the
output) times every other operand, summed down to that operand's subscripts. A letter the
operand repeats (a diagonal, ``"ii"``) puts the gradient back on that diagonal; a letter only
that operand has (summed away) spreads the gradient along it."""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from ._core import Tensor, record

_LETTERS = string.ascii_letters


def _parse(equation: str, shapes: list[tuple]) -> tuple[list[str], str]:
    """The subscripts of each operand and of the output, with ``...`` spelled out in letters
    the equation does not use, and the implicit output (letters seen once, in order) made
    explicit."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    inputs = lhs.split(",")
    if len(inputs) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(inputs) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for c in eq:
        if c not in _LETTERS and c not in ".,->":
            raise RuntimeError(f"einsum(): invalid subscript given at index {eq.index(c)} in the "
                               f"equation string, subscripts must be in [a-zA-Z]")
    spare = [c for c in _LETTERS if c not in eq]
    ell_dims = max((len(s) - len(sub.replace("...", "")) for sub, s in zip(inputs, shapes) if "..." in sub), default=0)
    ell = "".join(spare[:ell_dims])
    subs = []
    for i, (sub, shape) in enumerate(zip(inputs, shapes)):
        if "..." in sub:
            k = len(shape) - len(sub.replace("...", ""))
            sub = sub.replace("...", ell[ell_dims - k:] if k else "")
        elif len(sub) != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(sub)}) does not "
                               f"match the number of dimensions ({len(shape)}) for operand {i} and no "
                               "ellipsis was given")
        subs.append(sub)
    if arrow:
        out = rhs.replace("...", ell)
        for c in out:
            if out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if c not in "".join(subs):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input operand")
    else:
        seen = "".join(subs)
        out = ell + "".join(sorted(c for c in set(seen) if seen.count(c) == 1 and c not in ell))
    return subs, out


def _sizes(subs: list[str], shapes: list[tuple]) -> dict[str, int]:
    """The size of each letter; a size 1 broadcasts against another, as in PyTorch."""
    size: dict[str, int] = {}
    for i, (sub, shape) in enumerate(zip(subs, shapes)):
        mine: dict[str, int] = {}
        for c, n in zip(sub, shape):
            if c in mine and mine[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the sizes "
                                   f"don't match, {n} != {mine[c]}")
            mine[c] = n
            if size.get(c, 1) != 1 and n != 1 and size[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} which does not "
                                   f"broadcast with previously seen size {size[c]}")
            size[c] = n if size.get(c, 1) == 1 else size[c]
    return size


def einsum(equation: str, *operands: Any) -> Tensor:
    r"""Sum of products of the operands' elements over the subscripts missing from the output.

    .. math:: \text{einsum}(\texttt{"ij,jk->ik"}, A, B)_{ik} = \sum_j A_{ij} B_{jk}, \qquad
              \frac{\partial L}{\partial A_{ij}} = \sum_k g_{ik} B_{jk}

    Subscripts are letters; ``...`` stands for the remaining dimensions; without ``->`` the
    output is the letters seen once, in alphabetical order. The operands share one dtype.

    Example::

        >>> torch.einsum("ij,jk->ik", torch.ones(2, 3), torch.ones(3, 4)).shape
        torch.Size([2, 4])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    tensors = list(operands)
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operands must be tensors, got {type(t).__name__}")
    arrays = [t._data for t in tensors]
    for x in arrays[1:]:
        if x.dtype != arrays[0].dtype:
            from .arith import _type_name

            raise RuntimeError(f"expected scalar type {_type_name(arrays[0])} but found {_type_name(x)}")
    subs, out_sub = _parse(equation, [x.shape for x in arrays])
    size = _sizes(subs, [x.shape for x in arrays])
    # a size-1 dimension broadcasts: view it at the letter's size
    full = [np.broadcast_to(x, [size[c] for c in s]) if x.shape != tuple(size[c] for c in s) else x
            for x, s in zip(arrays, subs)]
    out = _einsum(subs, full, out_sub)
    if out.dtype != arrays[0].dtype:
        out = out.astype(arrays[0].dtype)

    def backward(g: np.ndarray) -> tuple:
        grads = []
        for k, t in enumerate(tensors):
            if not t._requires_grad:
                grads.append(None)
                continue
            grads.append(_operand_grad(g, out_sub, subs, full, k, size, arrays[k].shape))
        return tuple(grads)

    return record(out, _node_name(subs, out_sub), tuple(tensors), backward)


def _node_name(subs: list[str], out_sub: str) -> str:
    """The name PyTorch's ``grad_fn`` shows: its einsum ends with a sum (one operand, letters
    summed away), a permutation (one operand, none), the view of a batched product (several,
    letters summed away) or a product (several, none). One node here, under that name."""
    summed = any(c not in out_sub for s in subs for c in s)
    if len(subs) == 1:
        return "SumBackward1" if summed else "PermuteBackward0"
    return "ViewBackward0" if summed else "MulBackward0"


def _einsum(subs: list[str], arrays: list[np.ndarray], out: str) -> np.ndarray:
    """NumPy's einsum, except that two operands contract as one batched matrix product (as
    PyTorch does it: on BLAS, much faster than einsum's loops)."""
    if len(arrays) != 2 or any(len(set(s)) != len(s) for s in subs):
        return np.einsum(",".join(subs) + "->" + out, *arrays, optimize=len(arrays) > 2)
    (sa, sb), (a, b) = subs, arrays
    # letters of one operand only and not in the output are summed away first
    a, sa = _sum_away(a, sa, set(sb) | set(out))
    b, sb = _sum_away(b, sb, set(sa) | set(out))
    size = dict(zip(sa, a.shape)) | dict(zip(sb, b.shape))
    batch = [c for c in sa if c in sb and c in out]
    summed = [c for c in sa if c in sb and c not in out]
    left = [c for c in sa if c not in sb]
    right = [c for c in sb if c not in sa]

    def block(x: np.ndarray, sub: str, groups: list[list[str]]) -> np.ndarray:
        order = [sub.index(c) for group in groups for c in group]
        return x.transpose(order).reshape([_numel(size, group) for group in groups])

    prod = np.matmul(block(a, sa, [batch, left, summed]), block(b, sb, [batch, summed, right]))
    got = batch + left + right
    prod = prod.reshape([size[c] for c in got])
    return prod.transpose([got.index(c) for c in out])


def _sum_away(x: np.ndarray, sub: str, keep: set) -> tuple[np.ndarray, str]:
    gone = tuple(i for i, c in enumerate(sub) if c not in keep)
    if not gone:
        return x, sub
    return x.sum(axis=gone), "".join(c for c in sub if c in keep)


def _numel(size: dict[str, int], letters: list[str]) -> int:
    n = 1
    for c in letters:
        n *= size[c]
    return n


def _operand_grad(g: np.ndarray, out_sub: str, subs: list[str], full: list[np.ndarray], k: int,
                  size: dict[str, int], shape: tuple) -> np.ndarray:
    """dL/d(operand k): einsum of g with the other operands down to the letters of operand k
    (each once), then spread over letters it alone has, put on its diagonals, and summed back
    over dimensions it broadcast."""
    own = subs[k]
    uniq = "".join(dict.fromkeys(own))
    others = [(s, x) for i, (s, x) in enumerate(zip(subs, full)) if i != k]
    present = set(out_sub).union(*(set(s) for s, _ in others)) if others else set(out_sub)
    kept = "".join(c for c in uniq if c in present)
    gk = _einsum([out_sub] + [s for s, _ in others], [g] + [x for _, x in others], kept)
    # letters only this operand has were summed away: the gradient is the same along them
    gk = np.broadcast_to(gk.reshape([size[c] if c in kept else 1 for c in uniq]), [size[c] for c in uniq])
    if len(uniq) != len(own):  # a repeated letter: the gradient lives on the diagonal
        grad = np.zeros([size[c] for c in own], g.dtype)
        grids = np.indices(gk.shape, sparse=True)
        grad[tuple(grids[uniq.index(c)] for c in own)] = gk
    else:
        grad = np.array(gk)
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.astype(full[k].dtype, copy=False)
