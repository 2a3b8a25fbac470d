"""flambeau: a deep-learning framework you can read, with PyTorch's API.

``import flambeau as torch`` and write PyTorch code: tensors with automatic differentiation
(``requires_grad``, ``backward``, ``no_grad``), on NumPy, and nothing else.
"""

from __future__ import annotations

import builtins as _builtins
import warnings as _warnings

from . import _malloc, _methods
from ._device import device, get_default_device, set_default_device
from ._dtype import (
    bfloat16,
    bool,
    double,
    dtype,
    finfo,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    set_default_dtype,
    short,
    uint8,
)
from ._dtype import result_type as _result_type
from ._format import set_printoptions
from ._runtime import (
    are_deterministic_algorithms_enabled,
    get_float32_matmul_precision,
    get_num_interop_threads,
    get_num_threads,
    is_deterministic_algorithms_warn_only_enabled,
    set_float32_matmul_precision,
    set_num_interop_threads,
    set_num_threads,
    use_deterministic_algorithms,
)
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .autograd.grad_mode import inference_mode, is_inference_mode_enabled
from .ops.arith import (
    add,
    allclose,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    clamp,
    clip,
    div,
    divide,
    eq,
    equal,
    floor_divide,
    fmax,
    fmin,
    ge,
    greater,
    greater_equal,
    gt,
    isclose,
    le,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    maximum,
    minimum,
    mul,
    multiply,
    ne,
    neg,
    negative,
    not_equal,
    pow,
    remainder,
    sub,
    subtract,
    true_divide,
    where,
)
from .ops.conv import conv1d, conv2d, conv_transpose2d
from .ops.creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from .ops.cumulative import cummax, cummin, cumprod, diff
from .ops.diagonal import addcdiv, addcmul, diag, trace
from .ops.einsum import einsum
from .ops.geometry import cdist, cross
from .ops.index import gather, index_fill, index_select, masked_fill, masked_select, nonzero, scatter_add
from .ops.linalg import addmm, bmm, dot, matmul, mm, mv, outer
from .ops.linalg_decomp import cholesky_old as cholesky
from .ops.linalg_decomp import qr_old as qr
from .ops.linalg_exp import matrix_exp
from .ops.linalg_norms import dist
from .ops.linalg_products import kron, tensordot
from .ops.linalg_removed import eig, lstsq, matrix_rank, solve, symeig
from .ops.linalg_solve import det, inverse, logdet, matrix_power
from .ops.linalg_solve import slogdet_old as slogdet
from .ops.linalg_svd import pinverse
from .ops.linalg_svd import svd_old as svd
from .ops.linalg_triangular import cholesky_inverse, cholesky_solve, triangular_solve
from .ops.pointwise import arctan2, atan2, clamp_max, clamp_min, fmod, lerp
from .ops.pool import avg_pool1d, max_pool1d, max_pool2d
from .ops.random import (
    Generator,
    bernoulli,
    binomial,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    normal,
    poisson,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from .ops.rearrange import channel_shuffle, meshgrid, pixel_shuffle, pixel_unshuffle, roll
from .ops.reduce import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    count_nonzero,
    cumsum,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    nansum,
    norm,
    prod,
    softmax,
    std,
    std_mean,
    sum,
    var,
    var_mean,
)
from .ops.select import narrow, repeat_interleave, take_along_dim, tile
from .ops.shape import (
    broadcast_to,
    cat,
    chunk,
    clone,
    concat,
    concatenate,
    diagonal,
    flatten,
    flip,
    hstack,
    movedim,
    permute,
    reshape,
    select,
    split,
    squeeze,
    stack,
    swapaxes,
    swapdims,
    t,
    transpose,
    tril,
    triu,
    unbind,
    unflatten,
    unsqueeze,
    vstack,
)
from .ops.sorting import argsort, bincount, histc, histogram, isin, median, msort, sort, topk, unique
from .ops.unary import (
    abs,
    acos,
    arccos,
    arcsin,
    arctan,
    asin,
    atan,
    ceil,
    cos,
    cosh,
    erf,
    exp,
    expm1,
    floor,
    frac,
    isfinite,
    isinf,
    isnan,
    log,
    log1p,
    log2,
    log10,
    reciprocal,
    relu,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    tan,
    tanh,
    trunc,
)
from .tensor import Size, Tensor

