"""Views and the engine, against PyTorch: writes through views of expanded tensors, what a view's
``requires_grad`` and ``grad_fn`` say when its base joins the graph, the names in PyTorch's
refusals, and the order in which ``backward`` runs the nodes (the most recent ready node first,
which decides which error PyTorch raises when two saved tensors were modified).

Each case is one program for both libraries (``m`` is ``torch`` or ``flambeau``), compared by
``same`` (values, numbers, strings; or the same error type and text).
"""

from __future__ import annotations

import warnings

import pytest

from test_autograd_versions import leaf, same


# ---------------------------------------------------------------- expanded tensors
def test_row_of_expanded_tensor_written_through(torch):
    def program(m):
        c = m.zeros(3, dtype=m.float64)
        e = c.expand(2, 3)
        e[0] = 1.5
        e[1].add_(1)
        d = c.view(1, 3).expand(3, 3).diagonal()
        with m.no_grad():
            d.mul_(2)
        return [c, e, d, c._version]
    same(torch, program)


EXPANDED_WRITES = {
    "fill_": lambda m, e: e.fill_(2),
    "zero_": lambda m, e: e.zero_(),
    "fill_tensor": lambda m, e: e.fill_(m.tensor(2.0, dtype=m.float64)),
    "add_": lambda m, e: e.add_(1),
    "mul_wrong_shape": lambda m, e: e.mul_(m.ones(4, dtype=m.float64)),
    "copy_": lambda m, e: e.copy_(m.ones(2, 3, dtype=m.float64)),
    "relu_": lambda m, e: e.relu_(),
    "clamp_": lambda m, e: e.clamp_(0, 1),
    "uniform_": lambda m, e: e.uniform_(),
    "setitem_row": lambda m, e: e.__setitem__(0, 5.0),
    "setitem_column": lambda m, e: e.__setitem__((slice(None), 0), 5.0),
}


@pytest.mark.parametrize("op", EXPANDED_WRITES)
def test_writes_to_expanded_tensor(torch, op):
    def program(m):
        c = m.arange(3, dtype=m.float64)
        e = c.expand(2, 3)
        EXPANDED_WRITES[op](m, e)
        return [c, e, c._version]
    same(torch, program)


@pytest.mark.parametrize("op", ["index_put_", "masked_fill_"])
def test_advanced_writes_to_expanded_tensor_warn(torch, op):
    def program(m):
        c = m.arange(3, dtype=m.float64)
        e = c.expand(2, 3)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if op == "index_put_":
                e[m.tensor([1])] = 7.0
            else:
                e.masked_fill_(m.tensor([[True, False, False]] * 2), 7.0)
        return [c, [(w.category.__name__, str(w.message).split(" (Triggered")[0]) for w in caught]]
    same(torch, program)


def test_zeroed_expanded_graph_tensor_refused_by_backward(torch):
    def program(m):
        x = leaf(m, 3)
        h = x * 1
        h.expand(2, 3).zero_()  # allowed forward; PyTorch's backward cannot copy into it
        (h * h).sum().backward()
    same(torch, program)


def test_leaf_refusal_comes_before_overlap(torch):
    def program(m):
        x = leaf(m, 3)
        x.expand(2, 3).mul_(2)
    same(torch, program)


def test_clone_keeps_the_layout(torch):
    def program(m):
        x = leaf(m, 3, 4)
        c = x.t().clone()
        p = m.ones(2, 3, 4).permute(2, 0, 1).clone()
        return [c.stride(), c.is_contiguous(), p.stride(), x[:, ::2].clone().stride(), c, c.t().view(-1)]
    same(torch, program)
    same(torch, lambda m: leaf(m, 3, 4).t().clone().view(-1))


# ---------------------------------------------------------------- requires_grad of views
def test_view_made_under_no_grad_of_a_leaf(torch):
    def program(m):
        x = leaf(m, 3, 4)
        with m.no_grad():
            v = x[0]
        y = v * 2  # v requires grad (its base does) and is a leaf of its own
        y.sum().backward()
        return [v.requires_grad, v.is_leaf, v.grad_fn, y.grad_fn.name(), v.grad, x.grad]
    same(torch, program)


def test_base_requires_grad_after_view(torch):
    def program(m):
        c = m.ones(3, 4, dtype=m.float64)
        v = c[0]
        c.requires_grad_()
        y = v * 3
        y.sum().backward()
        return [v.requires_grad, v.is_leaf, v.grad, c.grad]
    same(torch, program)


def test_view_of_plain_tensor_that_joins_the_graph(torch):
    x_values = leaf(torch, 3, 4).detach().numpy()

    def read_first(read):
        def program(m):
            x = m.tensor(x_values, requires_grad=True)
            c = m.ones(3, 4, dtype=m.float64)
            v = c.t()
            c.mul_(x)  # c joins the graph; v requires grad from now on
            out = [v.requires_grad]
            if read:
                out.append(v.grad_fn.name())  # rebuilds v's node (AsStridedBackward0)
            v.relu_()  # refused as a leaf unless its node was rebuilt first (PyTorch's rule)
            (c * c).sum().backward()
            return [*out, c.grad_fn.name(), x.grad]
        return program
    same(torch, read_first(False))
    same(torch, read_first(True))


