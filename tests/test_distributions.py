"""flambeau.distributions against torch.distributions: log_prob, entropy, moments, cdf/icdf and
KL values and gradients; samples bit for bit under the same seed; PyTorch's validation errors;
a REINFORCE loop as PyTorch's example writes it."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from flambeau.distributions import _special
from parity import check, run

F64, F32 = np.float64, np.float32
R = np.random.default_rng(7)
PROBS = R.uniform(0.1, 1.0, (3, 4))
LOGITS = R.standard_normal((3, 4))
P01 = R.uniform(0.05, 0.95, (2, 3))
LOC, SCALE = R.standard_normal((2, 3)), R.uniform(0.5, 2.0, (2, 3))
X = R.standard_normal((2, 3))


def _d(lib):
    return lib.distributions


@pytest.fixture(autouse=True)
def _validation_on(torch):
    """Validation on in both libraries, PyTorch's default: importing torch._dynamo (any
    torch.compile in the same process, e.g. in test_device.py) turns PyTorch's off for good."""
    saved = torch.distributions.Distribution._validate_args
    torch.distributions.Distribution.set_default_validate_args(True)
    yield
    torch.distributions.Distribution.set_default_validate_args(saved)


# ----------------------------------------------------------------------------- layout

def test_module_layout_as_pytorch():
    from flambeau.distributions.bernoulli import Bernoulli
    from flambeau.distributions.binomial import Binomial
    from flambeau.distributions.categorical import Categorical
    from flambeau.distributions.kl import kl_divergence, register_kl  # noqa: F401
    from flambeau.distributions.multinomial import Multinomial
    from flambeau.distributions.normal import Normal
    from flambeau.distributions.poisson import Poisson
    from flambeau.distributions.uniform import Uniform

    d = flambeau.distributions
    assert (d.Categorical, d.Normal, d.Bernoulli, d.Uniform, d.Multinomial, d.Binomial, d.Poisson) == \
        (Categorical, Normal, Bernoulli, Uniform, Multinomial, Binomial, Poisson)
    assert {"Categorical", "Normal", "kl_divergence", "Distribution", "constraints"} <= set(dir(d))


# ----------------------------------------------------------------------------- values and gradients

@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("param", ["probs", "logits"])
def test_categorical_log_prob_entropy(torch, dtype, param):
    arr = PROBS if param == "probs" else LOGITS
    def f(lib, p):
        m = _d(lib).Categorical(**{param: p})
        return m.log_prob(lib.tensor([[0, 3, 1], [2, 2, 0]])), m.log_prob(lib.tensor([[1], [3]])), \
            m.log_prob(lib.tensor(2)), m.entropy(), m.probs, m.logits, m.perplexity()

    run(torch, f, [arr], dtype=dtype)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_normal_values_and_gradients(torch, dtype):
    u = R.uniform(0.05, 0.95, (2, 3))

    def f(lib, loc, scale, x, q):
        m = _d(lib).Normal(loc, scale)
        return m.log_prob(x), m.cdf(x), m.icdf(q), m.entropy(), m.mean, m.variance, m.stddev, m.mode

    run(torch, f, [LOC, SCALE, X, u], dtype=dtype)


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("param", ["probs", "logits"])
def test_bernoulli_values_and_gradients(torch, dtype, param):
    arr = P01 if param == "probs" else LOC
    x = (R.uniform(size=(2, 3)) < 0.5).astype(float)

    def f(lib, p, v):
        m = _d(lib).Bernoulli(**{param: p})
        return m.log_prob(v), m.entropy(), m.mean, m.variance, m.probs, m.logits

    run(torch, f, [arr, x], grad=[True, False], dtype=dtype)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_uniform_values_and_gradients(torch, dtype):
    low, high = LOC, LOC + SCALE
    x = LOC + SCALE * R.uniform(0.1, 0.9, (2, 3))

    def f(lib, a, b, v, q):
        m = _d(lib).Uniform(a, b)
        return m.log_prob(v), m.cdf(v), m.icdf(q), m.entropy(), m.mean, m.variance, m.stddev

    run(torch, f, [low, high, x, R.uniform(size=(2, 3))], dtype=dtype)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_multinomial_values_and_gradients(torch, dtype):
    counts = np.array([[2.0, 0, 5, 3], [1, 1, 1, 7], [0, 0, 0, 10]])

    def f(lib, p, logits, x):
        m = _d(lib).Multinomial(10, probs=p)
        k = _d(lib).Multinomial(10, logits=logits)
        return m.log_prob(x), k.log_prob(x), m.mean, m.variance, m.entropy(), k.entropy()

    run(torch, f, [PROBS, LOGITS, counts], grad=[True, True, False], dtype=dtype)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_binomial_values_and_gradients(torch, dtype):
    k = np.array([[0.0, 3, 7], [10, 5, 1]])

    def f(lib, p, logits, v):
        m = _d(lib).Binomial(10, probs=p)
        n = _d(lib).Binomial(lib.tensor([[10.0], [12.0]], dtype=logits.dtype), logits=logits)
        return m.log_prob(v), n.log_prob(v), m.mean, m.variance, m.mode, m.entropy(), n.mean

    run(torch, f, [P01, LOC, k], grad=[True, True, False], dtype=dtype)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_poisson_values_and_gradients(torch, dtype):
    k = np.array([[0.0, 3, 7], [10, 5, 1]])

    def f(lib, rate, v):
        m = _d(lib).Poisson(rate)
        return m.log_prob(v), m.mean, m.variance, m.mode

    run(torch, f, [SCALE * 3, k], grad=[True, False], dtype=dtype)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_exponential_laplace_values_and_gradients(torch, dtype):
    pos = np.abs(X) + 0.1
    u = R.uniform(0.05, 0.95, (2, 3))

    def f(lib, rate, loc, scale, x, q):
        e, la = _d(lib).Exponential(rate), _d(lib).Laplace(loc, scale)
        return (e.log_prob(x), e.cdf(x), e.icdf(q), e.entropy(), e.mean, e.variance, e.stddev, e.mode,
                la.log_prob(x), la.cdf(x), la.icdf(q), la.entropy(), la.mean, la.variance, la.stddev)

    run(torch, f, [SCALE, LOC, SCALE, pos, u], dtype=dtype)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_independent(torch, dtype):
    def f(lib, loc, scale, x):
        d = _d(lib)
        q = d.Independent(d.Normal(loc, scale), 1)
        b = d.Independent(d.Bernoulli(logits=loc), 2)
        e = q.expand((5, 2))
        return q.log_prob(x), q.entropy(), q.mean, q.variance, b.entropy(), e.log_prob(x), \
            d.kl_divergence(q, d.Independent(d.Normal(x, scale), 1))

    run(torch, f, [LOC, SCALE, X], dtype=dtype)
    for lib in (flambeau, torch):
        d = _d(lib)
        q = d.Independent(d.Normal(lib.zeros(4, 3), lib.ones(4, 3)), 1)
        assert (tuple(q.batch_shape), tuple(q.event_shape)) == ((4,), (3,)) and q.has_rsample
        assert tuple(q.expand((2, 4)).batch_shape) == (2, 4)
        assert not d.Independent(d.Categorical(lib.ones(2, 3)), 1).has_enumerate_support
    a = _d(flambeau).Independent(_d(flambeau).Bernoulli(flambeau.tensor([0.5, 0.5])), 1)
    b = _d(torch).Independent(_d(torch).Bernoulli(torch.tensor([0.5, 0.5])), 1)
    assert repr(a) == repr(b) and repr(a.support) == repr(b.support)
    _same_draws(torch, lambda lib: _d(lib).Independent(_d(lib).Normal(lib.tensor(LOC), lib.tensor(SCALE)), 1),
                method="rsample")


