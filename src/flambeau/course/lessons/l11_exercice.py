# Lesson 11 of the course (see flambeau/course/lessons/__init__.py for the format).
# ruff: noqa: E402

# %% [markdown] fr
# # Exercice : un modèle du second degré
#
# C'est l'exercice de fin de cours. Soit le modèle
#
# $$\hat{y} = x^2 w_2 + x w_1 + b \qquad loss = (\hat{y} - y)^2$$
#
# 1. Calculer (manuellement) $\frac{\partial loss}{\partial w_1}$ et $\frac{\partial loss}{\partial w_2}$.
# 2. Coder ce calcul en Python.
# 3. Faire le même calcul avec PyTorch.
#
# Nous traiterons les trois questions, en faisant aussi le calcul avec flambeau. Puis nous
# vérifierons que toutes ces façons de calculer donnent exactement les mêmes nombres, avant
# d'entraîner le modèle. Répondez vous-même à la question 1 avant de lire la suite : la cellule
# « À vous » ci-dessous vérifie votre réponse.

# %% [markdown] en
# # Exercise: a second-degree model
#
# This is the exercise at the end of the lecture. Given the model
#
# $$\hat{y} = x^2 w_2 + x w_1 + b \qquad loss = (\hat{y} - y)^2$$
#
# 1. Compute (by hand) $\frac{\partial loss}{\partial w_1}$ and $\frac{\partial loss}{\partial w_2}$.
# 2. Code that computation in Python.
# 3. Do the same computation with PyTorch.
#
# We will answer all three questions, doing the computation with flambeau as well. Then we
# will check that all these ways of computing give exactly the same numbers, before training
# the model. Answer question 1 yourself before reading on: the "Your turn" cell below checks
# your answer.

# %% [markdown] fr
# ### À vous
#
# Écrivez les trois dérivées du coût, $\frac{\partial loss}{\partial w_1}$,
# $\frac{\partial loss}{\partial w_2}$ et $\frac{\partial loss}{\partial b}$, comme des fonctions
# de $(x, y, w_1, w_2, b)$, puis exécutez la cellule.

# %% [markdown] en
# ### Your turn
#
# Write the three derivatives of the loss, $\frac{\partial loss}{\partial w_1}$,
# $\frac{\partial loss}{\partial w_2}$ and $\frac{\partial loss}{\partial b}$, as functions of
# $(x, y, w_1, w_2, b)$, then run the cell.

# %% tags=["exercise"]
from flambeau.course import check


def grad_w1(x, y, w1, w2, b):
    return ...


def grad_w2(x, y, w1, w2, b):
    return ...


def grad_b(x, y, w1, w2, b):
    return ...


check("11-derivees", grad_w1=grad_w1, grad_w2=grad_w2, grad_b=grad_b)

# %% tags=["solution"]
from flambeau.course import check


def grad_w1(x, y, w1, w2, b):
    return 2 * (x * x * w2 + x * w1 + b - y) * x


def grad_w2(x, y, w1, w2, b):
    return 2 * (x * x * w2 + x * w1 + b - y) * x * x


def grad_b(x, y, w1, w2, b):
    return 2 * (x * x * w2 + x * w1 + b - y)


check("11-derivees", grad_w1=grad_w1, grad_w2=grad_w2, grad_b=grad_b)

# %% [markdown] fr
# ## 1. Les dérivées, à la main
#
# Notons $r = \hat{y} - y$ le résidu, de sorte que $loss = r^2$. La règle de dérivation en chaîne
# (la même que pour la rétropropagation, leçon 09) donne :
#
# $$\frac{\partial loss}{\partial w_1} = \frac{\partial loss}{\partial \hat{y}} \frac{\partial \hat{y}}{\partial w_1} = 2 r \times x
# \qquad
# \frac{\partial loss}{\partial w_2} = 2 r \times x^2
# \qquad
# \frac{\partial loss}{\partial b} = 2 r$$
#
# car $\frac{\partial loss}{\partial \hat{y}} = 2 (\hat{y} - y) = 2r$, et $\hat{y}$ dépend de $w_1$, $w_2$
# et $b$ à travers les facteurs $x$, $x^2$ et $1$.
#
# Par exemple, avec $w_1 = w_2 = b = 1$ et l'exemple $(x, y) = (2, 4)$ :
# $\hat{y} = 4 + 2 + 1 = 7$, $r = 3$, $loss = 9$ et les dérivées valent $2 \times 3 \times 2 = 12$,
# $2 \times 3 \times 4 = 24$ et $2 \times 3 = 6$.