def test_stale_view_saved_with_its_version(torch):
    def program(m):
        x = leaf(m, 3, 4)
        c = m.ones(3, 4, dtype=m.float64)
        v = c[1:]
        c[0] = x[0] * 2
        y = v * v  # v requires grad now: mul saves it
        v.add_(1)
        (y * y).sum().backward()
    same(torch, program)


# ---------------------------------------------------------------- PyTorch's words
def outputs_of_unbind(m):
    x = leaf(m, 3, 4)
    return x * 1, (x * 1).unbind(0)


@pytest.mark.parametrize("change", [
    lambda m, b: b.mul_(2),
    lambda m, b: b[0].mul_(2),
    lambda m, b: b.t().unsqueeze(0).mul_(2),
    lambda m, b: b.view(2, 2).add_(1),
    lambda m, b: b.split(2)[0].add_(1),
])
def test_multi_output_view_named_by_its_node(torch, change):
    def program(m):
        x = leaf(m, 3, 4)
        b = (x * 1).unbind(0)[1]
        change(m, b)
    same(torch, program)


def test_views_of_no_grad_views_named(torch):
    def program(m, k):
        x = leaf(m, 3, 4)
        h = x * 1
        with m.no_grad():
            v = h[0]
        [lambda: v.mul_(2), lambda: v[0].mul_(2), lambda: v.unsqueeze(0)[0].mul_(2)][k]()
    for k in range(3):
        same(torch, lambda m, k=k: program(m, k))


def test_unbind_of_plain_tensor_in_place_with_grad_operand(torch):
    def program(m):
        x = leaf(m, 4)
        a, b, c = m.ones(3, 4, dtype=m.float64).unbind(0)
        a.mul_(x)
    same(torch, program)


@pytest.mark.parametrize("op", [
    lambda h: h.clamp(0, 1), lambda h: h.sum(0), lambda h: h.mean(0), lambda h: h.pow(2),
    lambda h: h.max(0)[0],
])
def test_saved_output_named_as_pytorch(torch, op):
    def program(m):
        x = leaf(m, 3)
        y = op(x * 1)
        z = y * y
        with m.no_grad():
            y.add_(1)
        z.sum().backward()
    same(torch, program)


# ---------------------------------------------------------------- the order of the engine
def test_most_recent_ready_node_runs_first(torch):
    def program(m):
        x = leaf(m, 3, 4)
        h = x * 1
        s = h.sigmoid()  # saves its output s
        h.mul_(h)  # saves h, which it then modifies: PyTorch refuses at backward
        s[0] = 2.0  # s modified too: the error names the node that runs first
        (s.sum() + h.sum()).backward()
    same(torch, program)


def test_hooks_called_in_pytorch_order(torch):
    def program(m):
        x = leaf(m, 3)
        calls = []
        a = x * 2
        b = x * 3
        c = a * b
        d = a + 1
        for name, t in (("a", a), ("b", b), ("c", c), ("d", d)):
            t.register_hook(lambda g, name=name: calls.append(name))
        (c.sum() + d.sum()).backward()
        return [" ".join(calls), x.grad]
    same(torch, program)


def test_hooks_and_retain_grad_on_one_output_of_several(torch):
    def program(m):
        class Two(m.autograd.Function):  # one node, two outputs
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2, x * x

            @staticmethod
            def backward(ctx, ga, gb):
                (x,) = ctx.saved_tensors
                return ga * 2 + gb * 2 * x

        x = leaf(m, 2, 3)
        a, b = Two.apply(x)
        c, d = Two.apply(x * 1)
        calls = []
        a.register_hook(lambda g: calls.append(("a", g.tolist())) or g * 3)
        handle = d.register_hook(lambda g: calls.append(("d", g.tolist())))
        handle.remove()
        b.retain_grad()
        a.retain_grad()
        c.retain_grad()
        c.mul_(2)  # retain_grad follows the tensor to its new node
        kept = [a.retains_grad, b.retains_grad, c.retains_grad, d.retains_grad]
        (a.sum() * 2 + b.pow(2).sum() + c.sum() + d.pow(2).sum()).backward()
        return [calls, kept, x.grad, a.grad, b.grad, c.grad]
    same(torch, program)


# ---------------------------------------------------------------- reading .grad
def test_grad_of_non_leaf_warns(torch):
    def program(m):
        x = leaf(m, 2)
        y = x * 2
        z = x * 3
        z.retain_grad()
        h = x * 4
        h.grad = m.ones(2, dtype=m.float64)
        with m.no_grad():
            v = x[0]
        seen = []
        for name, t in (("leaf", x), ("non-leaf", y), ("retained", z), ("assigned", h),
                        ("plain", m.ones(2)), ("no-grad view", v)):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                t.grad  # noqa: B018 - reading it is the test
            seen += [(name, w.category.__name__, str(w.message).split(" (Triggered")[0],
                      w.filename == __file__ or w.filename == "<string>") for w in caught]
        (y.sum() + z.sum()).backward()
        return [seen, x.grad, z.grad]
    seen = same(torch, program)[0]
    assert [name for name, *_ in seen] == ["non-leaf"]