@pytest.mark.parametrize("dtype", [F64, F32])
def test_gamma_beta_dirichlet_values_and_gradients(torch, dtype):
    pos = R.uniform(0.1, 0.9, (2, 3))
    conc = R.uniform(0.5, 4.0, (2, 3))
    simplex = conc / conc.sum(-1, keepdims=True)

    def f(lib, a, b, x, c):
        d = _d(lib)
        g, be, di = d.Gamma(a, b), d.Beta(a, b), d.Dirichlet(c)
        return (g.log_prob(x * 3), g.entropy(), g.mean, g.variance, g.mode, be.log_prob(x), be.entropy(),
                be.mean, be.variance, be.mode, di.log_prob(x / x.sum(-1, keepdim=True)), di.entropy(),
                di.mean, di.variance, di.mode, d.kl_divergence(g, d.Gamma(b, a)),
                d.kl_divergence(be, d.Beta(b, a)), d.kl_divergence(di, d.Dirichlet(c.flip(-1))))

    run(torch, f, [SCALE, SCALE[::-1].copy() * 2, pos, simplex * 3], dtype=dtype)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_gamma_rsample_gradient(torch, dtype):
    conc = np.array([[0.3, 1.5, 5.0], [12.0, 50.0, 0.9]])

    def f(lib, a, b):
        lib.manual_seed(4)
        return _d(lib).Gamma(a, b).rsample((30,))

    run(torch, f, [conc, SCALE], dtype=dtype, tol=dict(rtol=1e-7 if dtype == F64 else 2e-4, atol=1e-9))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gamma_beta_dirichlet_samples_bit_for_bit(torch, dtype):
    def t(lib, a):
        return lib.tensor(a, dtype=getattr(lib, dtype))

    conc = [[0.05, 0.5, 1.0], [2.5, 10.0, 300.0]]
    _same_draws(torch, lambda lib: _d(lib).Gamma(t(lib, conc), t(lib, SCALE)))
    _same_draws(torch, lambda lib: _d(lib).Beta(t(lib, conc), t(lib, SCALE)))
    _same_draws(torch, lambda lib: _d(lib).Beta(0.5, 0.5), shapes=[(20,)])
    for k in (3, 5, 6, 11):
        c = np.random.default_rng(k).uniform(0.1, 3, (2, k))
        _same_draws(torch, lambda lib, c=c: _d(lib).Dirichlet(t(lib, c)), shapes=[(), (4,)])


@pytest.mark.parametrize("dtype", [F64, F32])
def test_beta_dirichlet_rsample_gradients(torch, dtype):
    conc = np.array([[0.3, 1.5, 5.0, 0.8], [12.0, 9.0, 0.9, 30.0]])

    def f(lib, c, a, b):
        lib.manual_seed(6)
        return _d(lib).Dirichlet(c).rsample((20,)), _d(lib).Beta(a, b).rsample((25,))

    run(torch, f, [conc, conc[0], conc[1]], dtype=dtype, tol=dict(rtol=1e-7 if dtype == F64 else 5e-4, atol=1e-9))


@pytest.mark.parametrize("dtype", [F64, F32])
def test_transformed_distributions(torch, dtype):
    pos = np.abs(X) + 0.2
    unit = R.uniform(0.1, 0.9, (2, 3))

    def f(lib, loc, scale, y, u, v):
        d, T = _d(lib), _d(lib).transforms
        ln = d.LogNormal(loc, scale)
        sq = d.TransformedDistribution(d.Normal(loc, scale), [T.TanhTransform()])
        lg = d.TransformedDistribution(d.Normal(loc, scale), [T.SigmoidTransform(), T.AffineTransform(1.0, 2.0)])
        af = d.TransformedDistribution(d.Normal(loc, scale), T.AffineTransform(loc, scale, event_dim=1))
        return (ln.log_prob(y), ln.mean, ln.variance, ln.mode, ln.entropy(), ln.cdf(y), ln.icdf(u),
                sq.log_prob(v), lg.log_prob(1.0 + 2.0 * u), af.log_prob(y), lg.cdf(1.0 + 2.0 * u),
                d.kl_divergence(ln, d.LogNormal(scale, loc.abs() + 0.5)))

    run(torch, f, [LOC, SCALE, pos, unit, unit * 2 - 1], dtype=dtype)
    for lib in (flambeau, torch):
        d = _d(lib)
        af = d.TransformedDistribution(d.Normal(lib.zeros(4, 3), 1.0), d.transforms.AffineTransform(0.0, 2.0, event_dim=1))
        assert (tuple(af.batch_shape), tuple(af.event_shape)) == ((4,), (3,))