# %% [markdown] en
# ## 1. The derivatives, by hand
#
# Write $r = \hat{y} - y$ for the residual, so that $loss = r^2$. The chain rule (the same as
# for backpropagation, lesson 09) gives:
#
# $$\frac{\partial loss}{\partial w_1} = \frac{\partial loss}{\partial \hat{y}} \frac{\partial \hat{y}}{\partial w_1} = 2 r \times x
# \qquad
# \frac{\partial loss}{\partial w_2} = 2 r \times x^2
# \qquad
# \frac{\partial loss}{\partial b} = 2 r$$
#
# since $\frac{\partial loss}{\partial \hat{y}} = 2 (\hat{y} - y) = 2r$, and $\hat{y}$ depends on
# $w_1$, $w_2$ and $b$ through the factors $x$, $x^2$ and $1$.
#
# For instance, with $w_1 = w_2 = b = 1$ and the example $(x, y) = (2, 4)$:
# $\hat{y} = 4 + 2 + 1 = 7$, $r = 3$, $loss = 9$ and the derivatives are $2 \times 3 \times 2 = 12$,
# $2 \times 3 \times 4 = 24$ and $2 \times 3 = 6$.

# %% [markdown] fr
# ## 2. Le calcul en Python
#
# On traduit les formules telles quelles. La fonction renvoie $\hat{y}$, le coût et les trois
# dérivées, pour les trois exemples du cours, $(1, 2)$, $(2, 4)$ et $(3, 6)$.

# %% [markdown] en
# ## 2. The computation in Python
#
# We translate the formulas as they are. The function returns $\hat{y}$, the loss and the three
# derivatives, for the lecture's three examples, $(1, 2)$, $(2, 4)$ and $(3, 6)$.

# %%
from flambeau.course import tr  # prints in the lesson's language

x_data = [1.0, 2.0, 3.0]
y_data = [2.0, 4.0, 6.0]


def by_hand(x, y, w1, w2, b):
    y_hat = x * x * w2 + x * w1 + b
    r = y_hat - y
    loss = r * r
    return y_hat, loss, (2 * r * x, 2 * r * x * x, 2 * r)  # dloss/dw1, dloss/dw2, dloss/db


def show(name, results):
    for (x, y), (y_hat, loss, grads) in zip(zip(x_data, y_data), results):
        print(f"{name:9} x={x} y={y}  y_hat={y_hat} loss={loss}  (dw1, dw2, db)={grads}")


results_hand = [by_hand(x, y, 1.0, 1.0, 1.0) for x, y in zip(x_data, y_data)]
show(tr("à la main", "by hand"), results_hand)

# %% [markdown] fr
# ## 3. Le même calcul avec l'autograd (flambeau, puis PyTorch)
#
# Cette fois, on n'écrit que le modèle et le coût : les poids sont des tenseurs créés avec
# `requires_grad=True`, et `loss.backward()` calcule les trois dérivées, rangées dans
# `w1.grad`, `w2.grad` et `b.grad`. Comme dans la leçon 08, la fonction reçoit la bibliothèque
# en argument : le même code sert pour flambeau et pour PyTorch.

# %% [markdown] en
# ## 3. The same computation with autograd (flambeau, then PyTorch)
#
# This time we only write the model and the loss: the weights are tensors created with
# `requires_grad=True`, and `loss.backward()` computes the three derivatives, stored in
# `w1.grad`, `w2.grad` and `b.grad`. As in lesson 08, the function takes the library as an
# argument: the same code serves for flambeau and for PyTorch.

# %%
import flambeau


