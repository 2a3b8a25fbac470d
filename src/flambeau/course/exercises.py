"""The answer keys of the lessons' exercises (see :mod:`flambeau.course.check`).

Each exercise is named after its lesson (``"11-derivees"``); its right answers are written here
once, with the typical mistakes a student makes and what to tell them. The solutions shown to
the student are the lessons' own ``solution`` cells: a test checks that each is accepted and
that the typical mistakes are rejected with their message.
"""

from __future__ import annotations

import numpy as np

from .check import Exercise, Mistake, register

# ------------------------------------------------------------------ 00: what deep learning is


def _f1(x):
    return 2 * x + 1


def _relu(s):
    return np.maximum(s, 0.0)


def _f3(h):
    return 3 * h - 2


register(Exercise(
    "00-composition",
    answers={"g": lambda x: _f3(_relu(_f1(x)))},
    arguments=("x",),
    samples=((-2.0,), (-0.5,), (0.0,), (1.0,), (3.0,)),
    mistakes=(
        Mistake("g", lambda x: _f1(_relu(_f3(x))),
                "l'ordre est inversé : dans f3(f2(f1(x))), c'est f1 qui s'applique d'abord à x",
                "the order is reversed: in f3(f2(f1(x))), f1 is applied to x first"),
        Mistake("g", lambda x: _f3(_f1(x)),
                "la ReLU f2 est oubliée : sans elle, la composition n'est qu'une fonction affine, 6x + 1",
                "the ReLU f2 is missing: without it the composition is just an affine function, 6x + 1"),
    ),
))

register(Exercise(
    "00-parametres",
    # nn.Linear(3, 5): 3 x 5 weights + 5 biases; nn.ReLU: none; nn.Linear(5, 2): 5 x 2 + 2
    answers={"nb_parametres": 3 * 5 + 5 + 5 * 2 + 2},
    mistakes=(
        Mistake("nb_parametres", 3 * 5 + 5 * 2,
                "les biais sont oubliés : chaque neurone a aussi un biais (5 + 2 de plus)",
                "the biases are missing: each neuron also has a bias (5 + 2 more)"),
        Mistake("nb_parametres", 3 * 5 * 2,
                "les couches ne se multiplient pas : on additionne les paramètres de chaque couche "
                "(poids et biais)",
                "layers do not multiply: add up the parameters of each layer (weights and biases)"),
    ),
))


# ------------------------------------------------------------------ 01: the perceptron
_W2 = np.array([1.0, -1.0])


def _neuron_sign(x, w, b):
    return 1 if np.dot(w, x) + b > 0 else -1


register(Exercise(
    "01-neurone",
    answers={"perceptron": _neuron_sign},
    arguments=("x", "w", "b"),
    # the third sample sits on the line (sum = 0): the lecture's sign gives -1 there
    samples=((np.array([2.0, 1.0]), _W2, 0.5), (np.array([1.0, 2.0]), _W2, 0.5),
             (np.array([1.0, 1.0]), _W2, 0.0), (np.array([0.0, 0.3]), _W2, 0.5),
             (np.array([3.0, 1.0, -2.0]), np.array([0.5, 2.0, 1.0]), -1.0)),
    mistakes=(
        Mistake("perceptron", lambda x, w, b: 1 if np.dot(w, x) > 0 else -1,
                "le biais b est oublié : on compare Σ wᵢ xᵢ + b à 0",
                "the bias b is missing: compare Σ wᵢ xᵢ + b with 0"),
        Mistake("perceptron", lambda x, w, b: 1 if np.dot(w, x) + b > 0 else 0,
                "le perceptron répond +1 ou −1, pas 0 : la seconde classe est −1",
                "the perceptron answers +1 or −1, not 0: the second class is −1"),
        Mistake("perceptron", lambda x, w, b: 1 if np.dot(w, x) + b >= 0 else -1,
                "sur la droite (Σ wᵢ xᵢ + b = 0 exactement), le cours répond −1 : la condition est > 0, "
                "pas ≥ 0",
                "on the line (Σ wᵢ xᵢ + b = 0 exactly) the lecture answers −1: the condition is > 0, not ≥ 0"),
    ),
))


