# Lesson 06 of the course (see flambeau/course/lessons/__init__.py for the format).
# ruff: noqa: E402

# %% [markdown] fr
# # Les variantes de la descente du gradient
#
# Au fil du cours, la descente du gradient prend plusieurs formes : un pas après chaque exemple
# (leçons 07, 08 et 11, à venir), des lots de 10 exemples dans le *playground* (leçon 03),
# l'optimiseur Adam (leçons 02 et 12). Comparons-les sur le même problème, avec le même nombre
# de pas :
#
# - **batch** : le gradient du coût moyen sur **tous** les exemples, à chaque pas ;
# - **stochastique** (SGD) : le gradient d'**un seul** exemple tiré au hasard ;
# - **mini-batch** : le gradient moyen d'un petit lot (ici 10 exemples) ;
# - **momentum** : le batch, avec une « vitesse » qui accumule les pas successifs ;
# - **Adam** : momentum, plus un pas adapté à chaque paramètre.

# %% [markdown] en
# # The variants of gradient descent
#
# Throughout the course, gradient descent takes several forms: a step after each example
# (lessons 07, 08 and 11, still to come), batches of 10 examples in the playground (lesson 03), the
# Adam optimizer (lessons 02 and 12). Let us compare them on the same problem, with the same
# number of steps:
#
# - **batch**: the gradient of the mean loss over **all** the examples, at every step;
# - **stochastic** (SGD): the gradient of **a single** example drawn at random;
# - **mini-batch**: the mean gradient of a small batch (here 10 examples);
# - **momentum**: batch, with a "velocity" that accumulates the successive steps;
# - **Adam**: momentum, plus a step adapted to each parameter.

# %% [markdown] fr
# ## Le problème : une droite, deux paramètres
#
# 100 points $(x_i, y_i)$ autour de la droite $y = 2x + 1$, et le modèle $\hat{y} = w x + b$ avec
# le coût quadratique moyen. Avec deux paramètres, on peut dessiner le coût comme une carte :
# c'est une vallée allongée (les $x_i$ sont tous positifs, si bien que $w$ et $b$ se compensent),
# comme celle de la leçon 05. On part de $(w, b) = (-1, 4)$.

# %% [markdown] en
# ## The problem: a line, two parameters
#
# 100 points $(x_i, y_i)$ around the line $y = 2x + 1$, and the model $\hat{y} = w x + b$ with the
# mean quadratic loss. With two parameters the loss can be drawn as a map: it is a long valley
# (the $x_i$ are all positive, so $w$ and $b$ compensate each other), like the one of lesson 05.
# We start from $(w, b) = (-1, 4)$.

# %%
import matplotlib.pyplot as plt
import numpy as np

import flambeau as torch
from flambeau.course import tr  # prints in the lesson's language

rng = np.random.default_rng(0)
x = rng.uniform(0, 4, 100)
y = 2 * x + 1 + rng.normal(0, 0.5, 100)


def full_loss(w, b):
    """The mean loss over all the examples (what every method tries to minimise)."""
    return np.mean((w * x + b - y) ** 2, axis=-1)


best = np.polyfit(x, y, 1)  # the exact minimum, for reference
print(tr("minimum exact :", "exact minimum:"), f"w = {best[0]:.4f}  b = {best[1]:.4f}  "
      f"{tr('coût', 'loss')} = {full_loss(*best):.4f}")

# %% [markdown] fr
# ## Les cinq méthodes, 100 pas chacune
#
# Une seule boucle pour toutes : seuls changent les exemples utilisés à chaque pas (tous, un,
# ou dix) et l'optimiseur (`SGD`, `SGD` avec `momentum=0.9`, `Adam`). Le pas est
# $\alpha = 0{,}05$, sauf pour Adam ($0{,}2$, car son pas a une autre échelle : voir plus bas).

# %% [markdown] en
# ## The five methods, 100 steps each
#
# One loop for all of them: only the examples used at each step (all, one or ten) and the
# optimizer (`SGD`, `SGD` with `momentum=0.9`, `Adam`) change. The learning rate is
# $\alpha = 0.05$, except for Adam ($0.2$, since its step has another scale: see below).