def by_autograd(torch, x, y, w1, w2, b):
    w1 = torch.tensor(w1, requires_grad=True)
    w2 = torch.tensor(w2, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    y_hat = x ** 2 * w2 + x * w1 + b
    loss = (y_hat - y) ** 2
    loss.backward()
    return y_hat.item(), loss.item(), (w1.grad.item(), w2.grad.item(), b.grad.item())


results_flambeau = [by_autograd(flambeau, x, y, 1.0, 1.0, 1.0) for x, y in zip(x_data, y_data)]
show("flambeau", results_flambeau)

# %%
try:
    import torch
except ImportError:
    torch = None
    print(tr("PyTorch n'est pas installé : pip install torch pour exécuter cette cellule.",
             "PyTorch is not installed: pip install torch to run this cell."))

if torch is not None:
    results_torch = [by_autograd(torch, x, y, 1.0, 1.0, 1.0) for x, y in zip(x_data, y_data)]
    show("PyTorch", results_torch)

# %% [markdown] fr
# ### À vous
#
# Avec flambeau (ou PyTorch), calculez les trois gradients $\partial loss/\partial w_1$,
# $\partial loss/\partial w_2$ et $\partial loss/\partial b$ pour l'exemple $(x, y) = (3, 6)$ et
# $w_1 = w_2 = b = 1$, en laissant `backward()` faire le calcul.

# %% [markdown] en
# ### Your turn
#
# With flambeau (or PyTorch), compute the three gradients $\partial loss/\partial w_1$,
# $\partial loss/\partial w_2$ and $\partial loss/\partial b$ for the example $(x, y) = (3, 6)$
# and $w_1 = w_2 = b = 1$, letting `backward()` do the work.

# %% tags=["exercise"]
grads = ...  # (w1.grad.item(), w2.grad.item(), b.grad.item())
check("11-autograd", grads=grads)

# %% tags=["solution"]
w1 = flambeau.tensor(1.0, requires_grad=True)
w2 = flambeau.tensor(1.0, requires_grad=True)
b = flambeau.tensor(1.0, requires_grad=True)
loss = (3.0 ** 2 * w2 + 3.0 * w1 + b - 6.0) ** 2
loss.backward()
grads = (w1.grad.item(), w2.grad.item(), b.grad.item())
check("11-autograd", grads=grads)

# %% [markdown] fr
# ## Vérification
#
# Les trois tableaux doivent être identiques, au dernier chiffre près (ici, tous les nombres
# sont des entiers, exactement représentables en `float32` comme en `float64`). Vérifions-le
# aussi en des poids quelconques, tirés au hasard : là, seuls les arrondis du `float32`
# séparent le calcul à la main (en `float64`) de l'autograd.

# %% [markdown] en
# ## Check
#
# The three tables must be identical, down to the last digit (all the numbers here are integers,
# exactly represented in `float32` as in `float64`). Let us also check it at arbitrary weights
# drawn at random: there, only `float32` rounding separates the computation by hand (in
# `float64`) from autograd.

# %%
import random

print(tr("à la main == flambeau :", "by hand == flambeau:"), results_hand == results_flambeau)
if torch is not None:
    print(tr("flambeau == PyTorch :", "flambeau == PyTorch:"), results_flambeau == results_torch)

rng = random.Random(0)
worst = 0.0
for _ in range(20):
    x, y = rng.uniform(-3, 3), rng.uniform(-3, 3)
    w1, w2, b = rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-2, 2)
    expected = by_hand(x, y, w1, w2, b)[2]
    for library in [flambeau] + ([torch] if torch is not None else []):
        got = by_autograd(library, x, y, w1, w2, b)[2]
        worst = max(worst, max(abs(g - e) / (1 + abs(e)) for g, e in zip(got, expected)))
print(tr("poids au hasard, plus grand écart relatif :", "random weights, largest relative difference:"),
      tr("moins de 1e-5", "below 1e-5") if worst < 1e-5 else worst)

# %% [markdown] fr
# ## 4. L'apprentissage
#
# Entraînons maintenant ce modèle sur les données du cours, comme dans la leçon 07 : un pas de
# descente du gradient après chaque exemple, avec $\alpha = 0{,}01$, en partant de
# $w_1 = w_2 = b = 1$. On laisse faire l'autograd, et l'optimiseur `SGD` applique la règle
# $w \leftarrow w - \alpha \, \frac{\partial loss}{\partial w}$ aux trois paramètres à la fois.

# %% [markdown] en
# ## 4. Training
#
# Let us now train this model on the lecture's data, as in lesson 07: one gradient descent step
# after each example, with $\alpha = 0.01$, starting from $w_1 = w_2 = b = 1$. Autograd does the
# derivatives, and the `SGD` optimizer applies the rule
# $w \leftarrow w - \alpha \, \frac{\partial loss}{\partial w}$ to the three parameters at once.