def _correction(w, b, x, y, eta):
    if _neuron_sign(x, w, b) == y:
        return w, b
    return w + eta * y * x, b + eta * y


register(Exercise(
    "01-correction",
    answers={"correction": _correction},
    arguments=("w", "b", "x", "y", "eta"),
    samples=((np.array([0.0, 0.0]), 0.0, np.array([1.0, 2.0]), 1, 1.0),       # 0 is not > 0: wrong, corrected
             (np.array([1.0, -1.0]), 0.5, np.array([2.0, 1.0]), 1, 0.5),       # right: unchanged
             (np.array([1.0, -1.0]), 0.5, np.array([2.0, 1.0]), -1, 0.5),      # wrong, pushed down
             (np.array([0.5, 0.5]), -1.0, np.array([-1.0, 3.0]), -1, 0.1)),    # right: unchanged
    mistakes=(
        Mistake("correction", lambda w, b, x, y, eta: (w + eta * y * x, b + eta * y),
                "un exemple bien classé ne change rien : on ne corrige que si ŷ ≠ y",
                "a correctly classified example changes nothing: correct only when ŷ ≠ y"),
        Mistake("correction", lambda w, b, x, y, eta: (w, b) if _neuron_sign(x, w, b) == y
                else (w - eta * y * x, b - eta * y),
                "le signe : on pousse la droite vers l'exemple, w ← w + η y x (plus, pas moins)",
                "the sign: the line is pushed towards the example, w ← w + η y x (plus, not minus)"),
        Mistake("correction", lambda w, b, x, y, eta: (w, b) if _neuron_sign(x, w, b) == y
                else (w + eta * y * x, b),
                "le biais aussi se corrige : b ← b + η y",
                "the bias is corrected too: b ← b + η y"),
    ),
))


# ------------------------------------------------------------------ 02: neurons, ReLU, MLP
_W23 = np.array([[1.0, -2.0, 0.5], [-1.0, 0.5, 2.0]])

register(Exercise(
    "02-couche",
    answers={"couche": lambda x, W, b: np.maximum(W @ x + b, 0.0)},
    arguments=("x", "W", "b"),
    samples=((np.array([1.0, 0.5, -2.0]), _W23, np.array([0.5, -0.5])),
             (np.array([2.0, -1.0, 1.0]), _W23, np.array([0.0, 1.0])),
             (np.array([-1.0, -1.0, 0.5]), _W23, np.array([1.0, 1.0]))),
    mistakes=(
        Mistake("couche", lambda x, W, b: W @ x + b,
                "la ReLU est oubliée : chaque neurone renvoie max(0, s), jamais un nombre négatif",
                "the ReLU is missing: each neuron returns max(0, s), never a negative number"),
        Mistake("couche", lambda x, W, b: np.maximum(W @ x, 0.0),
                "les biais sont oubliés : s = W x + b",
                "the biases are missing: s = W x + b"),
        Mistake("couche", lambda x, W, b: W @ np.maximum(x, 0.0) + b,
                "la ReLU s'applique à la somme pondérée s = W x + b, pas aux entrées",
                "the ReLU applies to the weighted sum s = W x + b, not to the inputs"),
    ),
))

register(Exercise(
    "02-parametres",
    # nn.Linear(1, H): H weights + H biases; nn.Linear(H, 1): H weights + 1 bias
    answers={"nb_parametres": lambda H: 3 * H + 1},
    arguments=("H",),
    samples=((1,), (2,), (8,), (32,)),
    mistakes=(
        Mistake("nb_parametres", lambda H: 2 * H,
                "les biais sont oubliés : H biais dans la couche cachée, 1 pour la sortie",
                "the biases are missing: H biases in the hidden layer, 1 for the output"),
        Mistake("nb_parametres", lambda H: 3 * H,
                "il manque le biais du neurone de sortie (+1)",
                "the bias of the output neuron is missing (+1)"),
        Mistake("nb_parametres", lambda H: 2 * H + 1,
                "la couche cachée a H poids et H biais ; la sortie, H poids et 1 biais",
                "the hidden layer has H weights and H biases; the output, H weights and 1 bias"),
    ),
))