_methods.bind()
from . import sparse  # noqa: E402 - after the methods: sparse tensors override some
from ._layout import layout, sparse_coo, strided  # noqa: E402
from .sparse import sparse_coo_tensor, spmm  # noqa: E402

sparse.bind_public(globals())  # mm, matmul, add, sum... accept a sparse operand
_malloc.keep_freed_memory()
from . import (  # noqa: E402
    accelerator,
    amp,
    autograd,
    backends,
    cuda,
    datasets,
    distributed,
    distributions,
    jit,
    linalg,
    nn,
    onnx,
    optim,
    perceptron,
    testing,
    utils,
    viz,
)
from ._compile import compile  # noqa: E402
from ._legacy import (  # noqa: E402 - PyTorch's old names of tensor types
    BFloat16Tensor,
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from .amp import autocast, get_autocast_dtype, is_autocast_available, is_autocast_enabled  # noqa: E402
from .serialization import load, save  # noqa: E402

cosine_similarity = nn.functional.cosine_similarity
pairwise_distance = nn.functional.pairwise_distance
from .nn.functional_activations import (  # noqa: E402 - PyTorch has these at the top level too
    celu,
    celu_,
    hardshrink,
    selu,
    selu_,
    threshold,
    threshold_,
)
from .nn.functional_dropout import (  # noqa: E402
    alpha_dropout,
    alpha_dropout_,
    feature_alpha_dropout,
    feature_alpha_dropout_,
)
from .nn.functional_slopes import prelu  # noqa: E402


def rrelu(input: Tensor, lower: _builtins.float = 1.0 / 8, upper: _builtins.float = 1.0 / 3,  # noqa: A002
          training: _builtins.bool = False, generator: object = None) -> Tensor:
    """``torch.rrelu``: ``nn.functional.rrelu`` with a ``generator``."""
    return nn.functional.rrelu(input, lower, upper, training, False, generator)


def rrelu_(input: Tensor, lower: _builtins.float = 1.0 / 8, upper: _builtins.float = 1.0 / 3,  # noqa: A002
           training: _builtins.bool = False, generator: object = None) -> Tensor:
    return nn.functional.rrelu(input, lower, upper, training, True, generator)

__version__ = "0.1.0"


def is_tensor(obj: object) -> _builtins.bool:
    """True if ``obj`` is a flambeau tensor."""
    return isinstance(obj, Tensor)


def numel(t: Tensor) -> _builtins.int:
    return t.numel()


def is_floating_point(t: Tensor) -> _builtins.bool:
    return t.is_floating_point()


def result_type(a: object, b: object) -> dtype:
    """The dtype an elementwise op on ``a`` and ``b`` gives (PyTorch's promotion rules)."""
    return _result_type(a, b)


def detach(t: Tensor) -> Tensor:
    return t.detach()


# PyTorch gives inf and nan silently (exp of 1000, log of 0, 1/0, a float32 overflow); NumPy warns.
# Its RuntimeWarnings raised by flambeau's own lines are not the user's to read: ignored, for
# flambeau's modules only (the user's NumPy code keeps its warnings), at no cost per operation.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"flambeau(\.|$)")


def _accept_pytorch_keywords() -> None:
    """The public ops take PyTorch's keyword names (``input=``, ``other=``, ``axis=``,
    ``keepdims=``, ``out=``) as well as their own: see ``flambeau._keywords``."""
    import types

    from . import nn
    from ._keywords import accept_pytorch_keywords

    for space in (globals(), vars(nn.functional)):
        for name, obj in list(space.items()):
            if isinstance(obj, types.FunctionType) and not name.startswith("_") and \
                    obj.__module__.startswith("flambeau"):
                space[name] = accept_pytorch_keywords(obj)


_accept_pytorch_keywords()