def test_tanh_squashed_policy_as_sac(torch):
    """SAC's squashed Gaussian: rsample, then log_prob of the action through the cache."""
    def f(lib, mu, log_std):
        d = _d(lib)
        lib.manual_seed(2)
        pi = d.TransformedDistribution(d.Normal(mu, log_std.exp()), [d.transforms.TanhTransform(cache_size=1)])
        a = pi.rsample()
        return a, pi.log_prob(a).sum(-1)

    run(torch, f, [LOC * 4, SCALE - 1.5])
    # the normal draws bit for bit; PyTorch's vectorised exp may differ from NumPy's in the last bit
    _same_draws(torch, lambda lib: _d(lib).LogNormal(lib.tensor(LOC), lib.tensor(SCALE)), method="rsample",
                close=True)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_gaussian_mixture(torch, dtype):
    def f(lib, w, loc, scale, x):
        d = _d(lib)
        gmm = d.MixtureSameFamily(d.Categorical(logits=w), d.Normal(loc, scale))
        diag = d.MixtureSameFamily(d.Categorical(logits=w[0]), d.Independent(d.Normal(loc.T, scale.T), 1))
        return gmm.log_prob(x), gmm.mean, gmm.variance, gmm.cdf(x), diag.log_prob(x[:, :2]), diag.mean, diag.variance

    run(torch, f, [LOGITS[:2, :3], LOC, SCALE, X[:, :2].T.copy()], dtype=dtype)
    for lib in (flambeau, torch):
        d = _d(lib)
        gmm = d.MixtureSameFamily(d.Categorical(lib.ones(2, 3)), d.Normal(lib.tensor(LOC), lib.tensor(SCALE)))
        assert tuple(gmm.batch_shape) == (2,) and tuple(gmm.expand((4, 2)).batch_shape) == (4, 2)
    _same_draws(torch, lambda lib: _d(lib).MixtureSameFamily(_d(lib).Categorical(lib.tensor(PROBS[:2, :3])),
                                                             _d(lib).Normal(lib.tensor(LOC), lib.tensor(SCALE))))
    _same_draws(torch, lambda lib: _d(lib).MixtureSameFamily(
        _d(lib).Categorical(lib.tensor(PROBS[0, :3])), _d(lib).Independent(_d(lib).Normal(lib.tensor(LOC.T), 1.0), 1)))
    _same_error(torch, lambda lib: _d(lib).MixtureSameFamily(_d(lib).Categorical(lib.ones(3)), _d(lib).Normal(lib.zeros(4), 1.0)))
    _same_error(torch, lambda lib: _d(lib).MixtureSameFamily(_d(lib).Normal(0.0, 1.0), _d(lib).Normal(lib.zeros(4), 1.0)))
    _same_error(torch, lambda lib: _d(lib).MixtureSameFamily(
        _d(lib).Categorical(lib.ones(3)), _d(lib).Exponential(lib.ones(3))).log_prob(lib.tensor([-1.0])))


@pytest.mark.parametrize("dtype", [F64, F32])
def test_chi2_student_t(torch, dtype):
    df = np.array([[0.7, 1.5, 3.0], [5.0, 30.0, 2.0]])

    def f(lib, nu, loc, scale, x):
        d = _d(lib)
        c, t = d.Chi2(nu), d.StudentT(nu, loc, scale)
        return (c.log_prob(x.abs() + 0.1), c.mean, c.variance, c.entropy(), t.log_prob(x), t.mean,
                t.variance, t.entropy(), d.kl_divergence(c, d.Chi2(nu + 1)))

    run(torch, f, [df, LOC, SCALE, X], dtype=dtype)
    _same_draws(torch, lambda lib: _d(lib).Chi2(lib.tensor(df)))
    # the normal and chi-squared draws bit for bit; PyTorch's vectorised rsqrt may round differently
    _same_draws(torch, lambda lib: _d(lib).StudentT(lib.tensor(df), lib.tensor(LOC), lib.tensor(SCALE)),
                method="rsample", close=True)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_cauchy(torch, dtype):
    def f(lib, loc, scale, x, u):
        c = _d(lib).Cauchy(loc, scale)
        return c.log_prob(x), c.cdf(x), c.icdf(u), c.entropy(), c.mean, c.variance, c.mode

    run(torch, f, [LOC, SCALE, X, R.uniform(0.05, 0.95, (2, 3))], dtype=dtype)
    for method in ("sample", "rsample"):
        _same_draws(torch, lambda lib: _d(lib).Cauchy(lib.tensor(LOC, dtype=lib.float32),
                                                      lib.tensor(SCALE, dtype=lib.float32)), method=method)
        _same_draws(torch, lambda lib: _d(lib).Cauchy(lib.tensor(LOC), lib.tensor(SCALE)), method=method)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_geometric_negative_binomial_half_normal(torch, dtype):
    k = np.array([[0.0, 3, 7], [10, 5, 1]])

    def f(lib, p, logits, r, scale, v, x):
        d = _d(lib)
        g, gl = d.Geometric(p), d.Geometric(logits=logits)
        nb, nbl = d.NegativeBinomial(r, p), d.NegativeBinomial(r, logits=logits)
        h = d.HalfNormal(scale)
        return (g.log_prob(v), g.mean, g.variance, g.entropy(), gl.log_prob(v), nb.log_prob(v), nb.mean,
                nb.variance, nb.mode, nbl.log_prob(v), h.log_prob(x.abs()), h.cdf(x.abs()), h.icdf(p), h.mean,
                h.variance, h.entropy())

    run(torch, f, [P01, LOC, SCALE * 3, SCALE, k, X], grad=[True, True, True, True, False, True], dtype=dtype)
    _same_draws(torch, lambda lib: _d(lib).Geometric(lib.tensor(P01)))
    _same_draws(torch, lambda lib: _d(lib).NegativeBinomial(lib.tensor(SCALE * 3), lib.tensor(P01)))
    _same_draws(torch, lambda lib: _d(lib).HalfNormal(lib.tensor(SCALE)), method="rsample")
    _same_error(torch, lambda lib: _d(lib).Geometric(lib.tensor([0.5, 0.0])))


@pytest.mark.parametrize("dtype", [F64, F32])
def test_relaxed_and_gumbel(torch, dtype):
    unit = R.uniform(0.1, 0.9, (2, 3))

    def f(lib, temp, p, logits, loc, scale, u, x):
        d = _d(lib)
        rb, rc = d.RelaxedBernoulli(temp, p), d.RelaxedOneHotCategorical(temp, logits=logits)
        lrb = d.relaxed_bernoulli.LogitRelaxedBernoulli(temp, logits=logits)
        g = d.Gumbel(loc, scale)
        return (rb.log_prob(u), lrb.log_prob(x), rc.log_prob(u / u.sum(-1, keepdim=True)), g.log_prob(x),
                g.mean, g.variance, g.entropy(), g.cdf(x))

    run(torch, f, [np.array(0.7), P01, LOC, LOC, SCALE, unit, X], dtype=dtype)

    def g(lib, temp, p, logits):
        lib.manual_seed(8)
        d = _d(lib)
        return d.RelaxedBernoulli(temp, p).rsample((3,)), d.RelaxedOneHotCategorical(temp, logits=logits).rsample((2,))

    # PyTorch's uniforms; its vectorised log and exp may round differently from NumPy's
    run(torch, g, [np.array(0.5), P01, LOC], tol=dict(rtol=1e-12, atol=1e-12))
    _same_draws(torch, lambda lib: _d(lib).Gumbel(lib.tensor(LOC), lib.tensor(SCALE)), method="rsample", close=True)