# ------------------------------------------------------------------ 03: the playground experiments
register(Exercise(
    "03-cout",
    answers={"cout_playground": lambda sortie, cible: 0.5 * np.mean((np.asarray(sortie) - np.asarray(cible)) ** 2)},
    arguments=("sortie", "cible"),
    samples=((np.array([0.5, -0.2, 0.9]), np.array([1.0, -1.0, 1.0])),
             (np.array([0.0, 0.0, 0.0, 0.0]), np.array([1.0, -1.0, -1.0, 1.0])),
             (np.array([-0.8, 0.3]), np.array([-1.0, -1.0]))),
    mistakes=(
        Mistake("cout_playground", lambda o, t: np.mean((np.asarray(o) - np.asarray(t)) ** 2),
                "le facteur ½ est oublié : le playground affiche ½ × la moyenne des carrés des écarts",
                "the factor ½ is missing: the playground shows ½ × the mean of the squared errors"),
        Mistake("cout_playground", lambda o, t: 0.5 * np.sum((np.asarray(o) - np.asarray(t)) ** 2),
                "c'est la somme : prenez la moyenne sur les exemples (divisez par leur nombre)",
                "this is the sum: take the mean over the examples (divide by their number)"),
    ),
))

register(Exercise(
    "03-constante",
    # half the labels +1, half -1, the output 0.2 everywhere: 0.5 * ((0.2 - 1)^2 + (0.2 + 1)^2) / 2
    answers={"cout": 0.5 * ((0.2 - 1) ** 2 + (0.2 + 1) ** 2) / 2},
    mistakes=(
        Mistake("cout", ((0.2 - 1) ** 2 + (0.2 + 1) ** 2) / 2,
                "le facteur ½ du playground est oublié",
                "the playground's factor ½ is missing"),
        Mistake("cout", 0.5 * (0.2 - 1) ** 2,
                "seuls les exemples +1 sont comptés : la moitié des étiquettes vaut −1, où l'écart est 1,2",
                "only the +1 examples are counted: half the labels are −1, where the error is 1.2"),
    ),
))


# ------------------------------------------------------------------ 04: likelihood and cross-entropy


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
    "04-entropie-croisee",
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



def _sigmoid(s):
    return 1 / (1 + np.exp(-np.asarray(s, dtype=np.float64)))


def _binary_cross_entropy(s, y):
    p = _sigmoid(s)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


register(Exercise(
    "04-entropie-binaire",
    answers={"entropie_croisee_binaire": _binary_cross_entropy},
    arguments=("scores", "labels"),
    samples=((np.array([2.0, -1.0, 0.5, -3.0]), np.array([1.0, 0.0, 0.0, 1.0])),
             (np.array([0.3, -0.2]), np.array([0.0, 1.0])),
             (np.array([4.0, 1.5, -0.5]), np.array([1.0, 1.0, 0.0]))),
    mistakes=(
        Mistake("entropie_croisee_binaire", lambda s, y: -np.mean(y * np.log(_sigmoid(s))),
                "le terme des exemples de la classe 0 manque : pour y = 0, le coût est −log(1 − p)",
                "the term of the class-0 examples is missing: for y = 0 the loss is −log(1 − p)"),
        Mistake("entropie_croisee_binaire",
                lambda s, y: np.mean(y * np.log(_sigmoid(s)) + (1 - y) * np.log(1 - _sigmoid(s))),
                "le signe moins manque : c'est la log-vraisemblance moyenne, que l'on maximise ; le coût à "
                "minimiser est son opposé",
                "the minus sign is missing: this is the mean log-likelihood, which is maximised; the loss to "
                "minimise is its opposite"),
        Mistake("entropie_croisee_binaire", lambda s, y: -np.mean(np.log(_sigmoid(s))),
                "p est la probabilité de la classe 1 : pour un exemple de la classe 0, la probabilité de la "
                "vraie classe est 1 − p, pas p",
                "p is the probability of class 1: for an example of class 0 the probability of the true "
                "class is 1 − p, not p"),
    ),
))


