"""The operations on tensors, one family per module. Each differentiable op computes its
forward value with NumPy and records, in the graph, how to turn the gradient from above into the
gradients of its inputs."""

from . import arith, conv, creation, index, inplace, interpolate, linalg, pool, random, reduce, shape, unary

__all__ = ["arith", "creation", "index", "inplace", "linalg", "random", "reduce", "shape", "unary",
           "conv", "pool", "interpolate"]
