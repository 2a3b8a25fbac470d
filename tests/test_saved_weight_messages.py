"""A weight modified in place after an op that saved it: PyTorch's error, word for word. Its
``linear`` (and a recurrent cell's) saves ``weight.t()``, a view: the message shows the
transposed shape, as "output 0 of AsStrided" when the weight requires grad; its layers' weights
start at version 1 (``init.ones_``...), which the message's numbers show."""

from __future__ import annotations

import pytest

import flambeau

pytestmark = pytest.mark.torch


def _no_grad_add(m, p):
    with m.no_grad():
        p.add_(1)


def linear_parameter(m):
    w = m.nn.Parameter(m.ones(3, 4))
    y = m.nn.functional.linear(m.ones(2, 4, requires_grad=True), w, m.ones(3)).sum()
    _no_grad_add(m, w)
    y.backward()


def linear_layer_chain(m):
    m.manual_seed(0)
    l1, l2 = m.nn.Linear(4, 3), m.nn.Linear(3, 2)
    y = l2(m.relu(l1(m.ones(2, 4)))).sum()
    _no_grad_add(m, l2.weight)
    y.backward()


def linear_3d_input_no_bias(m):
    w = m.nn.Parameter(m.ones(3, 4))
    y = m.nn.functional.linear(m.ones(5, 2, 4, requires_grad=True), w).sum()
    _no_grad_add(m, w)
    y.backward()


def linear_non_leaf_weight(m):
    w = m.nn.Parameter(m.ones(3, 4)) * 2
    y = m.nn.functional.linear(m.ones(2, 4, requires_grad=True), w).sum()
    w.add_(1)
    y.backward()


def linear_weight_without_grad(m):
    w = m.ones(3, 4)
    y = m.nn.functional.linear(m.ones(2, 4, requires_grad=True), w).sum()
    w.add_(1)
    y.backward()


def linear_after_optimizer_step(m):
    m.manual_seed(0)
    net = m.nn.Sequential(m.nn.Linear(4, 8), m.nn.Tanh(), m.nn.Linear(8, 1))
    opt = m.optim.SGD(net.parameters(), lr=0.1)
    loss = net(m.ones(5, 4)).pow(2).mean()
    loss.backward(retain_graph=True)
    opt.step()
    loss.backward()


def matmul_transposed_parameter(m):
    w = m.nn.Parameter(m.ones(3, 4))
    y = (m.ones(2, 4, requires_grad=True) @ w.t()).sum()
    _no_grad_add(m, w)
    y.backward()


def leaf_parameter_product(m):
    w = m.nn.Parameter(m.ones(3))
    y = (w * w).sum()
    _no_grad_add(m, w)
    y.backward()


def non_leaf(m):
    a = m.ones(3, requires_grad=True)
    b = a * 2
    c = (b * b).sum()
    b.add_(1)
    c.backward()


def layer_norm_weight(m):
    ln = m.nn.LayerNorm(4)
    y = (ln(m.arange(8.0).reshape(2, 4)) * 3).sum()
    _no_grad_add(m, ln.weight)
    y.backward()


def batch_norm_weight(m):
    bn = m.nn.BatchNorm1d(4)
    y = bn(m.arange(8.0).reshape(2, 4)).pow(2).sum()
    _no_grad_add(m, bn.weight)
    y.backward()


def rnn_hidden_weight(m):
    m.manual_seed(0)
    r = m.nn.RNN(3, 4, batch_first=True)
    y = r(m.ones(2, 5, 3))[0].sum()
    _no_grad_add(m, r.weight_hh_l0)
    y.backward()


def gru_input_weight_with_input_grad(m):
    m.manual_seed(0)
    r = m.nn.GRU(3, 4, batch_first=True)
    y = r(m.ones(2, 5, 3, requires_grad=True))[0].sum()
    _no_grad_add(m, r.weight_ih_l0)
    y.backward()


def rnn_cell_second_step(m):
    m.manual_seed(0)
    cell = m.nn.RNNCell(3, 4)
    y = cell(m.ones(2, 3), cell(m.ones(2, 3))).sum()
    _no_grad_add(m, cell.weight_hh)
    y.backward()


def multihead_attention_out_projection(m):
    m.manual_seed(0)
    a = m.nn.MultiheadAttention(4, 2, batch_first=True)
    x = m.ones(1, 3, 4) + m.arange(4.0)
    y = a(x, x, x)[0].sum()
    _no_grad_add(m, a.out_proj.weight)
    y.backward()


CASES = [linear_parameter, linear_layer_chain, linear_3d_input_no_bias, linear_non_leaf_weight,
         linear_weight_without_grad, linear_after_optimizer_step, matmul_transposed_parameter,
         leaf_parameter_product, non_leaf, layer_norm_weight, batch_norm_weight, rnn_hidden_weight,
         gru_input_weight_with_input_grad, rnn_cell_second_step, multihead_attention_out_projection]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_same_error_as_pytorch(torch, case):
    with pytest.raises(RuntimeError) as th:
        case(torch)
    with pytest.raises(RuntimeError) as fl:
        case(flambeau)
    assert str(fl.value) == str(th.value)


def rnn_input_weight_without_input_grad(m):
    """Nothing saves ``weight_ih`` when the input needs no gradient, nor a bias ever."""
    m.manual_seed(0)
    r = m.nn.RNN(3, 4, batch_first=True)
    y = r(m.ones(2, 5, 3))[0].sum()
    _no_grad_add(m, r.weight_ih_l0)
    _no_grad_add(m, r.bias_ih_l0)
    _no_grad_add(m, r.bias_hh_l0)
    y.backward()
    return r.weight_hh_l0.grad


def test_what_pytorch_does_not_save_may_change(torch):
    assert flambeau.allclose(rnn_input_weight_without_input_grad(flambeau),
                             flambeau.tensor(rnn_input_weight_without_input_grad(torch).numpy()),
                             rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda m: m.nn.LayerNorm(4), lambda m: m.nn.BatchNorm1d(4), lambda m: m.nn.BatchNorm2d(3),
    lambda m: m.nn.GroupNorm(2, 4), lambda m: m.nn.RMSNorm(4), lambda m: m.nn.Embedding(5, 3, padding_idx=0),
    lambda m: m.nn.Linear(3, 2), lambda m: m.nn.TransformerEncoderLayer(4, 2, 8),
])
def test_versions_of_a_new_layer(torch, make):
    def versions(m):
        m.manual_seed(0)
        layer = make(m)
        before = {n: t._version for n, t in [*layer.named_parameters(), *layer.named_buffers()]}
        if isinstance(layer, m.nn.BatchNorm1d):
            layer(m.arange(8.0).reshape(2, 4))
            layer.reset_parameters()
        return before, {n: t._version for n, t in [*layer.named_parameters(), *layer.named_buffers()]}

    assert versions(flambeau) == versions(torch)