# %%
w1 = flambeau.tensor(1.0, requires_grad=True)
w2 = flambeau.tensor(1.0, requires_grad=True)
b = flambeau.tensor(1.0, requires_grad=True)
optimizer = flambeau.optim.SGD([w1, w2, b], lr=0.01)

mse_history = []
for epoch in range(5000):
    for x, y in zip(x_data, y_data):
        loss = (x ** 2 * w2 + x * w1 + b - y) ** 2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with flambeau.no_grad():
        mse = sum(((x ** 2 * w2 + x * w1 + b - y) ** 2).item() for x, y in zip(x_data, y_data)) / 3
    mse_history.append(mse)
    if epoch in (0, 99) or epoch % 1000 == 999:
        print(f"{tr('époque', 'epoch')} {epoch:4}  MSE {mse:.6f}  w1={w1.item():.4f} w2={w2.item():.4f} b={b.item():.4f}")

print(tr("prévision", "predict"), 4, (16 * w2 + 4 * w1 + b).item())

# %% [markdown] fr
# Le coût diminue vite au début, puis très lentement : les trois paramètres se compensent
# (augmenter $b$ ou diminuer $w_2$ a presque le même effet sur ces trois points), et le coût
# forme une longue vallée presque plate, que la descente du gradient suit à petits pas
# (comme la vallée de la leçon `05-descente-de-gradient`). Il faut quelques milliers
# d'époques pour approcher la solution exacte $w_1 = 2$, $w_2 = 0$, $b = 0$.
#
# Pour finir, refaisons le même apprentissage avec les dérivées calculées à la main (en Python
# pur, en `float64`) : on doit retrouver les mêmes poids, aux arrondis du `float32` près.

# %% [markdown] en
# The loss drops quickly at first, then very slowly: the three parameters compensate each other
# (raising $b$ or lowering $w_2$ has almost the same effect on these three points), and the loss
# forms a long, nearly flat valley that gradient descent follows in small steps (like the valley of
# lesson `05-descente-de-gradient`). It takes a few thousand epochs to approach the exact
# solution $w_1 = 2$, $w_2 = 0$, $b = 0$.
#
# Finally, let us run the same training with the derivatives computed by hand (plain Python,
# `float64`): we must find the same weights, up to `float32` rounding.

# %%
import matplotlib.pyplot as plt

hw1, hw2, hb = 1.0, 1.0, 1.0
for _ in range(5000):
    for x, y in zip(x_data, y_data):
        _, _, (d1, d2, db) = by_hand(x, y, hw1, hw2, hb)
        hw1, hw2, hb = hw1 - 0.01 * d1, hw2 - 0.01 * d2, hb - 0.01 * db

print(f"{tr('à la main :', 'by hand:  ')} w1={hw1:.4f} w2={hw2:.4f} b={hb:.4f}")
print(f"{tr('autograd :', 'autograd:')}  w1={w1.item():.4f} w2={w2.item():.4f} b={b.item():.4f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(range(1, len(mse_history) + 1), mse_history)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel(tr("époque", "epoch"))
ax.set_ylabel("MSE")
ax.set_title(r"$\hat{y} = x^2 w_2 + x w_1 + b$")
ax.grid(alpha=0.3)

# %% [markdown] fr
# ## À retenir
#
# - La dérivée d'un coût par rapport à un poids se calcule par la règle de dérivation en chaîne :
#   $\frac{\partial loss}{\partial w} = \frac{\partial loss}{\partial \hat{y}} \frac{\partial \hat{y}}{\partial w}$.
# - L'autograd de flambeau et celui de PyTorch font exactement ce calcul, sans qu'on ait à
#   écrire les dérivées : on écrit le modèle et le coût, puis `loss.backward()`.
# - Vérifier un gradient calculé à la main contre l'autograd (ou l'inverse) est un excellent
#   réflexe quand on programme un nouveau modèle.

# %% [markdown] en
# ## Key points
#
# - The derivative of a loss with respect to a weight comes from the chain rule:
#   $\frac{\partial loss}{\partial w} = \frac{\partial loss}{\partial \hat{y}} \frac{\partial \hat{y}}{\partial w}$.
# - flambeau's autograd and PyTorch's do exactly that computation, without us writing the
#   derivatives: we write the model and the loss, then `loss.backward()`.
# - Checking a gradient computed by hand against autograd (or the other way round) is an
#   excellent habit when programming a new model.
