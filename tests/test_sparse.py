"""Sparse COO tensors against PyTorch: construction, coalescing, conversions, the products and
sums of PyTorch's graph-network examples with their gradients, repr, errors; and gcn/main.py's
model trained for a few epochs on a tiny Cora-like dataset, in both libraries."""

from __future__ import annotations

import os
import re
import warnings

import numpy as np
import pytest

import flambeau
from flambeau.sparse.coo import SparseTensor

TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}

# duplicates ((0, 1) twice), unsorted
IX = np.array([[0, 2, 1, 0, 3], [1, 0, 2, 1, 3]])
VX = np.array([1.5, -2.0, 3.0, 4.0, 0.5])


@pytest.fixture(autouse=True)
def _quiet_torch():
    with warnings.catch_warnings():  # PyTorch's notes on sparse invariants and CSR's beta state
        warnings.simplefilter("ignore", UserWarning)
        yield


def both(torch, ix=IX, vx=VX, size=(4, 4), dtype=np.float64, requires_grad=False):
    """The same sparse tensor in flambeau and in PyTorch."""
    v = np.asarray(vx).astype(dtype)
    fl = flambeau.sparse_coo_tensor(flambeau.tensor(ix), flambeau.tensor(v), size, requires_grad=requires_grad)
    th = torch.sparse_coo_tensor(torch.tensor(ix), torch.tensor(v), size, requires_grad=requires_grad)
    return fl, th


def same_sparse(fl, th, tol=None):
    assert isinstance(fl, SparseTensor) and th.layout == __import__("torch").sparse_coo
    assert tuple(fl.shape) == tuple(th.shape)
    assert fl.dtype.name == str(th.dtype).replace("torch.", "")
    assert fl._nnz() == th._nnz() and fl.is_coalesced() == th.is_coalesced()
    assert (fl.sparse_dim(), fl.dense_dim()) == (th.sparse_dim(), th.dense_dim())
    np.testing.assert_array_equal(fl._indices().numpy(), th._indices().numpy())
    np.testing.assert_allclose(fl._values().numpy(), th._values().detach().numpy(),
                               **(tol or dict(rtol=1e-12, atol=0)))


def same_dense(fl, th, tol):
    assert not isinstance(fl, SparseTensor) and fl.layout is flambeau.strided
    assert tuple(fl.shape) == tuple(th.shape)
    assert fl.dtype.name == str(th.dtype).replace("torch.", "")
    np.testing.assert_allclose(fl.detach().numpy(), th.detach().numpy(), **tol)


def same_grad(fl, th, tol):
    """Gradients: a sparse one compared coalesced (PyTorch's accumulation keeps duplicates or
    adds values depending on whether its engine could steal a gradient's buffers)."""
    if th.is_sparse:
        assert fl.is_sparse
        same_sparse(fl.coalesce(), th.coalesce(), tol)
    else:
        same_dense(fl, th, tol)


def same(fl, th, tol):
    if th.is_sparse:
        same_sparse(fl, th, tol)
    else:
        same_dense(fl, th, tol)


# ---------------------------------------------------------------------------- construction


def test_construction_matches_torch(torch):
    fl, th = both(torch)
    same_sparse(fl, th)
    assert fl.layout is flambeau.sparse_coo and fl.is_sparse and not flambeau.ones(1).is_sparse
    assert repr(flambeau.sparse_coo) == "torch.sparse_coo" and repr(flambeau.ones(1).layout) == "torch.strided"
    # inferred size, lists, dtype conversion, dense dimensions, int32 indices (gcn's edges.T)
    cases = [
        ((IX, VX), {}),
        (([[0, 1], [1, 0]], [1, 2]), {}),
        (([[0, 1], [1, 0]], [1.0, 2.0]), {}),
        ((IX.astype(np.int32), np.ones(5, np.float32)), dict(size=(4, 5), dtype="int64")),
        ((IX, np.arange(10.0).reshape(5, 2)), {}),
        ((np.zeros((2, 0), np.int64), np.zeros(0)), {}),
    ]
    for (i, v), kw in cases:
        fl_kw = {k: (getattr(flambeau, val) if k == "dtype" else val) for k, val in kw.items()}
        th_kw = {k: (getattr(torch, val) if k == "dtype" else val) for k, val in kw.items()}
        fl = flambeau.sparse_coo_tensor(i, v, **fl_kw)
        th = torch.sparse_coo_tensor(torch.tensor(i) if isinstance(i, list) else torch.as_tensor(i),
                                     torch.tensor(v) if isinstance(v, list) else torch.as_tensor(v), **th_kw)
        same_sparse(fl, th)