SPD = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]])


@pytest.mark.parametrize("dtype", [F64, F32])
def test_multivariate_normal(torch, dtype):
    x = R.standard_normal((4, 2, 3))

    def f(lib, loc, cov, prec, tril, v):
        d = _d(lib)
        a = d.MultivariateNormal(loc, cov)
        b = d.MultivariateNormal(loc[0], precision_matrix=prec)
        c = d.MultivariateNormal(loc, scale_tril=tril.tril())
        lib.manual_seed(1)
        return (a.log_prob(v), b.log_prob(v), c.log_prob(v[0]), a.entropy(), b.entropy(), a.variance,
                b.variance, a.scale_tril, b.covariance_matrix, c.precision_matrix, a.rsample((2,)),
                d.kl_divergence(a, b), d.kl_divergence(c, a))

    tril = np.linalg.cholesky(SPD * 1.5)
    run(torch, f, [LOC, SPD, SPD + 0.5 * np.eye(3), tril, x], grad=[True, True, True, True, False], dtype=dtype)
    _same_draws(torch, lambda lib: _d(lib).MultivariateNormal(lib.tensor(LOC), lib.tensor(SPD)), close=True)
    for lib in (flambeau, torch):
        m = _d(lib).MultivariateNormal(lib.zeros(5, 1, 3), lib.tensor(SPD, dtype=lib.float32))
        assert (tuple(m.batch_shape), tuple(m.event_shape)) == ((5, 1), (3,))
        assert tuple(m.expand((2, 5, 1)).batch_shape) == (2, 5, 1)


def test_multivariate_normal_errors(torch):
    bad = np.array([[1.0, 2.0], [2.0, 1.0]])
    for case in (lambda lib: _d(lib).MultivariateNormal(lib.zeros(2), lib.tensor(bad)),
                 lambda lib: _d(lib).MultivariateNormal(lib.zeros(2), lib.tensor([[1.0, 0.5], [0.0, 1.0]])),
                 lambda lib: _d(lib).MultivariateNormal(lib.zeros(2), scale_tril=lib.tensor([[1.0, 0.5], [0.0, 1.0]])),
                 lambda lib: _d(lib).MultivariateNormal(lib.zeros(2)),
                 lambda lib: _d(lib).MultivariateNormal(lib.zeros(2), lib.eye(2), scale_tril=lib.eye(2)),
                 lambda lib: _d(lib).MultivariateNormal(lib.tensor(0.0), lib.eye(2)),
                 lambda lib: _d(lib).MultivariateNormal(lib.zeros(2), lib.ones(2)),
                 lambda lib: _d(lib).MultivariateNormal(lib.zeros(2), lib.eye(2)).log_prob(lib.zeros(3)),
                 lambda lib: _d(lib).kl_divergence(_d(lib).MultivariateNormal(lib.zeros(2), lib.eye(2)),
                                                   _d(lib).MultivariateNormal(lib.zeros(3), lib.eye(3)))):
        _same_error(torch, case)


def test_one_hot_categorical(torch):
    value = np.eye(4)[[1, 3, 0]]

    def f(lib, p, v):
        m = _d(lib).OneHotCategorical(p)
        return m.log_prob(v), m.entropy(), m.mean, m.variance, m.mode

    run(torch, f, [PROBS, value], grad=[True, False])


def test_poisson_rate_zero_and_binomial_edges(torch):
    def f(lib, rate, v):
        return _d(lib).Poisson(rate).log_prob(v)

    run(torch, f, [np.array([0.0, 0.0, 2.0]), np.array([0.0, 1.0, 0.0])], grad=[True, False])


@pytest.mark.parametrize("dtype", [F64, F32])
def test_rsample_gradients(torch, dtype):
    def f(lib, loc, scale, a, b):
        lib.manual_seed(3)
        return _d(lib).Normal(loc, scale).rsample((4,)), _d(lib).Uniform(a, b).rsample((2,))

    run(torch, f, [LOC, SCALE, LOC, LOC + SCALE], dtype=dtype)


def test_shapes_support_expand(torch):
    for lib in (flambeau, torch):
        lib.manual_seed(0)
    for make in (lambda lib: _d(lib).Categorical(lib.tensor(PROBS)),
                 lambda lib: _d(lib).Bernoulli(lib.tensor(P01)),
                 lambda lib: _d(lib).OneHotCategorical(lib.tensor(PROBS)),
                 lambda lib: _d(lib).Binomial(5, lib.tensor(P01))):
        a, b = make(flambeau), make(torch)
        assert tuple(a.batch_shape) == tuple(b.batch_shape) and tuple(a.event_shape) == tuple(b.event_shape)
        for expand in (True, False):
            np.testing.assert_array_equal(a.enumerate_support(expand).numpy(), b.enumerate_support(expand).numpy())
        e, f = a.expand((5,) + tuple(a.batch_shape)), b.expand((5,) + tuple(b.batch_shape))
        assert tuple(e.batch_shape) == tuple(f.batch_shape)
        np.testing.assert_allclose(e.entropy().detach().numpy(), f.entropy().detach().numpy(), rtol=1e-6)
    a, b = _d(flambeau).Categorical(logits=flambeau.tensor(LOGITS)), _d(torch).Categorical(logits=torch.tensor(LOGITS))
    assert tuple(a.param_shape) == tuple(b.param_shape) and repr(a.support) == repr(b.support)
    np.testing.assert_array_equal(a.mode.numpy(), b.mode.numpy())
    assert np.isnan(a.mean.numpy()).all() and a.mean.shape == b.mean.shape
    n = _d(flambeau).Normal(0.0, 1.0)
    assert n.batch_shape == () and n.sample((2, 3)).shape == (2, 3) and n.has_rsample