# ------------------------------------------------------------------ 05: gradient descent


def _dE(w):
    return 4 * w ** 3 - 6 * w + 1


register(Exercise(
    "05-un-pas",
    answers={"w1": 2.0 - 0.05 * _dE(2.0)},  # 0.95
    mistakes=(
        Mistake("w1", 2.0 + 0.05 * _dE(2.0), "vous avez remonté la pente : w ← w − α E'(w)",
                "you went up the slope: w ← w − α E'(w)"),
        Mistake("w1", 2.0 - _dE(2.0), "le pas α = 0,05 est oublié", "the learning rate α = 0.05 is missing"),
    ),
))


register(Exercise(
    "05-pas-maximal",
    # E = (w1^2 + 10 w2^2) / 2: one step multiplies w2 by 1 - 10 eta, which grows in size once eta > 0.2
    answers={"eta_max": 0.2},
    mistakes=(
        Mistake("eta_max", 0.1,
                "avec η = 0,1, le facteur 1 − 10η vaut 0 : on atteint le fond de la vallée en un seul pas. "
                "Au-delà, le facteur devient négatif et l'on zigzague, mais on ne diverge que lorsque "
                "|1 − 10η| > 1",
                "with η = 0.1 the factor 1 − 10η is 0: the bottom of the valley is reached in one step. "
                "Beyond it the factor turns negative and the descent zigzags, but it only diverges once "
                "|1 − 10η| > 1"),
        Mistake("eta_max", 2.0,
                "c'est la limite de la direction douce w1 (facteur 1 − η) ; la direction raide w2, où un pas "
                "multiplie w2 par 1 − 10η, diverge bien avant",
                "this is the limit of the gentle direction w1 (factor 1 − η); the steep direction w2, where a "
                "step multiplies w2 by 1 − 10η, diverges much earlier"),
        Mistake("eta_max", 0.21,
                "η = 0,21 diverge bien (figure de droite), mais la limite est un peu plus petite : cherchez "
                "quand |1 − 10η| dépasse 1",
                "η = 0.21 does diverge (right panel), but the limit is a little smaller: find when |1 − 10η| "
                "exceeds 1"),
    ),
))