def test_coalesce_and_conversions(torch):
    fl, th = both(torch)
    same_sparse(fl.coalesce(), th.coalesce())
    c = fl.coalesce()
    assert c.coalesce() is c  # coalesced already: itself
    np.testing.assert_array_equal(fl.coalesce().indices().numpy(), th.coalesce().indices().numpy())
    np.testing.assert_array_equal(fl.coalesce().values().numpy(), th.coalesce().values().numpy())
    same_dense(fl.to_dense(), th.to_dense(), TOL[np.float64])
    a = np.array([[0.0, -0.0, 2.0], [np.nan, 0.0, 1.0], [0.0, 0.0, 0.0]])
    same_sparse(flambeau.tensor(a).to_sparse(), torch.tensor(a).to_sparse(), dict(rtol=0, atol=0, equal_nan=True))
    same_sparse(flambeau.tensor(a).to_sparse(1), torch.tensor(a).to_sparse(1), dict(rtol=0, atol=0, equal_nan=True))
    same_sparse(flambeau.tensor(3.0).to_sparse(), torch.tensor(3.0).to_sparse())
    round_trip = flambeau.tensor(a).to_sparse().to_dense().numpy()
    np.testing.assert_array_equal(round_trip, a)
    dense = flambeau.ones(2)
    assert dense.to_dense() is dense
    assert fl.to("cpu") is fl and fl.to(flambeau.device("cpu")) is fl
    same_sparse(fl.to(flambeau.float32), th.to(torch.float32))
    same_sparse(fl.float(), th.float())
    assert fl.numel() == th.numel() and len(fl) == len(th) and fl.dim() == th.dim() and fl.size(1) == th.size(1)


# ---------------------------------------------------------------------------- products