@pytest.mark.parametrize("dtype", [F64, F32])
def test_special_functions_as_pytorch(torch, dtype):
    x = np.array([-3.5, -0.5, 0.3, 1.0, 2.5, 7.0, 30.0, 1e-3, 11.5])
    check(torch, _special.lgamma, torch.lgamma, [x], dtype=dtype)
    check(torch, _special.digamma, torch.digamma, [x], dtype=dtype)
    check(torch, _special.softplus, torch.nn.functional.softplus, [x * 8], dtype=dtype)
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 41), [0.0]])
    check(torch, _special.erfinv, torch.erfinv, [y], dtype=dtype,
          tol=dict(rtol=1e-8 if dtype == F64 else 1e-4, atol=1e-9 if dtype == F64 else 1e-5))
    v = np.array([0.0, 0.0, 1.5, 3.0, 0.0])
    check(torch, _special.xlogy, torch.xlogy, [v, np.array([0.5, 0.0, 2.0, 0.25, np.nan])], dtype=dtype)


def test_special_functions_edges(torch):
    x = np.array([0.0, -1.0, -2.0, 1.0, 2.0, np.inf])
    np.testing.assert_array_equal(_special.lgamma(flambeau.tensor(x)).numpy(), torch.lgamma(torch.tensor(x)).numpy())
    np.testing.assert_array_equal(_special._digamma_np(x[:3]), [-np.inf, np.nan, np.nan])
    e = np.array([-1.0, 1.0, 1.5, -2.0])
    np.testing.assert_array_equal(_special.erfinv(flambeau.tensor(e)).numpy(), torch.erfinv(torch.tensor(e)).numpy())
    assert _special.lgamma(flambeau.tensor([3, 4])).dtype == flambeau.float32


# ----------------------------------------------------------------------------- samples, bit for bit

SHAPES = [(), (3,), (2, 5)]


def _same_draws(torch, make, shapes=SHAPES, method="sample", seed=11, close=False):
    for shape in shapes:
        out = []
        for lib in (flambeau, torch):
            lib.manual_seed(seed)
            m = make(lib)
            out.append(getattr(m, method)(shape))
            out.append(getattr(m, method)())  # the stream goes on the same way
        for f, t in ((out[0], out[2]), (out[1], out[3])):
            assert tuple(f.shape) == tuple(t.shape)
            assert f.dtype.name == str(t.dtype).replace("torch.", "")
            if close:  # a few ulps
                eps = np.finfo(f.detach().numpy().dtype).eps
                np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=8 * eps, atol=8 * eps)
            else:
                np.testing.assert_array_equal(f.detach().numpy(), t.detach().numpy())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_categorical_samples_bit_for_bit(torch, dtype):
    _same_draws(torch, lambda lib: _d(lib).Categorical(lib.tensor(PROBS[0], dtype=getattr(lib, dtype))))
    _same_draws(torch, lambda lib: _d(lib).Categorical(logits=lib.tensor(LOGITS, dtype=getattr(lib, dtype))))
    _same_draws(torch, lambda lib: _d(lib).OneHotCategorical(lib.tensor(PROBS, dtype=getattr(lib, dtype))))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_normal_uniform_bernoulli_samples_bit_for_bit(torch, dtype):
    def t(lib, a):
        return lib.tensor(a, dtype=getattr(lib, dtype))

    for method in ("sample", "rsample"):
        _same_draws(torch, lambda lib: _d(lib).Normal(t(lib, LOC), t(lib, SCALE)), method=method)
        _same_draws(torch, lambda lib: _d(lib).Normal(t(lib, LOC[0, 0]), 2.0), method=method)
        _same_draws(torch, lambda lib: _d(lib).Uniform(t(lib, LOC), t(lib, LOC + SCALE)), method=method)
    _same_draws(torch, lambda lib: _d(lib).Normal(0.0, 1.0), shapes=[(40,), (3, 7)])  # 16 and more: vectorised
    _same_draws(torch, lambda lib: _d(lib).Bernoulli(t(lib, P01)))
    _same_draws(torch, lambda lib: _d(lib).Bernoulli(logits=t(lib, LOC)))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_exponential_laplace_samples_bit_for_bit(torch, dtype):
    def t(lib, a):
        return lib.tensor(a, dtype=getattr(lib, dtype))

    for method in ("sample", "rsample"):
        _same_draws(torch, lambda lib: _d(lib).Exponential(t(lib, SCALE)), method=method)
        # the same uniforms; PyTorch's vectorised log1p differs from NumPy's in the last bit
        _same_draws(torch, lambda lib: _d(lib).Laplace(t(lib, LOC), t(lib, SCALE)), method=method, close=True)
    _same_draws(torch, lambda lib: _d(lib).Laplace(0.0, 1.0), shapes=[(40,)], close=True)


def test_multinomial_samples_bit_for_bit(torch):
    _same_draws(torch, lambda lib: _d(lib).Multinomial(10, lib.tensor([0.2, 0.3, 0.5])))
    _same_draws(torch, lambda lib: _d(lib).Multinomial(7, logits=lib.tensor(LOGITS)), shapes=[(), (2,)])


def test_sample_has_no_gradient_rsample_has(torch):
    loc = flambeau.tensor([0.0, 1.0], requires_grad=True)
    m = flambeau.distributions.Normal(loc, 1.0)
    assert not m.sample().requires_grad and m.rsample().requires_grad


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_binomial_poisson_samples_bit_for_bit(torch, dtype):
    def t(lib, a):
        return lib.tensor(a, dtype=getattr(lib, dtype))

    rates = [0.0, 0.3, 4.0, 9.99, 10.0, 25.0, 700.0]
    _same_draws(torch, lambda lib: _d(lib).Poisson(t(lib, rates)))
    _same_draws(torch, lambda lib: _d(lib).Poisson(t(lib, 13.5)), shapes=[(50,)])
    counts = [[0.0, 5, 12, 40, 100, 1000, 30]]
    probs = [[0.5, 0.1, 0.95, 0.5, 0.3, 0.02, 0.7], [0.0, 1.0, 0.5, 0.99, 0.6, 0.9, 0.08]]
    _same_draws(torch, lambda lib: _d(lib).Binomial(t(lib, counts), t(lib, probs)))
    _same_draws(torch, lambda lib: _d(lib).Binomial(50, logits=t(lib, [[-2.0, 0.3, 4.0]])), shapes=[(20,)])