# ---------------------------------------------------------------- memory shared between operands
@pytest.mark.parametrize("case", ["shifted_add", "shifted_copy", "self_add", "same_view_add",
                                  "x_add_xt", "x_mul_row", "disjoint", "interleaved",
                                  "graph_shifted", "graph_x_sub_xt"])
def test_partial_overlap_refused(torch, case):
    def program(m):
        x = m.arange(6.0, dtype=m.float64)
        s = m.arange(4.0, dtype=m.float64).view(2, 2)
        h = leaf(m, 6) * 1
        {"shifted_add": lambda: x[1:].add_(x[:-1]), "shifted_copy": lambda: x[1:].copy_(x[:-1]),
         "self_add": lambda: x.add_(x), "same_view_add": lambda: x.view(2, 3).t().add_(x.view(2, 3).t()),
         "x_add_xt": lambda: s.add_(s.t()), "x_mul_row": lambda: s.mul_(s[0]),
         "disjoint": lambda: x[:3].mul_(x[3:]), "interleaved": lambda: x[::2].add_(x[1::2]),
         "graph_shifted": lambda: h[1:].mul_(h[:-1]),
         "graph_x_sub_xt": lambda: h.view(2, 3)[:, :2].sub_(h.view(2, 3)[:, 1:])}[case]()
        return [x, s, x._version]
    same(torch, program)


def test_copy_into_itself(torch):
    def program(m):
        x = m.arange(3.0, dtype=m.float64)
        e = x.expand(2, 3)
        e.copy_(e)  # nothing is copied (even into an expanded tensor), one write is counted
        h = leaf(m, 3) * 1
        h.copy_(h)
        (h * h).sum().backward()
        return [x, x._version, repr(h).split("grad_fn=")[1]]
    same(torch, program)


def test_masked_fill_of_expanded_graph_tensor(torch):
    def program(m):
        x = leaf(m, 3)
        h = x * 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            h.expand(2, 3).masked_fill_(m.tensor([[False, True, False], [False] * 3]), 7.0)
        out = [h, h._version, repr(h).split("grad_fn=")[1]]
        (h * h).sum().backward()  # PyTorch's backward cannot copy into the overlapping gradient
        return out
    same(torch, program)


@pytest.mark.parametrize("shape", [(2, 4), (1, 1, 4), (1, 2, 4), (3,), (4, 1), ()])
@pytest.mark.parametrize("in_graph", [False, True])
def test_setitem_value_shapes(torch, shape, in_graph):
    def program(m):
        h = m.ones(3, 4, dtype=m.float64, requires_grad=in_graph) * 1
        h[0] = m.full(shape, 2.0, dtype=m.float64)
        return [h]
    same(torch, program)


def test_stale_no_grad_view_made_a_leaf_then_used(torch):
    def program(m):
        x = leaf(m, 3, 4)
        h = x * 1
        with m.no_grad():
            v = h[1:]
            h.mul_(0.5)
        v.requires_grad_()  # allowed: PyTorch looks at v's node as it was
        out = [v.requires_grad]
        with m.no_grad():
            w = v.split(1)[0]  # no error under no_grad
        (w * w).sum().backward()  # here: v's base was written since v was made under no_grad
        return out
    same(torch, program)


def test_no_grad_view_checked_before_the_ops_own_errors(torch):
    def program(m):
        x = leaf(m, 3, 4)
        h = x * 1
        with m.no_grad():
            e = h.expand(2, 3, 4)
        h.sigmoid_()
        e.view(-1)  # both invalid: PyTorch names the view first
    same(torch, program)


@pytest.mark.parametrize("how", ["grad", "grad_of_non_leaf", "backward_inputs"])
def test_only_the_nodes_leading_to_the_inputs_run(torch, how):
    def program(m):
        x = leaf(m, 3)
        y = leaf(m, 3, seed=1)
        calls = []
        a = x.exp()
        with m.no_grad():
            a.mul_(2)  # a saved tensor modified: refused only if ExpBackward0 runs
        h = y * 2
        b = h * 3
        for name, t in (("a", a), ("h", h), ("b", b)):
            t.register_hook(lambda g, name=name: calls.append(name))
        loss = a.sum() + b.sum()
        if how == "grad":
            got = m.autograd.grad(loss, y)
        elif how == "grad_of_non_leaf":
            got = m.autograd.grad(loss, b)
        else:
            loss.backward(inputs=[y])
            got = (y.grad, x.grad)
        return [*got, " ".join(calls)]
    same(torch, program)
