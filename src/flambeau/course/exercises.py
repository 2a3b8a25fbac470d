"""The answer keys of the lessons' exercises (see :mod:`flambeau.course.check`).

Each exercise is named after its lesson (``"04-derivees"``); its right answers are written here
once, with the typical mistakes a student makes and what to tell them. The solutions shown to
the student are the lessons' own ``solution`` cells: a test checks that each is accepted and
that the typical mistakes are rejected with their message.
"""

from __future__ import annotations

import numpy as np

from .check import Exercise, Mistake, register

# ------------------------------------------------------------------ 01: the 1-D example, by hand
register(Exercise(
    "01-gradient",
    answers={"gradient": lambda x, y, w: 2 * x * (x * w - y)},
    arguments=("x", "y", "w"),
    samples=((1.0, 2.0, 1.0), (2.0, 4.0, 1.5), (3.0, 6.0, 0.5), (-1.0, 2.0, 3.0)),
    mistakes=(
        Mistake("gradient", lambda x, y, w: 2 * (x * w - y),
                "il manque le facteur x : la dérivée de x·w par rapport à w vaut x (règle de la chaîne)",
                "the factor x is missing: the derivative of x·w with respect to w is x (chain rule)"),
        Mistake("gradient", lambda x, y, w: x * (x * w - y),
                "il manque le facteur 2 : la dérivée de u² est 2u",
                "the factor 2 is missing: the derivative of u² is 2u"),
        Mistake("gradient", lambda x, y, w: 2 * x * (y - x * w),
                "le signe est inversé : dérivez (x·w − y)², c'est-à-dire (ŷ − y)², pas (y − ŷ) × ...",
                "the sign is wrong: differentiate (x·w − y)², that is (ŷ − y)², not (y − ŷ) × ..."),
    ),
))

register(Exercise(
    "01-un-pas",
    answers={"w_apres": 1.0 - 0.01 * (2 * 1.0 * (1.0 * 1.0 - 2.0))},  # 1.02
    mistakes=(
        Mistake("w_apres", 1.0 + 0.01 * (2 * 1.0 * (1.0 * 1.0 - 2.0)),
                "vous avez monté la pente : la règle est w ← w − α × gradient (moins, pas plus)",
                "you went up the slope: the rule is w ← w − α × gradient (minus, not plus)"),
        Mistake("w_apres", 1.0 - (2 * 1.0 * (1.0 * 1.0 - 2.0)),
                "le pas α = 0,01 est oublié : w ← w − α × gradient",
                "the learning rate α = 0.01 is missing: w ← w − α × gradient"),
    ),
))

# ------------------------------------------------------------------ 03: backprop on a graph
register(Exercise(
    "03-produit",
    answers={"dL_dx": 5.0 * 3.0, "dL_dy": 5.0 * 2.0},
    mistakes=(
        Mistake("dL_dx", 10.0, "les entrées sont échangées : ∂z/∂x = y (ici 3), pas x",
                "the inputs are swapped: ∂z/∂x = y (here 3), not x"),
        Mistake("dL_dx", 3.0, "c'est le gradient local ∂z/∂x ; multipliez-le par le gradient amont ∂L/∂z = 5",
                "this is the local gradient ∂z/∂x; multiply it by the upstream gradient ∂L/∂z = 5"),
        Mistake("dL_dy", 15.0, "les entrées sont échangées : ∂z/∂y = x (ici 2), pas y",
                "the inputs are swapped: ∂z/∂y = x (here 2), not y"),
        Mistake("dL_dy", 2.0, "c'est le gradient local ∂z/∂y ; multipliez-le par le gradient amont ∂L/∂z = 5",
                "this is the local gradient ∂z/∂y; multiply it by the upstream gradient ∂L/∂z = 5"),
    ),
))

register(Exercise(
    "03-perte",
    # x = 2, y = 3, w = 1: y_hat = 2, s = -1, loss = 1; dloss/ds = 2s = -2, dloss/dw = -2 * x = -4
    answers={"dloss_ds": -2.0, "dloss_dw": -4.0},
    mistakes=(
        Mistake("dloss_ds", 2.0, "le signe : s = ŷ − y = 2 − 3 = −1, donc 2s = −2",
                "the sign: s = ŷ − y = 2 − 3 = −1, so 2s = −2"),
        Mistake("dloss_dw", -2.0, "vous vous êtes arrêté à ∂loss/∂ŷ : le nœud × donne encore le facteur local x = 2",
                "you stopped at ∂loss/∂ŷ: the × node still gives the local factor x = 2"),
        Mistake("dloss_dw", 4.0, "le signe : ∂loss/∂ŷ = ∂loss/∂s × 1 = −2, puis × x = 2",
                "the sign: ∂loss/∂ŷ = ∂loss/∂s × 1 = −2, then × x = 2"),
    ),
))