# %%
METHODS = {  # name: (examples per step, optimizer)
    "batch": (100, lambda p: torch.optim.SGD(p, lr=0.05)),
    tr("stochastique", "stochastic"): (1, lambda p: torch.optim.SGD(p, lr=0.05)),
    "mini-batch": (10, lambda p: torch.optim.SGD(p, lr=0.05)),
    "momentum": (100, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    "Adam": (100, lambda p: torch.optim.Adam(p, lr=0.2)),
}


def descend(batch_size, make_optimizer, steps=100, seed=1):
    params = torch.tensor([-1.0, 4.0], dtype=torch.float64, requires_grad=True)  # (w, b)
    optimizer = make_optimizer([params])
    draw = np.random.default_rng(seed)
    path = [params.detach().numpy().copy()]
    for _ in range(steps):
        chosen = draw.choice(len(x), batch_size, replace=False)
        xb, yb = torch.tensor(x[chosen]), torch.tensor(y[chosen])
        loss = ((params[0] * xb + params[1] - yb) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        path.append(params.detach().numpy().copy())
    return np.array(path)


paths = {name: descend(size, make) for name, (size, make) in METHODS.items()}
for name, path in paths.items():
    losses = full_loss(path[:, :1], path[:, 1:])
    print(f"{name:13} {tr('après 100 pas :', 'after 100 steps:')} w = {path[-1, 0]:.3f}  b = {path[-1, 1]:.3f}  "
          f"{tr('coût', 'loss')} = {losses[-1]:.4f}   {tr('après 20 pas :', 'after 20 steps:')} {losses[20]:.4f}")

# %% [markdown] fr
# ## Trajectoires et courbes de coût, côte à côte

# %% [markdown] en
# ## Trajectories and loss curves, side by side

# %%
gw, gb = np.meshgrid(np.linspace(-1.5, 3.5, 200), np.linspace(-0.5, 4.5, 200))
grid_loss = full_loss(gw[..., None], gb[..., None])
fig, axes = plt.subplots(1, len(paths), figsize=(17, 3.4), sharey=True)
for ax, (name, path) in zip(axes, paths.items()):
    ax.contour(gw, gb, grid_loss, levels=[0.3, 1, 3, 8, 20, 40], colors="grey", linewidths=0.7)
    ax.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=0.8, color="tab:red")
    ax.plot(*best, "k*", ms=10)
    ax.set_title(name)
    ax.set_xlabel("w")
axes[0].set_ylabel("b")
fig.tight_layout()

fig, ax = plt.subplots(figsize=(7, 3.6))
for name, path in paths.items():
    ax.plot(full_loss(path[:, :1], path[:, 1:]), label=name)
ax.set_yscale("log")
ax.set_xlabel(tr("pas", "step"))
ax.set_ylabel(tr("coût sur tous les exemples", "loss over all the examples"))
ax.legend()
ax.grid(alpha=0.3)

# %% [markdown] fr
# ## Ce que change chaque variante
#
# - **Batch** : le vrai gradient du coût, donc une trajectoire régulière ; mais chaque pas coûte
#   un passage sur **tous** les exemples (des millions pour un vrai réseau). Dans la vallée
#   allongée, elle descend vite le versant raide, puis avance lentement le long du fond.
# - **Stochastique** : un pas coûte 100 fois moins cher, mais le gradient d'un seul exemple n'est
#   qu'une estimation bruitée du vrai : la trajectoire zigzague et, près du minimum, elle continue
#   de s'agiter (il faudrait diminuer le pas). C'est la méthode des leçons 07 et 08.
# - **Mini-batch** : le compromis utilisé en pratique (le *playground* prend des lots de 10) :
#   presque aussi régulier que le batch pour le prix de 10 exemples par pas, et le calcul d'un lot
#   se vectorise bien.
# - **Momentum** : $v \leftarrow \beta v + g$, puis $w \leftarrow w - \alpha v$ (avec
#   $\beta = 0{,}9$). La vitesse $v$ accumule les pas successifs : le long du fond de la vallée,
#   où les gradients vont tous dans le même sens, les pas s'additionnent et la descente accélère ;
#   en travers, où ils changent de signe d'un pas à l'autre, ils s'annulent. Le momentum ne change
#   pas le pas d'une direction à l'autre : le même $\alpha$ vaut pour tous les paramètres.
# - **Adam** : il garde une moyenne des gradients (comme le momentum) et une moyenne de leurs
#   carrés, et divise, **pour chaque paramètre**, le pas par la racine de cette dernière : un
#   paramètre aux gradients faibles fait des pas aussi grands qu'un paramètre aux gradients forts.
#   Le pas vaut donc à peu près $\alpha$ dans chaque direction, quelle que soit la taille du
#   gradient, d'où un $\alpha$ d'une autre échelle.

# %% [markdown] en
# ## What each variant changes
#
# - **Batch**: the true gradient of the loss, hence a smooth trajectory; but each step costs a
#   pass over **all** the examples (millions for a real network). In the long valley it quickly
#   goes down the steep side, then moves slowly along the bottom.
# - **Stochastic**: a step is 100 times cheaper, but the gradient of a single example is only a
#   noisy estimate of the true one: the trajectory zigzags and, near the minimum, keeps jittering
#   (the learning rate would have to decrease). This is the method of lessons 07 and 08.
# - **Mini-batch**: the compromise used in practice (the playground takes batches of 10): almost
#   as smooth as batch for the price of 10 examples per step, and computing a batch vectorises
#   well.
# - **Momentum**: $v \leftarrow \beta v + g$, then $w \leftarrow w - \alpha v$ (with
#   $\beta = 0.9$). The velocity $v$ accumulates the successive steps: along the bottom of the
#   valley, where the gradients all point the same way, the steps add up and the descent speeds
#   up; across it, where they change sign from one step to the next, they cancel out. Momentum does
#   not change the step from one direction to another: the same $\alpha$ holds for every parameter.
# - **Adam**: it keeps a mean of the gradients (like momentum) and a mean of their squares, and
#   divides, **for each parameter**, the step by the square root of the latter: a parameter with
#   small gradients takes steps as large as one with large gradients. The step is therefore about
#   $\alpha$ in each direction, whatever the size of the gradient, hence an $\alpha$ of another
#   scale.

# %% [markdown] fr
# ### À vous
#
# Écrivez un pas de momentum : la fonction `pas_momentum(w, v, g, lr, beta)` reçoit le poids, la
# vitesse, le gradient, le pas et $\beta$, et renvoie le nouveau poids et la nouvelle vitesse.

# %% [markdown] en
# ### Your turn
#
# Write one momentum step: the function `pas_momentum(w, v, g, lr, beta)` takes the weight, the
# velocity, the gradient, the learning rate and $\beta$, and returns the new weight and the new
# velocity.

# %% tags=["exercise"]
from flambeau.course import check


def pas_momentum(w, v, g, lr, beta):
    v = ...
    w = ...
    return w, v


check("06-momentum", pas_momentum=pas_momentum)

# %% tags=["solution"]
from flambeau.course import check


def pas_momentum(w, v, g, lr, beta):
    v = beta * v + g
    w = w - lr * v
    return w, v


check("06-momentum", pas_momentum=pas_momentum)

# %% [markdown] fr
# ### À vous
#
# Le premier pas d'Adam. Pour chaque paramètre, Adam tient à jour deux moyennes, parties de
# $m = v = 0$ : $m \leftarrow \beta_1 m + (1 - \beta_1) g$ et $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$,
# avec $\beta_1 = 0{,}9$ et $\beta_2 = 0{,}999$. Comme elles partent de 0, il les corrige au pas
# $t$ : $\hat{m} = m / (1 - \beta_1^t)$ et $\hat{v} = v / (1 - \beta_2^t)$ ; puis il fait le pas
# $w \leftarrow w - \alpha \, \hat{m} / (\sqrt{\hat{v}} + \varepsilon)$, avec $\varepsilon = 10^{-8}$.
# Écrivez `premier_pas_adam(w, g, lr)`, qui renvoie le poids après le **premier** pas ($t = 1$)
# avec le gradient $g$ et le pas $\alpha$ = `lr`. Essayez-la avec un gradient minuscule, puis
# énorme : que constatez-vous ?

# %% [markdown] en
# ### Your turn
#
# Adam's first step. For each parameter Adam keeps two means, started at $m = v = 0$:
# $m \leftarrow \beta_1 m + (1 - \beta_1) g$ and $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$, with
# $\beta_1 = 0.9$ and $\beta_2 = 0.999$. Since they start at 0, it corrects them at step $t$:
# $\hat{m} = m / (1 - \beta_1^t)$ and $\hat{v} = v / (1 - \beta_2^t)$; then it takes the step
# $w \leftarrow w - \alpha \, \hat{m} / (\sqrt{\hat{v}} + \varepsilon)$, with $\varepsilon = 10^{-8}$.
# Write `premier_pas_adam(w, g, lr)`, returning the weight after the **first** step ($t = 1$)
# with the gradient $g$ and the learning rate $\alpha$ = `lr`. Try it with a tiny gradient, then
# a huge one: what do you see?

# %% tags=["exercise"]
def premier_pas_adam(w, g, lr):
    return ...  # the weight after the first step: m and v, then m_hat and v_hat, then w


check("06-adam", premier_pas_adam=premier_pas_adam)

# %% tags=["solution"]
def premier_pas_adam(w, g, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = (1 - beta1) * g  # the means after one step, from m = v = 0
    v = (1 - beta2) * g ** 2
    m_hat, v_hat = m / (1 - beta1), v / (1 - beta2)  # t = 1: back to g and g**2
    return w - lr * m_hat / (np.sqrt(v_hat) + eps)


check("06-adam", premier_pas_adam=premier_pas_adam)

# %% [markdown] fr
# Vérifions avec l'optimiseur `Adam` de flambeau : quelle que soit la taille du gradient, le
# premier pas vaut $\alpha$ (au signe près), car $\hat{m} / \sqrt{\hat{v}} = g / |g| = \pm 1$.

# %% [markdown] en
# Let us check with flambeau's `Adam` optimizer: whatever the size of the gradient, the first
# step is $\alpha$ (up to its sign), since $\hat{m} / \sqrt{\hat{v}} = g / |g| = \pm 1$.

# %%
for g in (0.001, 1.0, 1000.0):
    weight = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    adam = torch.optim.Adam([weight], lr=0.2)
    weight.grad = torch.tensor([g], dtype=torch.float64)
    adam.step()
    after_sgd = 1.0 - 0.2 * g
    print(f"g = {g:<7}  Adam → w = {weight.item():.6f}   SGD → w = {after_sgd:.6f}")

# %% [markdown] fr
# ## À retenir
#
# - Batch, stochastique, mini-batch : la même règle $w \leftarrow w - \alpha g$, avec un gradient
#   $g$ calculé sur tous les exemples, un seul, ou un petit lot ; le mini-batch est le choix
#   habituel.
# - Le momentum accumule les pas : il accélère dans les directions constantes et amortit les
#   zigzags, avec le même pas pour tous les paramètres.
# - Adam adapte en plus le pas à chaque paramètre, d'après la taille récente de son gradient.

# %% [markdown] en
# ## Key points
#
# - Batch, stochastic, mini-batch: the same rule $w \leftarrow w - \alpha g$, with a gradient $g$
#   computed over all the examples, one, or a small batch; mini-batch is the usual choice.
# - Momentum accumulates the steps: it speeds up along consistent directions and damps zigzags,
#   with the same step for every parameter.
# - Adam also adapts the step to each parameter, from the recent size of its gradient.