def test_poisson_binomial_ops_as_pytorch(torch):
    def same(fn):
        out = []
        for lib in (flambeau, torch):
            lib.manual_seed(5)
            out.append(fn(lib).numpy())
        np.testing.assert_array_equal(out[0], out[1])

    same(lambda lib: lib.poisson(lib.rand(4, 6, dtype=lib.float64) * 30))
    same(lambda lib: lib.binomial(lib.full((5, 3), 60.0), lib.rand(5, 3)))
    same(lambda lib: lib.binomial(lib.full((5, 3), 8.0), lib.tensor([0.2, 0.5, 1.5])))
    g = flambeau.Generator().manual_seed(3)
    tg = torch.Generator().manual_seed(3)
    np.testing.assert_array_equal(flambeau.poisson(flambeau.full((9,), 11.0), g).numpy(),
                                  torch.poisson(torch.full((9,), 11.0), tg).numpy())
    for lib in (flambeau, torch):
        x = lib.tensor([2.0, 30.0], requires_grad=True)
        lib.poisson(x).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]
    for case in (lambda lib: lib.poisson(lib.tensor([-1.0])),
                 lambda lib: lib.poisson(lib.tensor([1])),
                 lambda lib: lib.binomial(lib.tensor([3.0]), lib.tensor([0.5], dtype=lib.float64)),
                 lambda lib: lib.binomial(lib.tensor([3.0], requires_grad=True), lib.tensor([0.5])).sum().backward()):
        _same_error(torch, case)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match the size of tensor b \(3\)"):
        flambeau.binomial(flambeau.tensor([3.0, 4.0]), flambeau.tensor([0.5, 0.2, 0.3]))


# ----------------------------------------------------------------------------- validation

def _same_error(torch, fn):
    errs = []
    for lib in (flambeau, torch):
        with pytest.raises(Exception) as e:
            fn(lib)
        errs.append(e.value)
    assert type(errs[0]) is type(errs[1])
    assert str(errs[0]) == str(errs[1])


@pytest.mark.parametrize("case", [
    lambda lib: _d(lib).Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, -1.0])),
    lambda lib: _d(lib).Normal(0.0, 0.0),
    lambda lib: _d(lib).Normal(lib.tensor([0.0]), lib.tensor([float("nan")])),
    lambda lib: _d(lib).Categorical(lib.tensor([0.5, -0.5, 1.0])),
    lambda lib: _d(lib).Categorical(lib.tensor(0.5)),
    lambda lib: _d(lib).Categorical(logits=lib.tensor(0.5)),
    lambda lib: _d(lib).Categorical(),
    lambda lib: _d(lib).Categorical(lib.tensor([0.5]), logits=lib.tensor([0.5])),
    lambda lib: _d(lib).Bernoulli(lib.tensor([0.5, 1.5])),
    lambda lib: _d(lib).Bernoulli(),
    lambda lib: _d(lib).Uniform(lib.tensor([0.0, 2.0]), lib.tensor([1.0, 1.0])),
    lambda lib: _d(lib).Poisson(lib.tensor([-1.0])),
    lambda lib: _d(lib).Exponential(lib.tensor([0.0])),
    lambda lib: _d(lib).Gamma(lib.tensor([1.0]), lib.tensor([-1.0])),
    lambda lib: _d(lib).LogNormal(lib.tensor([1.0]), lib.tensor([1.0])).log_prob(lib.tensor([-1.0])),
    lambda lib: _d(lib).LogNormal(lib.tensor([1.0]), lib.tensor([0.0])),
    lambda lib: _d(lib).TransformedDistribution(_d(lib).Normal(0.0, 1.0), 3),
    lambda lib: _d(lib).Beta(lib.tensor([0.0]), lib.tensor([1.0])),
    lambda lib: _d(lib).Beta(lib.tensor([1.0]), lib.tensor([1.0])).log_prob(lib.tensor([1.5])),
    lambda lib: _d(lib).Dirichlet(lib.tensor([1.0, -1.0])),
    lambda lib: _d(lib).Dirichlet(lib.tensor(1.0)),
    lambda lib: _d(lib).Dirichlet(lib.tensor([1.0, 1.0])).log_prob(lib.tensor([0.5, 0.6])),
    lambda lib: _d(lib).Exponential(lib.tensor([1.0])).log_prob(lib.tensor([-1.0])),
    lambda lib: _d(lib).Laplace(lib.tensor([0.0]), lib.tensor([-2.0])),
    lambda lib: _d(lib).Binomial(lib.tensor([2.5]), lib.tensor([0.5])),
    lambda lib: _d(lib).Multinomial(10.0, lib.tensor([0.5, 0.5])),
    lambda lib: _d(lib).Normal("a", 1.0),
    lambda lib: _d(lib).Normal(0.0, 1.0).log_prob(0.5),
    lambda lib: _d(lib).Categorical(lib.tensor([0.5, 0.5])).log_prob(lib.tensor([0, 2])),
    lambda lib: _d(lib).Categorical(lib.tensor([[0.5, 0.5]] * 3)).log_prob(lib.tensor([0, 1])),
    lambda lib: _d(lib).Bernoulli(lib.tensor([0.5])).log_prob(lib.tensor([0.5])),
    lambda lib: _d(lib).Uniform(0.0, 1.0).log_prob(lib.tensor([1.5])),
    lambda lib: _d(lib).Poisson(lib.tensor([1.0])).log_prob(lib.tensor([1.5])),
    lambda lib: _d(lib).Binomial(3, lib.tensor([0.5])).log_prob(lib.tensor([4.0])),
    lambda lib: _d(lib).Multinomial(4, lib.tensor([0.5, 0.5])).log_prob(lib.tensor([3.0])),
    lambda lib: _d(lib).Multinomial(4, lib.tensor([0.5, 0.5])).log_prob(lib.tensor([3.0, 3.0])),
    lambda lib: _d(lib).OneHotCategorical(lib.tensor([0.5, 0.5])).log_prob(lib.tensor([1.0, 1.0])),
    lambda lib: _d(lib).Normal(0.0, 1.0).enumerate_support(),
    lambda lib: _d(lib).Poisson(1.0).entropy(),
    lambda lib: _d(lib).Binomial(lib.tensor([2.0, 3.0]), lib.tensor([0.5, 0.5])).entropy(),
    lambda lib: _d(lib).Distribution.set_default_validate_args(2),
])
def test_validation_errors_as_pytorch(torch, case):
    _same_error(torch, case)


def test_validation_can_be_turned_off(torch):
    for lib in (flambeau, torch):
        m = _d(lib).Normal(lib.tensor([0.0]), lib.tensor([-1.0]), validate_args=False)
        assert m.log_prob(lib.tensor([5.0])).shape == (1,)
    try:
        flambeau.distributions.Distribution.set_default_validate_args(False)
        flambeau.distributions.Bernoulli(flambeau.tensor([2.0]))
    finally:
        flambeau.distributions.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        flambeau.distributions.Bernoulli(flambeau.tensor([2.0]))


# ----------------------------------------------------------------------------- KL