# ------------------------------------------------------------------ 04: the lecture's exercise


def _r(x, y, w1, w2, b):
    return x * x * w2 + x * w1 + b - y


register(Exercise(
    "04-derivees",
    answers={
        "grad_w1": lambda x, y, w1, w2, b: 2 * _r(x, y, w1, w2, b) * x,
        "grad_w2": lambda x, y, w1, w2, b: 2 * _r(x, y, w1, w2, b) * x * x,
        "grad_b": lambda x, y, w1, w2, b: 2 * _r(x, y, w1, w2, b),
    },
    arguments=("x", "y", "w1", "w2", "b"),
    samples=((1.0, 2.0, 1.0, 1.0, 1.0), (2.0, 4.0, 1.0, 1.0, 1.0), (3.0, 6.0, 1.0, 1.0, 1.0),
             (-1.5, 0.5, 0.3, -0.7, 2.0)),
    mistakes=(
        Mistake("grad_w1", lambda x, y, w1, w2, b: 2 * _r(x, y, w1, w2, b),
                "il manque le facteur x : ∂ŷ/∂w1 = x",
                "the factor x is missing: ∂ŷ/∂w1 = x"),
        Mistake("grad_w1", lambda x, y, w1, w2, b: _r(x, y, w1, w2, b) * x,
                "il manque le facteur 2 : ∂loss/∂ŷ = 2 (ŷ − y)",
                "the factor 2 is missing: ∂loss/∂ŷ = 2 (ŷ − y)"),
        Mistake("grad_w1", lambda x, y, w1, w2, b: -2 * _r(x, y, w1, w2, b) * x,
                "le signe est inversé : r = ŷ − y, pas y − ŷ",
                "the sign is wrong: r = ŷ − y, not y − ŷ"),
        Mistake("grad_w2", lambda x, y, w1, w2, b: 2 * _r(x, y, w1, w2, b) * x,
                "∂ŷ/∂w2 = x², pas x : le poids w2 multiplie x²",
                "∂ŷ/∂w2 = x², not x: the weight w2 multiplies x²"),
        Mistake("grad_w2", lambda x, y, w1, w2, b: 2 * _r(x, y, w1, w2, b) * 2 * x,
                "vous avez dérivé x² par rapport à x ; c'est par rapport à w2 qu'on dérive : ∂(x² w2)/∂w2 = x²",
                "you differentiated x² with respect to x; differentiate with respect to w2: ∂(x² w2)/∂w2 = x²"),
        Mistake("grad_b", lambda x, y, w1, w2, b: _r(x, y, w1, w2, b),
                "il manque le facteur 2 : ∂loss/∂b = 2 (ŷ − y) × 1",
                "the factor 2 is missing: ∂loss/∂b = 2 (ŷ − y) × 1"),
        Mistake("grad_b", lambda x, y, w1, w2, b: 0.0,
                "b n'est pas une constante du coût : ŷ dépend de b, avec ∂ŷ/∂b = 1",
                "b is not a constant of the loss: ŷ depends on b, with ∂ŷ/∂b = 1"),
    ),
))

register(Exercise(
    "04-autograd",
    # (x, y) = (3, 6), w1 = w2 = b = 1: y_hat = 13, r = 7
    answers={"grads": (42.0, 126.0, 14.0)},
    mistakes=(
        Mistake("grads", (84.0, 252.0, 28.0),
                "deux fois trop : backward() a été appelé deux fois, et les gradients s'additionnent "
                "dans .grad ; remettez-les à zéro (w.grad.zero_()) ou recréez les poids",
                "twice too much: backward() was called twice and gradients add up in .grad; "
                "zero them (w.grad.zero_()) or create the weights again"),
        Mistake("grads", (14.0, 42.0, 14.0),
                "ce sont les gradients pour ŷ = x w2 + w1 + b : le modèle est ŷ = x² w2 + x w1 + b",
                "these are the gradients for ŷ = x w2 + w1 + b: the model is ŷ = x² w2 + x w1 + b"),
    ),
))

# ------------------------------------------------------------------ 09: gradient descent


def _dE(w):
    return 4 * w ** 3 - 6 * w + 1


register(Exercise(
    "09-un-pas",
    answers={"w1": 2.0 - 0.05 * _dE(2.0)},  # 0.95
    mistakes=(
        Mistake("w1", 2.0 + 0.05 * _dE(2.0), "vous avez monté la pente : w ← w − α E'(w)",
                "you went up the slope: w ← w − α E'(w)"),
        Mistake("w1", 2.0 - _dE(2.0), "le pas α = 0,05 est oublié", "the learning rate α = 0.05 is missing"),
    ),
))