# ------------------------------------------------------------------ 06: variants of gradient descent
register(Exercise(
    "06-momentum",
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



def _adam_first_step(w, g, lr, beta1=0.9, beta2=0.999, eps=1e-8, bias_correction=True):
    m, v = (1 - beta1) * g, (1 - beta2) * np.square(g)
    if bias_correction:
        m, v = m / (1 - beta1), v / (1 - beta2)
    return w - lr * m / (np.sqrt(v) + eps)


register(Exercise(
    "06-adam",
    answers={"premier_pas_adam": _adam_first_step},
    arguments=("w", "g", "lr"),
    samples=((1.0, 0.01, 0.2), (1.0, 100.0, 0.2), (-0.5, -3.0, 0.1),
             (np.array([1.0, 4.0]), np.array([0.01, -50.0]), 0.2)),
    mistakes=(
        Mistake("premier_pas_adam", lambda w, g, lr: w - lr * g,
                "c'est le pas de SGD, w − α g : Adam divise m̂ par √v̂ + ε, si bien que son premier pas "
                "vaut α quelle que soit la taille du gradient",
                "this is SGD's step, w − α g: Adam divides m̂ by √v̂ + ε, so that its first step is α "
                "whatever the size of the gradient"),
        Mistake("premier_pas_adam", lambda w, g, lr: _adam_first_step(w, g, lr, bias_correction=False),
                "la correction du biais manque : sans diviser m par 1 − β₁ et v par 1 − β₂ (t = 1), le "
                "premier pas vaut 3,16 α au lieu de α, car m et v, partis de 0, sont encore trop petits",
                "the bias correction is missing: without dividing m by 1 − β₁ and v by 1 − β₂ (t = 1), the "
                "first step is 3.16 α instead of α, since m and v, started at 0, are still too small"),
        Mistake("premier_pas_adam", lambda w, g, lr: w - lr * g / (np.square(g) + 1e-8),
                "la racine carrée manque : on divise par √v̂ (la taille du gradient), pas par v̂",
                "the square root is missing: divide by √v̂ (the size of the gradient), not by v̂"),
    ),
))


# ------------------------------------------------------------------ 07: the 1-D example, by hand
register(Exercise(
    "07-gradient",
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
    "07-un-pas",
    answers={"w_apres": 1.0 - 0.01 * (2 * 1.0 * (1.0 * 1.0 - 2.0))},  # 1.02
    mistakes=(
        Mistake("w_apres", 1.0 + 0.01 * (2 * 1.0 * (1.0 * 1.0 - 2.0)),
                "vous avez remonté la pente : la règle est w ← w − α × gradient (moins, pas plus)",
                "you went up the slope: the rule is w ← w − α × gradient (minus, not plus)"),
        Mistake("w_apres", 1.0 - (2 * 1.0 * (1.0 * 1.0 - 2.0)),
                "le pas α = 0,01 est oublié : w ← w − α × gradient",
                "the learning rate α = 0.01 is missing: w ← w − α × gradient"),
    ),
))


# ------------------------------------------------------------------ 08: the 1-D example with autograd
register(Exercise(
    "08-gradient",
    # x = 3, y = 6, w = 1: loss = (3 - 6)^2 = 9, dloss/dw = 2 * 3 * (3 - 6) = -18
    answers={"grad_w": -18.0},
    mistakes=(
        Mistake("grad_w", -36.0,
                "deux fois trop : backward() a été appelé deux fois et les gradients s'additionnent dans "
                "w.grad ; recréez w (ou w.grad.zero_()) avant de recommencer",
                "twice too much: backward() was called twice and gradients add up in w.grad; create w "
                "again (or w.grad.zero_()) before starting over"),
        Mistake("grad_w", 3.0,
                "le coût n'est pas élevé au carré : loss = (x * w - y) ** 2",
                "the loss is not squared: loss = (x * w - y) ** 2"),
    ),
))

register(Exercise(
    "08-un-pas",
    answers={"w_apres": 1.0 - 0.01 * -18.0},  # 1.18
    mistakes=(
        Mistake("w_apres", 1.0 + 0.01 * -18.0,
                "vous avez remonté la pente : w ← w − α × w.grad (moins, pas plus)",
                "you went up the slope: w ← w − α × w.grad (minus, not plus)"),
        Mistake("w_apres", 1.0 + 18.0,
                "le pas α = 0,01 est oublié : w ← w − α × w.grad",
                "the learning rate α = 0.01 is missing: w ← w − α × w.grad"),
    ),
))


# ------------------------------------------------------------------ 09: backprop on a graph
register(Exercise(
    "09-produit",
    answers={"dL_dx": 5.0 * 3.0, "dL_dy": 5.0 * 2.0},
    mistakes=(
        Mistake("dL_dx", 10.0, "les entrées sont échangées : ∂z/∂x = y (ici 3), pas x",
                "the inputs are swapped: ∂z/∂x = y (here 3), not x"),
        Mistake("dL_dx", 3.0, "c'est le gradient local ∂z/∂x ; multipliez-le par le gradient reçu ∂L/∂z = 5",
                "this is the local gradient ∂z/∂x; multiply it by the upstream gradient ∂L/∂z = 5"),
        Mistake("dL_dy", 15.0, "les entrées sont échangées : ∂z/∂y = x (ici 2), pas y",
                "the inputs are swapped: ∂z/∂y = x (here 2), not y"),
        Mistake("dL_dy", 2.0, "c'est le gradient local ∂z/∂y ; multipliez-le par le gradient reçu ∂L/∂z = 5",
                "this is the local gradient ∂z/∂y; multiply it by the upstream gradient ∂L/∂z = 5"),
    ),
))

register(Exercise(
    "09-perte",
    # x = 2, y = 3, w = 1: y_hat = 2, s = -1, loss = 1; dloss/ds = 2s = -2, dloss/dw = -2 * x = -4
    answers={"dloss_ds": -2.0, "dloss_dw": -4.0},
    mistakes=(
        Mistake("dloss_ds", 2.0, "le signe : s = ŷ − y = 2 − 3 = −1, donc 2s = −2",
                "the sign: s = ŷ − y = 2 − 3 = −1, so 2s = −2"),
        Mistake("dloss_dw", -2.0, "le calcul s'arrête à ∂loss/∂ŷ : le nœud × donne encore le facteur local x = 2",
                "you stopped at ∂loss/∂ŷ: the × node still gives the local factor x = 2"),
        Mistake("dloss_dw", 4.0, "le signe : ∂loss/∂ŷ = ∂loss/∂s × 1 = −2, puis × x = 2",
                "the sign: ∂loss/∂ŷ = ∂loss/∂s × 1 = −2, then × x = 2"),
    ),
))


# ------------------------------------------------------------------ 10: backprop through a hidden layer
# x = (1, 3): s = (-1, 1.5), h = (0, 1.5), y_hat = 3.5, r = 2.5, dloss/ds = 2r w2 relu'(s) = (0, 10)
_DS, _X = np.array([0.0, 10.0]), np.array([1.0, 3.0])

register(Exercise(
    "10-couche-cachee",
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



def _logistic_grad_w(x, w, b):
    p = _sigmoid(np.dot(x, w) + b)
    return p * (1 - p) * np.asarray(x, dtype=np.float64)


register(Exercise(
    "10-logistique",
    answers={"grad_w": _logistic_grad_w},
    arguments=("x", "w", "b"),
    samples=((np.array([1.0, 2.0]), np.array([0.5, -0.25]), 0.25),
             (np.array([-1.0, 0.5, 2.0]), np.array([0.2, 1.0, -0.3]), 0.0),
             (np.array([3.0]), np.array([-1.0]), 1.0)),
    mistakes=(
        Mistake("grad_w", lambda x, w, b: np.asarray(x, dtype=np.float64),
                "il manque le gradient local de la sigmoïde, σ'(z) = σ(z) (1 − σ(z)) : "
                "∂ŷ/∂w = σ'(z) × ∂z/∂w = σ'(z) x",
                "the local gradient of the sigmoid, σ'(z) = σ(z) (1 − σ(z)), is missing: "
                "∂ŷ/∂w = σ'(z) × ∂z/∂w = σ'(z) x"),
        Mistake("grad_w", lambda x, w, b: _sigmoid(np.dot(x, w) + b) * np.asarray(x, dtype=np.float64),
                "σ(z) n'est pas la dérivée de la sigmoïde : σ'(z) = σ(z) (1 − σ(z))",
                "σ(z) is not the derivative of the sigmoid: σ'(z) = σ(z) (1 − σ(z))"),
        Mistake("grad_w", lambda x, w, b: _logistic_grad_w(w, x, b),
                "c'est ∂ŷ/∂x : par rapport à w, le gradient local du produit scalaire xᵀw est x, pas w",
                "this is ∂ŷ/∂x: with respect to w, the local gradient of the dot product xᵀw is x, not w"),
    ),
))


# ------------------------------------------------------------------ 11: the lecture's exercise


def _r(x, y, w1, w2, b):
    return x * x * w2 + x * w1 + b - y


register(Exercise(
    "11-derivees",
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
    "11-autograd",
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


# ------------------------------------------------------------------ 12: two-class classification, the PyTorch way


def _np(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


def _accuracy_samples():
    import flambeau

    scores = [[2.0, 0.5], [0.1, 1.5], [-0.3, -1.0], [0.4, 0.9], [1.2, 1.1]]
    return ((flambeau.tensor(scores), flambeau.tensor([0, 1, 1, 1, 0])),
            (flambeau.tensor(scores[:4]), flambeau.tensor([1, 1, 0, 0])),
            (flambeau.tensor([[0.2, -0.1, 0.7], [1.0, 0.0, -1.0]]), flambeau.tensor([2, 0])))


register(Exercise(
    "12-exactitude",
    answers={"exactitude": lambda s, c: float(np.mean(_np(s).argmax(axis=1) == _np(c)))},
    arguments=("scores", "cibles"),
    samples=_accuracy_samples(),
    mistakes=(
        Mistake("exactitude", lambda s, c: float(np.sum(_np(s).argmax(axis=1) == _np(c))),
                "c'est le nombre de bonnes réponses : divisez par le nombre d'exemples (.mean() au lieu de .sum())",
                "this is the number of right answers: divide by the number of examples (.mean() instead of .sum())"),
        Mistake("exactitude", lambda s, c: float(np.mean(_np(s).argmax(axis=1) != _np(c))),
                "c'est le taux d'erreur : l'exactitude compte les réponses justes (==, pas !=)",
                "this is the error rate: accuracy counts the right answers (==, not !=)"),
    ),
))

register(Exercise(
    "12-boucle",
    answers={"ordre": ["zero_grad", "forward", "loss", "backward", "step"]},
    mistakes=(
        Mistake("ordre", ["forward", "loss", "backward", "step"],
                "zero_grad() manque : sans lui, les gradients des lots précédents s'additionnent dans .grad",
                "zero_grad() is missing: without it the gradients of the previous batches add up in .grad"),
        Mistake("ordre", ["zero_grad", "forward", "loss", "step", "backward"],
                "step() utilise les gradients : il vient après backward(), qui les calcule",
                "step() uses the gradients: it comes after backward(), which computes them"),
        Mistake("ordre", ["forward", "loss", "backward", "zero_grad", "step"],
                "zero_grad() juste avant step() efface les gradients que backward() vient de calculer : "
                "step() ne ferait rien",
                "zero_grad() just before step() wipes out the gradients backward() has just computed: "
                "step() would do nothing"),
    ),
))


# ------------------------------------------------------------------ 13: convolution
register(Exercise(
    "13-taille-sortie",
    answers={"taille_sortie": lambda n, k, padding, stride: (n + 2 * padding - k) // stride + 1},
    arguments=("n", "k", "padding", "stride"),
    samples=((8, 3, 0, 1), (8, 3, 1, 1), (8, 3, 1, 2), (28, 5, 0, 1), (32, 5, 2, 1), (7, 3, 0, 2)),
    mistakes=(
        Mistake("taille_sortie", lambda n, k, padding, stride: (n + 2 * padding - k) // stride,
                "il manque + 1 : une image de 3 pixels et un filtre de 3 donnent 1 position, pas 0",
                "+ 1 is missing: an image of 3 pixels and a filter of 3 give 1 position, not 0"),
        Mistake("taille_sortie", lambda n, k, padding, stride: (n + padding - k) // stride + 1,
                "le bourrage (padding) s'ajoute des deux côtés : n + 2 × padding",
                "padding is added on both sides: n + 2 × padding"),
        Mistake("taille_sortie", lambda n, k, padding, stride: n + 2 * padding - k + 1,
                "le pas (stride) est oublié : le filtre avance de stride pixels à la fois ; divisez (n + 2p − k) "
                "par stride",
                "the stride is missing: the filter moves stride pixels at a time, divide (n + 2p − k) by stride"),
    ),
))

_WINDOW = np.array([[0.0, 1.0, 2.0], [0.0, 3.0, 4.0], [1.0, 1.0, 1.0]])
_SOBEL = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])

register(Exercise(
    "13-un-pixel",
    answers={"pixel": float(np.sum(_WINDOW * _SOBEL))},  # 2 + 8 + 0 = 10
    mistakes=(
        Mistake("pixel", float(np.sum(_WINDOW * _SOBEL[::-1, ::-1])),
                "le filtre est retourné : F.conv2d, comme celui de PyTorch, ne le retourne pas (c'est une "
                "corrélation croisée) ; multipliez chaque pixel par le coefficient placé au même endroit",
                "the filter is flipped: F.conv2d, like PyTorch, does not flip the filter (it is a "
                "cross-correlation): multiply each pixel by the coefficient at the same place"),
        Mistake("pixel", float(np.sum(_WINDOW * np.array([[-1.0, 0.0, 1.0]] * 3))),
                "la ligne du milieu du filtre pèse 2 : −2 et 2, pas −1 et 1",
                "the middle row of the filter weighs 2: −2 and 2, not −1 and 1"),
    ),
))