def _random_dense(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


PRODUCTS = {
    "mm": lambda m, s, d: m.mm(s, d),
    "spmm": lambda m, s, d: m.spmm(s, d),
    "sparse.mm": lambda m, s, d: m.sparse.mm(s, d),
    "matmul": lambda m, s, d: m.matmul(s, d),
    "@": lambda m, s, d: s @ d,
    "method mm": lambda m, s, d: s.mm(d),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(PRODUCTS))
@pytest.mark.parametrize("sparse_grad", [False, True])
def test_sparse_dense_product_and_gradients(torch, rng, dtype, name, sparse_grad):
    tol = TOL[dtype]
    fs, ts = both(torch, dtype=dtype, requires_grad=sparse_grad)
    d = _random_dense(rng, (4, 3), dtype)
    fd, td = flambeau.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
    fo, to = PRODUCTS[name](flambeau, fs, fd), PRODUCTS[name](torch, ts, td)
    same_dense(fo, to, tol)
    assert fo.grad_fn.name() == to.grad_fn.name()
    up = _random_dense(rng, (4, 3), dtype)
    fo.backward(flambeau.tensor(up))
    to.backward(torch.tensor(up))
    same_dense(fd.grad, td.grad, tol)
    if sparse_grad:
        same(fs.grad, ts.grad, tol)  # dense for mm, sparse for torch.sparse.mm: as PyTorch


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dense_sparse_vector_and_sparse_sparse_products(torch, rng, dtype):
    tol = TOL[dtype]
    fs, ts = both(torch, dtype=dtype, requires_grad=True)
    x = _random_dense(rng, (3, 4), dtype)
    fx, tx = flambeau.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    fo, to = fx @ fs, tx @ ts
    same_dense(fo, to, tol)
    assert fo.grad_fn.name() == to.grad_fn.name()
    up = _random_dense(rng, (3, 4), dtype)
    fo.backward(flambeau.tensor(up))
    to.backward(torch.tensor(up))
    same_dense(fx.grad, tx.grad, tol)
    same(fs.grad, ts.grad, tol)
    same_dense(flambeau.mm(fx.detach(), fs.detach()), torch.mm(tx.detach(), ts.detach()), tol)
    # sparse matrix @ dense vector
    v = _random_dense(rng, (4,), dtype)
    fv, tv = flambeau.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    for fo, to in ((fs.detach() @ fv, ts.detach() @ tv), (flambeau.mv(fs.detach(), fv), torch.mv(ts.detach(), tv))):
        same_dense(fo, to, tol)
        assert fo.grad_fn.name() == to.grad_fn.name()
        fo.backward(flambeau.tensor(v))
        to.backward(torch.tensor(v))
        same_dense(fv.grad, tv.grad, tol)
    # sparse @ sparse: sparse, coalesced
    f2, t2 = both(torch, ix=np.array([[0, 1, 3, 3], [2, 2, 0, 3]]), vx=np.array([1.0, 2.0, -1.0, 0.5]),
                  dtype=dtype)
    with flambeau.no_grad(), torch.no_grad():
        same_sparse(fs @ f2, ts @ t2, tol)
        same_sparse(flambeau.sparse.mm(fs, f2), torch.sparse.mm(ts, t2), tol)


# ---------------------------------------------------------------------------- sums, scaling


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_additions_scaling_sums(torch, rng, dtype):
    tol = TOL[dtype]
    d = _random_dense(rng, (4, 4), dtype)
    cases = {
        "d+s": lambda m, s, d: d + s,
        "add(d, s, alpha)": lambda m, s, d: m.add(d, s, alpha=2),
        "d-s": lambda m, s, d: d - s,
        "s+s": lambda m, s, d: s + s * 3,
        "s-s": lambda m, s, d: s - s.coalesce(),
        "s*2": lambda m, s, d: s * 2,
        "2*s": lambda m, s, d: 2 * s,
        "s/4": lambda m, s, d: s / 4,
        "-s": lambda m, s, d: -s,
        "sparse.sum": lambda m, s, d: m.sparse.sum(s),
        "sparse.sum(dim)": lambda m, s, d: m.sparse.sum(s, dim=1),
        "sparse.sum(dims)": lambda m, s, d: m.sparse.sum(s, dim=(0, 1)),
        "sum": lambda m, s, d: m.sum(s),
        "s.t()": lambda m, s, d: s.t(),
        "coalesce": lambda m, s, d: s.coalesce(),
        "to_dense": lambda m, s, d: s.to_dense(),
    }
    for name, f in cases.items():
        fs, ts = both(torch, dtype=dtype, requires_grad=True)
        fd, td = flambeau.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
        fo, to = f(flambeau, fs, fd), f(torch, ts, td)
        # an uncoalesced sum of sparse tensors: PyTorch's merge orders its elements its own way
        (same_grad if name == "s-s" else same)(fo, to, tol)
        assert fo.grad_fn.name() == to.grad_fn.name(), name
        # backpropagate through a dense scalar: sum() for dense results, sparse.sum for sparse
        reduce = (lambda m, o: m.sparse.sum(o * 1.5)) if to.layout == torch.sparse_coo else \
            (lambda m, o: (o * m.tensor(np.cos(np.arange(o.numel())).reshape(o.shape).astype(dtype))).sum())
        reduce(flambeau, fo).backward()
        reduce(torch, to).backward()
        same_grad(fs.grad, ts.grad, tol)
        if td.grad is not None:
            same_dense(fd.grad, td.grad, tol)


def test_sum_over_a_dim_has_no_gradient_as_in_torch(torch):
    fs, ts = both(torch, requires_grad=True)
    fo, to = fs.sum(0), ts.sum(0)
    same_sparse(fo, to)
    assert fo.grad_fn.name() == to.grad_fn.name() == "SumBackward1"
    fl, th = _raises(torch, lambda m: m.sparse.sum((fo if m is flambeau else to) * 1).backward())
    assert fl == th
    same_dense(flambeau.sum(fs, (0, 1)), torch.sum(ts, (0, 1)), TOL[np.float64])


def test_int_adjacency_of_gcn(torch):
    """gcn/main.py's adjacency: int64 sparse ones, plus a float32 identity: float32 dense."""
    edges = np.array([[0, 1], [1, 2], [2, 0], [0, 1]], np.int32)
    fl = flambeau.sparse_coo_tensor(edges.T, flambeau.ones(4), (3, 3), dtype=flambeau.int64)
    th = torch.sparse_coo_tensor(edges.T, torch.ones(4), (3, 3), dtype=torch.int64)
    same_sparse(fl, th)
    same_dense(flambeau.eye(3) + fl, torch.eye(3) + th, TOL[np.float32])
    same_sparse(fl * 2.5, th * 2.5)
    same_dense(flambeau.sparse.sum(fl), torch.sparse.sum(th), TOL[np.float64])


def test_sparse_values_and_leaf_from_values(torch, rng):
    d = rng.standard_normal((4, 2))
    for f in (lambda m, s: m.mm(s, m.tensor(d)), lambda m, s: m.sparse.mm(s, m.tensor(d)),
              lambda m, s: m.sparse.sum(s.coalesce() * 2)):
        fv, tv = flambeau.tensor(VX, requires_grad=True), torch.tensor(VX, requires_grad=True)
        fs = flambeau.sparse_coo_tensor(flambeau.tensor(IX), fv, (4, 4))
        ts = torch.sparse_coo_tensor(torch.tensor(IX), tv, (4, 4))
        assert fs.grad_fn.name() == ts.grad_fn.name()
        f(flambeau, fs).sum().backward()
        f(torch, ts).sum().backward()
        same_dense(fv.grad, tv.grad, TOL[np.float64])
    # values() of a coalesced leaf: differentiable, its gradient sparse
    fs, ts = both(torch, requires_grad=True)
    fc, tc = fs.coalesce(), ts.coalesce()
    (fc.values() * 3).sum().backward()
    (tc.values() * 3).sum().backward()
    same_sparse(fs.grad, ts.grad)


def test_leaf_gradients_accumulate_as_in_torch(torch, rng):
    d = rng.standard_normal((4, 2))
    fs, ts = both(torch, requires_grad=True)
    for m, s in ((flambeau, fs), (torch, ts)):
        (m.sparse.mm(s, m.tensor(d)).sum() + m.mm(s, m.tensor(d)).sum()).backward()  # sparse + dense
        m.sparse.sum(s + s).backward()  # dense + sparse, sparse + sparse
    same_dense(fs.grad, ts.grad, TOL[np.float64])
    fs, ts = both(torch, requires_grad=True)
    for m, s in ((flambeau, fs), (torch, ts)):
        m.sparse.sum(s + s).backward()
    same_sparse(fs.grad, ts.grad)


# ---------------------------------------------------------------------------- repr, errors


def test_repr_matches_torch(torch):
    cases = [
        lambda m: m.sparse_coo_tensor(m.tensor(IX), m.tensor(VX, dtype=m.float32), (4, 4)),
        lambda m: m.sparse_coo_tensor(m.tensor(IX), m.tensor(VX * 1000.5), (4, 4), requires_grad=True),
        lambda m: m.sparse_coo_tensor(m.tensor(IX), m.tensor([1, 2, 3, 4, 5])),
        lambda m: m.sparse_coo_tensor(m.tensor(IX), m.ones(5, 2)),
        lambda m: m.sparse_coo_tensor(m.zeros(2, 0, dtype=m.int64), m.zeros(0)),
        lambda m: m.tensor(3.0).to_sparse(),
        lambda m: m.sparse_coo_tensor(m.tensor(IX), m.tensor(VX, dtype=m.float32), requires_grad=True) * 2,
        lambda m: m.sparse_coo_tensor(m.tensor(IX), m.tensor(VX, dtype=m.int32)),
    ]
    for f in cases:
        assert repr(f(flambeau)) == repr(f(torch))


def _raises(torch, f, kind=None):
    with pytest.raises(Exception) as th:
        f(torch)
    with pytest.raises(kind or th.type) as fl:
        f(flambeau)
    return str(fl.value), str(th.value)


def test_errors_match_torch(torch):
    def sp(m):
        return m.sparse_coo_tensor(m.tensor(IX), m.tensor(VX, dtype=m.float32), (4, 4))

    same_text = [
        lambda m: sp(m).indices(),
        lambda m: sp(m).values(),
        lambda m: sp(m) + m.ones(4, 4),
        lambda m: sp(m) - m.ones(4, 4),
        lambda m: m.ones(3, 3) + sp(m),
        lambda m: sp(m) + m.sparse_coo_tensor(m.tensor(IX), m.tensor(VX), (5, 5)),
        lambda m: m.mm(sp(m), m.ones(3, 2)),
        lambda m: sp(m) @ m.ones(4, 2, dtype=m.float64),
        lambda m: m.ones(3, 4, dtype=m.float64) @ sp(m),
        lambda m: m.sparse_coo_tensor(m.tensor(IX), m.tensor(VX[:3])),
        lambda m: m.sparse_coo_tensor(m.tensor([0, 1]), m.tensor(VX[:2]), (3, 3)),
        lambda m: m.sparse_coo_tensor(m.tensor(IX), m.tensor(VX), (3,)),
        lambda m: m.sparse_coo_tensor(m.tensor(IX), m.tensor([1, 2, 3, 4, 5]), requires_grad=True),
        lambda m: sp(m).numpy(),
        lambda m: sp(m).tolist(),
        lambda m: sp(m).item(),
    ]
    for f in same_text:
        fl, th = _raises(torch, f)
        assert fl == th
    # flambeau checks the invariants PyTorch checks on request: its messages
    for f in (lambda m: m.sparse_coo_tensor(m.tensor(IX), m.tensor(VX), (3, 4)),
              lambda m: m.sparse_coo_tensor(-m.tensor(IX), m.tensor(VX), (4, 4))):
        with torch.sparse.check_sparse_tensor_invariants():
            fl, th = _raises(torch, f)
        assert fl == th
    # ops without a sparse kernel: PyTorch's NotImplementedError, from the one place
    for f, op in ((lambda m: sp(m).exp(), "exp"), (lambda m: m.exp(sp(m)), "exp"),
                  (lambda m: sp(m) > 0, "gt"), (lambda m: sp(m).view(16), "view"),
                  (lambda m: m.sigmoid(sp(m)), "sigmoid"), (lambda m: sp(m).mean(), "mean")):
        fl, th = _raises(torch, f, NotImplementedError)
        start = f"Could not run 'aten::{op}' with arguments from the 'SparseCPU' backend. This could be"
        assert fl.startswith(start) and th.split(" with arguments")[1].startswith(" from the 'SparseCPU'")
        assert fl.split(" resolutions. ")[0] == re.sub(r"'aten::(\w+)\.\w+'", r"'aten::\1'",
                                                        th.split(" resolutions. ")[0])


# ---------------------------------------------------------------------------- gcn/main.py


def write_cora(path, n_nodes=40, n_feats=12, n_classes=3, n_edges=70, seed=0):
    """A tiny Cora-like dataset in gcn/main.py's format: cora.content (id, binary features,
    label, tab-separated) and cora.cites (cited id, citing id)."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(100000, n_nodes, replace=False) + 1
    labels = ["Theory", "Neural_Networks", "Rule_Learning"][:n_classes]
    with open(os.path.join(path, "cora.content"), "w") as f:
        for i, node in enumerate(ids):
            feats = (rng.random(n_feats) < 0.3).astype(int)
            if i == 3:
                feats[:] = 0  # no features: its scale is 1/0 = inf, which load_cora sets to 0
            f.write("\t".join([str(node), *map(str, feats), labels[i % n_classes]]) + "\n")
    with open(os.path.join(path, "cora.cites"), "w") as f:
        for _ in range(n_edges):
            a, b = rng.choice(ids, 2, replace=False)
            f.write(f"{a}\t{b}\n")


def gcn_run(torch, path, epochs=6, seed=0):
    """gcn/main.py of PyTorch's examples (its GraphConv, GCN, load_cora and training step, in
    ``import flambeau as torch`` style): the same code runs on both libraries; the weights come
    from NumPy, the dropout is off (dropout_p=0)."""
    nn = torch.nn
    F = torch.nn.functional

    class GraphConv(nn.Module):
        def __init__(self, input_dim, output_dim, use_bias=False):
            super().__init__()
            self.kernel = nn.Parameter(torch.Tensor(input_dim, output_dim))
            nn.init.xavier_normal_(self.kernel)
            self.bias = None
            if use_bias:
                self.bias = nn.Parameter(torch.Tensor(output_dim))
                nn.init.zeros_(self.bias)

        def forward(self, input_tensor, adj_mat):
            support = torch.mm(input_tensor, self.kernel)
            output = torch.spmm(adj_mat, support)
            if self.bias is not None:
                output = output + self.bias
            return output

    class GCN(nn.Module):
        def __init__(self, input_dim, hidden_dim, output_dim, use_bias=True, dropout_p=0.1):
            super().__init__()
            self.gc1 = GraphConv(input_dim, hidden_dim, use_bias=use_bias)
            self.gc2 = GraphConv(hidden_dim, output_dim, use_bias=use_bias)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, input_tensor, adj_mat):
            x = self.gc1(input_tensor, adj_mat)
            x = F.relu(x)
            x = self.dropout(x)
            x = self.gc2(x, adj_mat)
            return F.log_softmax(x, dim=1)

    def load_cora(path):
        content_tensor = np.genfromtxt(os.path.join(path, "cora.content"), dtype=np.dtype(str))
        cites_tensor = np.genfromtxt(os.path.join(path, "cora.cites"), dtype=np.int32)
        features = torch.FloatTensor(content_tensor[:, 1:-1].astype(np.int32))
        scale_vector = torch.sum(features, dim=1)
        scale_vector = 1 / scale_vector
        scale_vector[scale_vector == float("inf")] = 0
        scale_vector = torch.diag(scale_vector).to_sparse()
        features = scale_vector @ features
        classes, labels = np.unique(content_tensor[:, -1], return_inverse=True)
        labels = torch.LongTensor(labels)
        idx = content_tensor[:, 0].astype(np.int32)
        idx_map = {id: pos for pos, id in enumerate(idx)}  # noqa: A001 - as gcn/main.py
        edges = np.array(list(map(lambda edge: [idx_map[edge[0]], idx_map[edge[1]]], cites_tensor)),
                         dtype=np.int32)
        V = len(idx)
        E = edges.shape[0]
        adj_mat = torch.sparse_coo_tensor(edges.T, torch.ones(E), (V, V), dtype=torch.int64)
        adj_mat = torch.eye(V) + adj_mat
        degree_mat = torch.sum(adj_mat, dim=1)
        degree_mat = torch.sqrt(1 / degree_mat)
        degree_mat[degree_mat == float("inf")] = 0
        degree_mat = torch.diag(degree_mat).to_sparse()
        adj_mat = degree_mat @ adj_mat @ degree_mat
        device = torch.device("cpu")
        return features.to_sparse().to(device), labels.to(device), adj_mat.to_sparse().to(device)

    features, labels, adj_mat = load_cora(path)
    gcn = GCN(features.shape[1], 8, labels.max().item() + 1, True, 0.0)
    rng = np.random.default_rng(seed)
    with torch.no_grad():  # the same weights in both libraries
        for p in gcn.parameters():
            p.copy_(torch.tensor(rng.normal(0, 1.0, tuple(p.shape)).astype(np.float32)))
    optimizer = torch.optim.Adam(gcn.parameters(), lr=0.05, weight_decay=5e-4)
    criterion = nn.NLLLoss()
    idx = torch.tensor(rng.permutation(len(labels)))
    mask_train, mask_val = idx[:25], idx[25:]
    history = []
    for _ in range(epochs):
        gcn.train()
        optimizer.zero_grad()
        output = gcn(features, adj_mat)
        loss = criterion(output[mask_train], labels[mask_train])
        loss.backward()
        optimizer.step()
        gcn.eval()
        with torch.no_grad():
            out = gcn(features, adj_mat)
            val = criterion(out[mask_val], labels[mask_val])
            acc = (out[mask_val].argmax(dim=1) == labels[mask_val]).float().sum() / len(labels[mask_val])
        history.append((loss.item(), val.item(), acc.item()))
    return history, features, adj_mat, [p.detach().numpy().copy() for p in gcn.parameters()]


def test_gcn_example_trains_as_in_torch(torch, tmp_path):
    write_cora(str(tmp_path))
    th_hist, th_feat, th_adj, th_params = gcn_run(torch, str(tmp_path))
    fl_hist, fl_feat, fl_adj, fl_params = gcn_run(flambeau, str(tmp_path))
    same_sparse(fl_feat, th_feat, TOL[np.float32])
    same_sparse(fl_adj, th_adj, TOL[np.float32])
    np.testing.assert_allclose(np.array(fl_hist), np.array(th_hist), rtol=1e-5, atol=1e-6)
    assert th_hist[-1][0] < th_hist[0][0]  # it learns
    for a, b in zip(fl_params, th_params):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------- more


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_times_dense(torch, rng, dtype):
    tol = TOL[dtype]
    d = _random_dense(rng, (4, 4), dtype)
    for f in (lambda m, s, d: s * d, lambda m, s, d: d * s, lambda m, s, d: m.mul(s, d),
              lambda m, s, d: s.coalesce() * d):
        fs, ts = both(torch, dtype=dtype, requires_grad=True)
        fd, td = flambeau.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
        fo, to = f(flambeau, fs, fd), f(torch, ts, td)
        same_sparse(fo, to, tol)
        assert fo.grad_fn.name() == to.grad_fn.name()
        flambeau.sparse.sum(fo * 1.5).backward()
        torch.sparse.sum(to * 1.5).backward()
        same_grad(fs.grad, ts.grad, tol)
        same_grad(fd.grad, td.grad, tol)  # a dense leaf with a sparse gradient, as PyTorch
    fs, ts = both(torch, dtype=dtype)
    same_sparse(fs * flambeau.ones(4, dtype=fs.dtype), ts * torch.ones(4, dtype=ts.dtype), tol)  # broadcast
    same_sparse(fs * flambeau.tensor(2.0, dtype=flambeau.float64), ts * torch.tensor(2.0, dtype=torch.float64), tol)


def test_dense_methods_take_a_sparse_operand(torch, rng):
    d = rng.standard_normal((4, 4))
    fs, ts = both(torch)
    fd, td = flambeau.tensor(d), torch.tensor(d)
    for f in (lambda s, d: d.mm(s), lambda s, d: d.matmul(s), lambda s, d: d.add(s), lambda s, d: d.sub(s),
              lambda s, d: d.mul(s), lambda s, d: d.add(s, alpha=3)):
        same(f(fs, fd), f(ts, td), TOL[np.float64])


def test_number_operand_errors(torch):
    def sp(m):
        return m.sparse_coo_tensor(m.tensor(IX), m.tensor(VX), (4, 4))

    for f in (lambda m: sp(m) + 1, lambda m: 1 + sp(m), lambda m: sp(m) / m.ones(4, 4)):
        fl, th = _raises(torch, f)
        assert fl == th


def _hybrid(m, requires_grad=False):
    """A sparse tensor with a dense dimension: (3, 3) positions, each a pair of values."""
    return m.sparse_coo_tensor(m.tensor(IX[:, :4]), m.tensor(np.arange(8.0).reshape(4, 2)), (3, 3, 2),
                               requires_grad=requires_grad)


def _empty(m):
    return m.sparse_coo_tensor(m.zeros(2, 0, dtype=m.int64), m.zeros(0), (3, 3))


def _grad_of(f):
    def run(m):
        s = _hybrid(m, True)
        f(m, s).backward()
        return s.grad
    return run


EDGES = {
    "hybrid to_dense": lambda m: _hybrid(m).to_dense(),
    "hybrid coalesce": lambda m: _hybrid(m).coalesce(),
    "hybrid sum": lambda m: m.sparse.sum(_hybrid(m)),
    "hybrid sum 0": lambda m: m.sparse.sum(_hybrid(m), 0),
    "hybrid sum 2": lambda m: m.sparse.sum(_hybrid(m), 2),
    "hybrid sum (0, 2)": lambda m: m.sparse.sum(_hybrid(m), (0, 2)),
    "hybrid sum (0, 1)": lambda m: m.sparse.sum(_hybrid(m), (0, 1)),
    "hybrid grad sum": _grad_of(lambda m, s: m.sparse.sum(s)),
    "hybrid grad sum 0": _grad_of(lambda m, s: m.sparse.sum(m.sparse.sum(s, 0))),
    "hybrid grad sum 2": _grad_of(lambda m, s: m.sparse.sum(m.sparse.sum(s, 2) * 2)),
    "hybrid grad sum (0, 2) dense": _grad_of(lambda m, s: (m.sparse.sum(s, (0, 2)) * m.tensor([1.0, 2, 3])).sum()),
    "hybrid grad sum (0, 1)": _grad_of(lambda m, s: (m.sparse.sum(s, (0, 1)) * m.tensor([1.0, 2])).sum()),
    "hybrid grad to_dense": _grad_of(lambda m, s: (s.to_dense() * m.arange(18.0).reshape(3, 3, 2)).sum()),
    "hybrid mm": lambda m: m.mm(_hybrid(m), m.ones(3, 2)),
    "hybrid * 2": lambda m: _hybrid(m) * 2,
    "dense + hybrid": lambda m: m.ones(3, 3, 2) + _hybrid(m),
    "to_dense(dtype)": lambda m: _hybrid(m).to_dense(dtype=m.float64),
    "empty mm": lambda m: m.mm(_empty(m), m.ones(3, 2)),
    "dense @ empty": lambda m: m.ones(2, 3) @ _empty(m),
    "empty coalesce": lambda m: _empty(m).coalesce(),
    "empty sum": lambda m: m.sparse.sum(_empty(m)),
    "empty sum 1": lambda m: m.sparse.sum(_empty(m), 1),
    "empty to_dense": lambda m: _empty(m).to_dense(),
    "empty @ empty": lambda m: _empty(m) @ _empty(m),
    "zeros to_sparse": lambda m: m.zeros(2, 2).to_sparse(),
    "0-d zero to_sparse": lambda m: m.tensor(0.0).to_sparse(),
    "int to_sparse": lambda m: m.tensor([[0, 3], [1, 0]]).to_sparse(),
    "bool to_sparse": lambda m: m.tensor([[False, True]]).to_sparse(),
    "int32 sparse.sum": lambda m: m.sparse.sum(m.tensor([[0, 3], [1, 0]], dtype=m.int32).to_sparse()),
    "int32 sum": lambda m: m.sum(m.tensor([[0, 3], [1, 0]], dtype=m.int32).to_sparse()),
    "sparse.sum dtype": lambda m: m.sparse.sum(m.tensor([[0, 3], [1, 0.0]]).to_sparse(), dtype=m.float64),
    "3-d to_sparse": lambda m: m.arange(8.0).reshape(2, 2, 2).to_sparse(),
    "3-d sum 1": lambda m: m.sparse.sum(m.arange(8.0).reshape(2, 2, 2).to_sparse(), 1),
    "bool values": lambda m: m.sparse_coo_tensor([[0]], [True], (2,)),
}


def _rounded(a):
    return np.round(a, 6).tolist() if a.dtype.kind == "f" else a.tolist()


def _outcome(f, m):
    try:
        r = f(m)
    except Exception as e:  # noqa: BLE001 - the error is the outcome compared
        return f"{type(e).__name__}: {e}"
    if r.is_sparse:
        c = r.coalesce()
        return ("sparse", c._indices().tolist(), _rounded(c._values().detach().numpy()),
                tuple(r.shape), str(r.dtype).replace("torch.", ""), r._nnz())
    return ("dense", _rounded(r.detach().numpy()), tuple(r.shape), str(r.dtype).replace("torch.", ""))


@pytest.mark.parametrize("name", list(EDGES))
def test_hybrid_and_empty_tensors(torch, name):
    assert _outcome(EDGES[name], flambeau) == _outcome(EDGES[name], torch)


def test_compile_runs_sparse_tensors_eagerly():
    """flambeau.compile records NumPy calls on dense arrays: a function given (or reading) a
    sparse tensor runs eagerly, with the right values and gradients, whatever its pattern."""
    w = flambeau.tensor(np.arange(8.0, dtype=np.float32).reshape(4, 2), requires_grad=True)
    fixed = flambeau.eye(4).to_sparse() * 2

    def f(s, w):
        return flambeau.relu(flambeau.spmm(s, w)).sum() + flambeau.spmm(fixed, w).sum()

    cf = flambeau.compile(f)
    for k in range(4):
        s = flambeau.sparse_coo_tensor(flambeau.tensor(IX[:, k:]), flambeau.tensor(VX[k:] * (k + 1), dtype=flambeau.float32),
                                     (4, 4))
        w.grad = None
        f(s, w).backward()
        want_value, want_grad = f(s, w).item(), w.grad.numpy().copy()
        w.grad = None
        got = cf(s, w)
        got.backward()
        assert got.item() == want_value
        np.testing.assert_array_equal(w.grad.numpy(), want_grad)