# ------------------------------------------------------------------ 11: likelihood and cross-entropy


def _softmax(scores):
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _cross_entropy(scores, labels):
    return -np.mean(np.log(_softmax(scores)[np.arange(len(labels)), labels]))


_SCORES = (
    (np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 1.5], [-0.5, 1.0, 0.3], [1.2, -0.3, 0.4]]), np.array([0, 2, 1, 2])),
    (np.array([[0.3, -1.2], [2.5, 0.1], [-0.7, 0.9]]), np.array([1, 0, 0])),
    (np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([3])),
)

register(Exercise(
    "11-entropie-croisee",
    answers={"entropie_croisee": _cross_entropy},
    arguments=("scores", "labels"),
    samples=_SCORES,
    mistakes=(
        Mistake("entropie_croisee", lambda s, y: np.mean(np.log(_softmax(s)[np.arange(len(y)), y])),
                "le signe moins manque : log p est négatif, et l'on minimise −log p",
                "the minus sign is missing: log p is negative, and we minimise −log p"),
        Mistake("entropie_croisee", lambda s, y: -np.sum(np.log(_softmax(s)[np.arange(len(y)), y])),
                "c'est la somme : l'entropie croisée est la moyenne sur les N exemples (divisez par N)",
                "this is the sum: the cross-entropy is the mean over the N examples (divide by N)"),
        Mistake("entropie_croisee", lambda s, y: -np.mean(s[np.arange(len(y)), y]),
                "il manque le softmax : prenez le log de la probabilité p = exp(s) / Σ exp(s), pas le score",
                "the softmax is missing: take the log of the probability p = exp(s) / Σ exp(s), not the score"),
    ),
))

# ------------------------------------------------------------------ 12: backprop through a hidden layer
# x = (1, 3): s = (-1, 1.5), h = (0, 1.5), y_hat = 3.5, r = 2.5, dloss/ds = 2r w2 relu'(s) = (0, 10)
_DS, _X = np.array([0.0, 10.0]), np.array([1.0, 3.0])

register(Exercise(
    "12-couche-cachee",
    answers={"dloss_dW1": np.outer(_DS, _X)},
    mistakes=(
        Mistake("dloss_dW1", np.outer(2 * 2.5 * np.array([1.5, 2.0]), _X),
                "la ReLU est oubliée : le premier neurone est éteint (s₁ = −1 < 0), son gradient est 0",
                "the ReLU is forgotten: the first neuron is off (s₁ = −1 < 0), its gradient is 0"),
        Mistake("dloss_dW1", np.outer(_X, _DS),
                "la matrice est transposée : la ligne j est celle du neurone j, ∂loss/∂W₁ = (∂loss/∂s) xᵀ",
                "the matrix is transposed: row j belongs to neuron j, ∂loss/∂W₁ = (∂loss/∂s) xᵀ"),
        Mistake("dloss_dW1", np.outer(_DS / 2, _X),
                "il manque le facteur 2 de ∂loss/∂ŷ = 2 (ŷ − y)",
                "the factor 2 of ∂loss/∂ŷ = 2 (ŷ − y) is missing"),
    ),
))

# ------------------------------------------------------------------ 13: variants of gradient descent
register(Exercise(
    "13-momentum",
    answers={"pas_momentum": lambda w, v, g, lr, beta: (w - lr * (beta * v + g), beta * v + g)},
    arguments=("w", "v", "g", "lr", "beta"),
    samples=((1.0, 0.0, 2.0, 0.1, 0.9), (1.0, 0.5, -2.0, 0.1, 0.9), (-0.3, 1.5, 0.25, 0.05, 0.5),
             (np.array([1.0, -2.0]), np.array([0.2, 0.1]), np.array([0.5, -1.0]), 0.1, 0.9)),
    mistakes=(
        Mistake("pas_momentum", lambda w, v, g, lr, beta: (w - lr * (v + g), v + g),
                "β est oublié : la vitesse s'écrit v ← β v + g (l'ancienne vitesse s'amortit)",
                "β is missing: the velocity is v ← β v + g (the old velocity fades)"),
        Mistake("pas_momentum", lambda w, v, g, lr, beta: (w + lr * (beta * v + g), beta * v + g),
                "le signe : on descend, w ← w − α v",
                "the sign: we go down, w ← w − α v"),
        Mistake("pas_momentum", lambda w, v, g, lr, beta: (w - (beta * v + lr * g), beta * v + lr * g),
                "c'est l'autre convention (v ← β v + α g, w ← w − v) ; ici, comme dans PyTorch, "
                "v ← β v + g puis w ← w − α v",
                "this is the other convention (v ← β v + α g, w ← w − v); here, as in PyTorch, "
                "v ← β v + g then w ← w − α v"),
    ),
))