@pytest.mark.parametrize("dtype", [F64, F32])
def test_kl_divergence_values_and_gradients(torch, dtype):
    def f(lib, a, b, c, d, pr, qr, pl, ql):
        d_ = _d(lib)
        return (d_.kl_divergence(d_.Normal(a, c), d_.Normal(b, d)),
                d_.kl_divergence(d_.Uniform(a, a + c), d_.Uniform(a - 0.5, a + c + d)),
                d_.kl_divergence(d_.Uniform(a, a + d), d_.Uniform(b, b + c)),
                d_.kl_divergence(d_.Categorical(pr), d_.Categorical(logits=ql)),
                d_.kl_divergence(d_.OneHotCategorical(logits=pl), d_.OneHotCategorical(qr)),
                d_.kl_divergence(d_.Bernoulli(pr[0, :3].reshape(3)), d_.Bernoulli(logits=ql[1, :3])),
                d_.kl_divergence(d_.Bernoulli(logits=pl[:, 0]), d_.Bernoulli(qr[:, 1])))

    qp = R.uniform(0.1, 1.0, (3, 4))
    qp = qp / qp.sum(-1, keepdims=True)
    pp = PROBS / PROBS.sum(-1, keepdims=True)
    run(torch, f, [LOC, X, SCALE, SCALE[::-1].copy(), pp, qp, LOGITS, R.standard_normal((3, 4))],
        dtype=dtype)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_kl_divergence_mixed_pairs(torch, dtype):
    def f(lib, a, b, r, s, k, pr):
        d = _d(lib)
        n, la, e = d.Normal(a, b), d.Laplace(b, r), d.Exponential(r)
        u = d.Uniform(a, a + b)
        return (d.kl_divergence(d.Poisson(r), d.Poisson(s)), d.kl_divergence(e, d.Exponential(s)),
                d.kl_divergence(la, d.Laplace(a, s)), d.kl_divergence(e, n), d.kl_divergence(la, n),
                d.kl_divergence(n, la), d.kl_divergence(u, n), d.kl_divergence(d.Uniform(r, r + s), e),
                d.kl_divergence(u, e), d.kl_divergence(n, u), d.kl_divergence(la, e), d.kl_divergence(e, u),
                d.kl_divergence(d.Poisson(r), d.Bernoulli(pr)), d.kl_divergence(d.Bernoulli(pr), d.Poisson(s)),
                d.kl_divergence(d.Binomial(k, pr), d.Binomial(k, pr.flip(0))),
                d.kl_divergence(d.Binomial(k + 1, pr), d.Binomial(k, pr.flip(0))))

    run(torch, f, [LOC, SCALE, SCALE[::-1].copy(), SCALE * 2, np.full((2, 3), 7.0), P01],
        grad=[True, True, True, True, False, True], dtype=dtype)


def test_kl_edges_and_missing_pairs(torch):
    def f(lib, p, q):
        d = _d(lib)
        return d.kl_divergence(d.Categorical(p), d.Categorical(q)), \
            d.kl_divergence(d.Bernoulli(p[:, 0]), d.Bernoulli(q[:, 0]))

    run(torch, f, [np.array([[0.0, 1.0], [0.5, 0.5]]), np.array([[0.5, 0.5], [1.0, 0.0]])], grad=False)
    _same_error(torch, lambda lib: _d(lib).kl_divergence(_d(lib).Categorical(lib.tensor([1.0])), _d(lib).Uniform(0.0, 1.0)))
    _same_error(torch, lambda lib: _d(lib).kl_divergence(_d(lib).Normal(0.0, 1.0), _d(lib).Bernoulli(0.5)))
    _same_error(torch, lambda lib: _d(lib).kl_divergence(_d(lib).Bernoulli(0.5), _d(lib).Exponential(1.0)))
    _same_error(torch, lambda lib: _d(lib).kl_divergence(_d(lib).Binomial(2, lib.tensor([0.5])),
                                                         _d(lib).Binomial(3, lib.tensor([0.5]))))
    _same_error(torch, lambda lib: _d(lib).Independent(_d(lib).Normal(0.0, 1.0), 1))
    _same_error(torch, lambda lib: _d(lib).Independent(_d(lib).Normal(lib.zeros(2), 1.0), 1).enumerate_support())
    _same_error(torch, lambda lib: _d(lib).kl_divergence(_d(lib).Normal(0.0, 1.0), _d(lib).Categorical(lib.tensor([1.0]))))


def test_register_kl_dispatches_to_subclasses():
    d = flambeau.distributions

    class MyNormal(d.Normal):
        pass

    @d.register_kl(MyNormal, d.Uniform)
    def _kl(p, q):
        return p.loc * 0 + 42.0

    assert float(d.kl_divergence(MyNormal(0.0, 1.0), d.Uniform(0.0, 1.0))) == 42.0
    assert float(d.kl_divergence(MyNormal(0.0, 1.0), d.Normal(0.0, 1.0))) == 0.0


# ----------------------------------------------------------------------------- REINFORCE end to end

class _Corridor:
    """A tiny deterministic world: positions 0..4, start at 2, action 1 steps right, 0 left;
    reward 1 at 4 (the end), -1 at 0 (the end), -0.01 per step otherwise; at most 8 steps."""

    def reset(self):
        self.pos, self.t = 2, 0
        return self._obs()

    def _obs(self):
        return np.eye(5, dtype=np.float32)[self.pos] * 0.5 + np.float32(self.t) / 8

    def step(self, action):
        self.pos += 1 if action == 1 else -1
        self.t += 1
        done = self.pos in (0, 4) or self.t >= 8
        reward = 1.0 if self.pos == 4 else -1.0 if self.pos == 0 else -0.01
        return self._obs(), reward, done


