r"""``torch.distributions``: probability distributions to sample from and to score, with
PyTorch's classes, module layout and numbers.

``Categorical``, ``OneHotCategorical``, ``Bernoulli``, ``Normal``, ``Uniform``, ``Multinomial``,
``Binomial``, ``Poisson`` draw PyTorch's samples under the same ``manual_seed``. ``log_prob``, ``entropy``,
``rsample`` and ``kl_divergence`` are differentiable in the parameters: the score-function
(REINFORCE) estimator is ``-(m.log_prob(action) * reward)``.

Example::

    >>> from torch.distributions import Categorical
    >>> m = Categorical(torch.tensor([0.1, 0.9]))
    >>> action = m.sample()
    >>> loss = -m.log_prob(action) * reward
"""

from . import constraints, transforms
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .chi2 import Chi2
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .gumbel import Gumbel
from .half_normal import HalfNormal
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .poisson import Poisson
from .relaxed_bernoulli import RelaxedBernoulli
from .relaxed_categorical import RelaxedOneHotCategorical
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import (
    AbsTransform,
           AffineTransform,
           ComposeTransform,
           ExpTransform,
           SigmoidTransform,
           TanhTransform,
           Transform,
)
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "Dirichlet", "Distribution", "Exponential",
           "ExponentialFamily", "Gamma", "Geometric", "Gumbel", "HalfNormal", "Independent", "Laplace", "LogNormal", "MixtureSameFamily", "Multinomial", "MultivariateNormal", "NegativeBinomial", "Normal",
           "OneHotCategorical", "Poisson", "RelaxedBernoulli", "RelaxedOneHotCategorical", "StudentT", "TransformedDistribution", "Uniform", "AbsTransform", "AffineTransform",
           "ComposeTransform", "ExpTransform", "SigmoidTransform", "TanhTransform", "Transform", "transforms",
           "constraints", "kl_divergence", "register_kl"]