def _reinforce(torch, episodes=6):
    """PyTorch's examples/reinforcement_learning/reinforce.py, its policy and update, with
    ``torch`` the library under test."""
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    Categorical = torch.distributions.Categorical  # noqa: N806
    torch.manual_seed(543)

    class Policy(nn.Module):
        def __init__(self):
            super().__init__()
            self.affine1 = nn.Linear(5, 16)
            self.dropout = nn.Dropout(p=0.6)
            self.affine2 = nn.Linear(16, 2)
            self.saved_log_probs, self.rewards = [], []

        def forward(self, x):
            x = F.relu(self.dropout(self.affine1(x)))
            return F.softmax(self.affine2(x), dim=1)

    policy = Policy()
    optimizer = optim.Adam(policy.parameters(), lr=1e-2)
    eps = np.finfo(np.float32).eps.item()
    env, actions, losses = _Corridor(), [], []
    for _ in range(episodes):
        state, done = env.reset(), False
        while not done:
            probs = policy(torch.from_numpy(state).float().unsqueeze(0))
            m = Categorical(probs)
            action = m.sample()
            policy.saved_log_probs.append(m.log_prob(action))
            actions.append(action.item())
            state, reward, done = env.step(action.item())
            policy.rewards.append(reward)
        R_, returns = 0, []
        for r in policy.rewards[::-1]:
            R_ = r + 0.99 * R_
            returns.insert(0, R_)
        returns = torch.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + eps)
        policy_loss = [-log_prob * R_ for log_prob, R_ in zip(policy.saved_log_probs, returns)]
        optimizer.zero_grad()
        policy_loss = torch.cat(policy_loss).sum()
        policy_loss.backward()
        optimizer.step()
        losses.append(policy_loss.item())
        del policy.rewards[:], policy.saved_log_probs[:]
    return actions, losses, [p.detach().numpy().copy() for p in policy.parameters()]


def test_reinforce_as_pytorch_example(torch):
    fa, fl, fp = _reinforce(flambeau)
    ta, tl, tp = _reinforce(torch)
    assert fa == ta and len(fa) > 12
    np.testing.assert_allclose(fl, tl, rtol=1e-4, atol=1e-5)
    for a, b in zip(fp, tp):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------- real code, unchanged

D2L = '''
import torch
from torch.distributions import Categorical, kl_divergence
from torch.distributions.multinomial import Multinomial
from torch.distributions.normal import Normal

torch.manual_seed(0)
fair_probs = torch.ones([6]) / 6
print(Multinomial(1, fair_probs).sample())
print(Multinomial(10, fair_probs).sample())
counts = Multinomial(1000, fair_probs).sample()
print(counts / 1000)
counts = Multinomial(10, fair_probs).sample((500,))
cum_counts = counts.cumsum(dim=0)
estimates = cum_counts / cum_counts.sum(dim=1, keepdims=True)
print(estimates[-1])
print([n for n in dir(torch.distributions) if n in ("Bernoulli", "Categorical", "Normal", "Uniform")])
mu = torch.tensor([0.5, -1.0], requires_grad=True)
log_sigma = torch.tensor([0.1, -0.3], requires_grad=True)
q = Normal(mu, log_sigma.exp())
z = q.rsample((4,))
loss = kl_divergence(q, Normal(torch.zeros(2), torch.ones(2))).sum() - q.log_prob(z).mean()
loss.backward()
print(z, loss, mu.grad, log_sigma.grad)
m = Categorical(logits=torch.tensor([[1.0, 2.0, 0.5], [0.0, 0.0, 3.0]]))
a = m.sample()
print(a, m.log_prob(a), m.entropy())
print(torch.distributions.binomial.Binomial(100, 0.2).sample(sample_shape=(10, 10)).mean())
print(torch.distributions.poisson.Poisson(torch.tensor(5.0)).sample(sample_shape=(4, 4)))
'''


def test_d2l_and_vae_code_runs_unchanged(torch, tmp_path, capsys):
    import subprocess
    import sys
    from pathlib import Path

    exec(compile(D2L, "d2l", "exec"), {})  # the real PyTorch, in this process
    expected = capsys.readouterr().out
    script = tmp_path / "d2l.py"
    script.write_text(D2L)
    here = Path(__file__).resolve().parent
    env = {"PYTHONPATH": f"{here / 'shim'}:{here.parent / 'src'}", "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout == expected


# ----------------------------------------------------------------------------- expand

EXPANDABLE = {
    "Bernoulli": lambda d, t: d.Bernoulli(probs=t(P01)),
    "Bernoulli(logits)": lambda d, t: d.Bernoulli(logits=t(LOC)),
    "Binomial": lambda d, t: d.Binomial(t(np.full((2, 3), 5.0)), probs=t(P01)),
    "Categorical": lambda d, t: d.Categorical(probs=t(PROBS)),
    "Categorical(logits)": lambda d, t: d.Categorical(logits=t(LOGITS)),
    "Geometric": lambda d, t: d.Geometric(probs=t(P01)),
    "NegativeBinomial": lambda d, t: d.NegativeBinomial(t(np.full((2, 3), 3.0)), logits=t(LOC)),
    "Normal": lambda d, t: d.Normal(t(LOC), t(SCALE)),
    "Laplace": lambda d, t: d.Laplace(t(LOC), t(SCALE)),
    "Uniform": lambda d, t: d.Uniform(t(LOC), t(LOC + SCALE)),
    "Exponential": lambda d, t: d.Exponential(t(SCALE)),
    "Poisson": lambda d, t: d.Poisson(t(SCALE)),
    "Gamma": lambda d, t: d.Gamma(t(SCALE), t(SCALE + 1)),
    "Multinomial": lambda d, t: d.Multinomial(4, probs=t(PROBS)),
    "OneHotCategorical": lambda d, t: d.OneHotCategorical(probs=t(PROBS)),
    "Dirichlet": lambda d, t: d.Dirichlet(t(PROBS)),
    "Independent": lambda d, t: d.Independent(d.Normal(t(LOC), t(SCALE)), 1),
}


@pytest.mark.parametrize("name", list(EXPANDABLE))
def test_expand_gives_pytorchs_shapes_values_and_draws(torch, name):
    """``expand`` copies the parameters that were given or computed, broadcast to the new batch
    shape, with the same validation: shapes, moments and draws as PyTorch's."""
    dists = {}
    for lib in (flambeau, torch):
        d = EXPANDABLE[name](lib.distributions, lambda a, lib=lib: lib.tensor(a))
        dists[lib] = d.expand((4,) + tuple(d.batch_shape))
    ours, theirs = dists[flambeau], dists[torch]
    assert (tuple(ours.batch_shape), tuple(ours.event_shape)) == \
        (tuple(theirs.batch_shape), tuple(theirs.event_shape))
    assert ours._validate_args == theirs._validate_args
    np.testing.assert_allclose(ours.mean.numpy(), theirs.mean.numpy(), rtol=1e-12)
    flambeau.manual_seed(3)
    torch.manual_seed(3)
    value = theirs.sample()  # (bit for bit where PyTorch's kernels allow: tested above)
    np.testing.assert_allclose(ours.sample().numpy(), value.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.log_prob(flambeau.tensor(value.numpy())).numpy(),
                               theirs.log_prob(value).numpy(), rtol=1e-10)
