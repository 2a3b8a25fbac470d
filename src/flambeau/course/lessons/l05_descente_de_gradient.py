# Lesson 05 of the course (see flambeau/course/lessons/__init__.py for the format).
# ruff: noqa: E402

# %% [markdown] fr
# # La descente du gradient, en 1D et en 2D
#
# L'apprentissage consiste à trouver les bons paramètres $w$ de toutes les connexions : on
# cherche à **minimiser** le coût $E(w)$ sur les exemples. La descente du gradient part d'une
# valeur initiale et fait de petits pas dans la direction où le coût descend le plus vite,
# c'est-à-dire à l'opposé de la dérivée (en 1D) ou du gradient (en dimension $n$) :
#
# $$w \leftarrow w - \alpha \frac{dE}{dw} \qquad\qquad \Delta \vec{w} = -\eta \, \nabla E(\vec{w}) \quad \text{avec} \quad \nabla E(\vec{w}) = \left(\frac{\partial E}{\partial w_1}, \ldots, \frac{\partial E}{\partial w_n}\right)$$
#
# Cette leçon montre sur des fonctions simples ce qui peut se passer : minimum local ou
# global, pas d'apprentissage trop petit ou trop grand.

# %% [markdown] en
# # Gradient descent, in 1-D and 2-D
#
# Learning means finding the right parameters $w$ of all the connections: we try to
# **minimise** the loss $E(w)$ over the examples. Gradient descent starts from an initial value
# and takes small steps in the direction in which the loss goes down fastest, that is against
# the derivative (in 1-D) or the gradient (in $n$ dimensions):
#
# $$w \leftarrow w - \alpha \frac{dE}{dw} \qquad\qquad \Delta \vec{w} = -\eta \, \nabla E(\vec{w}) \quad \text{with} \quad \nabla E(\vec{w}) = \left(\frac{\partial E}{\partial w_1}, \ldots, \frac{\partial E}{\partial w_n}\right)$$
#
# This lesson shows on simple functions what can happen: local or global minimum, a learning
# rate too small or too large.

# %% [markdown] fr
# ## En 1D : minimum local et minimum global
#
# Prenons $E(w) = w^4 - 3 w^2 + w$, dont la dérivée est $\frac{dE}{dw} = 4 w^3 - 6 w + 1$.
# Cette fonction a deux minima : un **minimum global** vers $w = -1{,}30$ (la plus petite valeur de $E$) et
# un **minimum local** vers $w = 1{,}13$ (plus petit que ses voisins, mais pas le plus petit de
# tous), séparés par un maximum local. Lançons la descente du gradient depuis deux points de
# départ, avec $\alpha = 0{,}05$ et 50 pas.

# %% [markdown] en
# ## In 1-D: local and global minimum
#
# Take $E(w) = w^4 - 3 w^2 + w$, whose derivative is $\frac{dE}{dw} = 4 w^3 - 6 w + 1$.
# It has two minima: a **global minimum** near $w = -1.30$ (the smallest value of $E$) and a
# **local minimum** near $w = 1.13$ (smaller than its neighbours, but not the smallest of all),
# separated by a local maximum. Let us run gradient descent from two starting points, with
# $\alpha = 0.05$ and 50 steps.

# %%
import matplotlib.pyplot as plt
import numpy as np

from flambeau.course import tr  # prints in the lesson's language


def E(w):
    return w ** 4 - 3 * w ** 2 + w


def dE(w):
    return 4 * w ** 3 - 6 * w + 1


def descend(w, alpha, steps=50):
    path = [w]
    for _ in range(steps):
        w = w - alpha * dE(w)
        path.append(w)
        if abs(w) > 1e3:  # diverged: stop before the numbers overflow
            break
    return path


fig, ax = plt.subplots(figsize=(6, 4))
grid = np.linspace(-2.1, 2.1, 300)
ax.plot(grid, E(grid), color="grey")
for start, color in ((2.0, "tab:red"), (-2.0, "tab:blue")):
    path = descend(start, alpha=0.05)
    ax.plot(path, [E(w) for w in path], "o-", ms=3, color=color, label=tr(f"départ w = {start}", f"start w = {start}"))
    print(f"{tr('départ', 'start')} w = {start:5.2f}  →  {tr('arrivée', 'end')} w = {path[-1]:.4f}  E = {E(path[-1]):.4f}")
ax.set_xlabel("w")
ax.set_ylabel("E(w)")
ax.set_ylim(-4, 6)
ax.legend()
ax.grid(alpha=0.3)

# %% [markdown] fr
# Partie de $w = 2$, la descente s'arrête dans le minimum local ($E \approx -1{,}07$) : là, la
# dérivée est nulle, et rien ne la pousse à en sortir. Partie de $w = -2$, elle trouve le minimum
# global ($E \approx -3{,}51$). La descente du gradient ne voit que la pente **locale** : le
# résultat dépend du point de départ. Pour un réseau de neurones, ce point de départ, ce sont
# les poids initiaux tirés au hasard.
#
# ## L'effet du pas d'apprentissage
#
# Partons toujours de $w = 2$ et changeons le pas d'apprentissage $\alpha$ (*learning rate*,
# que l'on appelle aussi taux d'apprentissage).

# %% [markdown] en
# Started from $w = 2$, the descent stops in the local minimum ($E \approx -1.07$): there the
# derivative is zero and nothing pushes it out. Started from $w = -2$, it finds the global
# minimum ($E \approx -3.51$). Gradient descent only sees the **local** slope: the result depends
# on the starting point. For a neural network, that starting point is the initial weights drawn
# at random.
#
# ## The effect of the learning rate
#
# Let us always start from $w = 2$ and change the learning rate $\alpha$.

# %% [markdown] fr
# ### À vous
#
# Avant de lancer la comparaison : partant de $w = 2$, avec $\alpha = 0{,}05$, que vaut $w$ après
# le premier pas ? (La dérivée est $\frac{dE}{dw} = 4 w^3 - 6 w + 1$.)

# %% [markdown] en
# ### Your turn
#
# Before running the comparison: starting from $w = 2$ with $\alpha = 0.05$, what is $w$ after
# the first step? (The derivative is $\frac{dE}{dw} = 4 w^3 - 6 w + 1$.)

# %% tags=["exercise"]
from flambeau.course import check

w1 = ...
check("05-un-pas", w1=w1)

# %% tags=["solution"]
from flambeau.course import check

w1 = 2.0 - 0.05 * (4 * 2.0 ** 3 - 6 * 2.0 + 1)  # 2 - 0.05 * 21
check("05-un-pas", w1=w1)

# %%
fig, axes = plt.subplots(1, 4, figsize=(14, 3.2))
for ax, alpha in zip(axes, (0.001, 0.05, 0.1, 0.2)):
    path = descend(2.0, alpha)
    diverged = abs(path[-1]) >= 1e3
    reach = 4.0 if diverged else 2.5  # a wider window shows the first steps of a divergence
    shown = [w for w in path if abs(w) < reach]
    wide = np.linspace(-reach, reach, 300)
    ax.plot(wide, E(wide), color="grey")
    ax.plot(shown, [E(w) for w in shown], "o-", ms=3, color="tab:red")
    for k, w in enumerate(shown[:4] if diverged else []):
        ax.annotate(str(k), (w, E(w)), textcoords="offset points", xytext=(4, 4), fontsize=9)
    end = f"w = {path[-1]:.3f}" if not diverged else tr("diverge", "diverged")
    ax.set_title(tr(f"α = {alpha} : {end}".replace(".", ","), f"α = {alpha}: {end}"), fontsize=10)
    ax.set_xlabel("w")
    ax.set_ylim(-4, 130 if diverged else 6)
    print(f"alpha = {alpha:5}  →  {tr('après', 'after')} {len(path) - 1:2d} {tr('pas', 'steps')}, {end}")
fig.tight_layout()

# %% [markdown] fr
# - $\alpha = 0{,}001$ : **trop petit**. Les pas sont minuscules ; au bout de 50 pas, on est
#   encore loin du minimum. L'apprentissage serait très long.
# - $\alpha = 0{,}05$ : **bien choisi**. On descend rapidement vers le minimum (local) le plus
#   proche.
# - $\alpha = 0{,}1$ : **grand**. Le premier pas est si grand qu'il saute par-dessus la colline :
#   ici, par chance, la descente finit dans le minimum global... mais c'est le hasard, pas une
#   méthode !
# - $\alpha = 0{,}2$ : **trop grand**. Chaque pas dépasse le minimum un peu plus que le précédent :
#   la descente **diverge** (le panneau de droite, plus large, montre les pas 0, 1 et 2 ; le
#   suivant sort du cadre). Avec un réseau de neurones, le coût finit par
#   valoir NaN (*not a number*, « pas un nombre »).

# %% [markdown] en
# - $\alpha = 0.001$: **too small**. The steps are tiny; after 50 steps we are still far from the
#   minimum. Training would take very long.
# - $\alpha = 0.05$: **well chosen**. We go down quickly to the nearest (local) minimum.
# - $\alpha = 0.1$: **large**. The first step is so big that it jumps over the hill: here, by
#   luck, the descent ends in the global minimum... but that is chance, not a method!
# - $\alpha = 0.2$: **too large**. Each step overshoots the minimum a bit more than the one
#   before: the descent **diverges** (the right panel, wider, shows steps 0, 1 and 2; the next one leaves
#   the frame). With a neural network, the loss becomes NaN.

# %% [markdown] fr
# ## En 2D : la descente dans une vallée
#
# Avec deux poids $\vec{w} = (w_1, w_2)$, le coût est une surface, que l'on représente par ses
# lignes de niveau. Prenons une vallée allongée, $E(\vec{w}) = \frac{1}{2} (w_1^2 + 10 \, w_2^2)$ :
# elle est dix fois plus raide dans la direction $w_2$ que dans la direction $w_1$, comme c'est
# souvent le cas pour les coûts des réseaux de neurones (voir l'exercice de la leçon 11).
#
# Cette fois, on ne calcule pas le gradient à la main : c'est l'autograd de flambeau qui le
# donne, comme pour un vrai réseau. À chaque pas : $\Delta \vec{w} = -\eta \, \nabla E(\vec{w})$.

# %% [markdown] en
# ## In 2-D: descending a valley
#
# With two weights $\vec{w} = (w_1, w_2)$ the loss is a surface, drawn with its contour lines.
# Take an elongated valley, $E(\vec{w}) = \frac{1}{2} (w_1^2 + 10 \, w_2^2)$: it is ten times
# steeper along $w_2$ than along $w_1$, as is often the case for the losses of neural networks
# (see the exercise of lesson 11).
#
# This time the gradient is not computed by hand: flambeau's autograd gives it, as for a real
# network. At each step: $\Delta \vec{w} = -\eta \, \nabla E(\vec{w})$.

# %%
import flambeau as torch


def E2(w):
    return 0.5 * (w[0] ** 2 + 10 * w[1] ** 2)


def descend_2d(eta, start=(-4.0, 1.5), steps=30):
    w = torch.tensor(start, requires_grad=True)
    path = [w.detach().numpy().copy()]
    for _ in range(steps):
        loss = E2(w)
        loss.backward()  # w.grad is now the gradient of E at w
        with torch.no_grad():
            w -= eta * w.grad  # delta w = -eta * grad E(w)
        w.grad.zero_()
        path.append(w.detach().numpy().copy())
    return np.array(path)


g1, g2 = np.meshgrid(np.linspace(-5, 5, 200), np.linspace(-3, 3, 200))
fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
for ax, eta in zip(axes, (0.02, 0.15, 0.21)):
    path = descend_2d(eta)
    ax.contour(g1, g2, 0.5 * (g1 ** 2 + 10 * g2 ** 2), levels=[0.5, 2, 5, 10, 20, 35], colors="grey",
               linewidths=0.8)
    inside = np.all(np.abs(path) < [5, 3], axis=1)
    ax.plot(path[inside, 0], path[inside, 1], "o-", ms=3, color="tab:red")
    ax.plot(0, 0, "k*", ms=10)
    final = E2(path[-1])
    ax.set_title(tr(f"η = {eta} : E = {final:.3g} après {len(path) - 1} pas".replace(".", ","),
                    f"η = {eta}: E = {final:.3g} after {len(path) - 1} steps"), fontsize=10)
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    print(f"eta = {eta:4}  →  {tr('w final', 'final w')} = ({path[-1][0]:8.3f}, {path[-1][1]:8.3f})  E = {final:.4g}")
fig.tight_layout()

# %% [markdown] fr
# - $\eta = 0{,}02$ : la descente suit la pente la plus forte, d'abord vers le fond de la vallée
#   (direction $w_2$), puis avance lentement le long de la vallée (direction $w_1$) : au bout de
#   30 pas, elle n'est pas encore arrivée au minimum.
# - $\eta = 0{,}15$ : on avance plus vite le long de la vallée, mais on **zigzague** d'un
#   versant à l'autre dans la direction raide.
# - $\eta = 0{,}21$ : dans la direction raide, chaque pas dépasse le fond de plus en plus :
#   la descente diverge, alors que dans l'autre direction le pas serait encore trop petit !
#
# ### À vous
#
# Où est la limite ? Dans la direction raide, $\frac{\partial E}{\partial w_2} = 10 \, w_2$ :
# écrivez ce que devient $w_2$ après un pas $w_2 \leftarrow w_2 - \eta \, \frac{\partial E}{\partial w_2}$.
# Au-delà de quelle valeur $\eta_{max}$ la descente diverge-t-elle (pour tout $\eta > \eta_{max}$) ?

# %% [markdown] en
# - $\eta = 0.02$: the descent follows the steepest slope, first to the bottom of the valley
#   ($w_2$ direction), then slowly along the valley ($w_1$ direction): after 30 steps it has not
#   reached the minimum yet.
# - $\eta = 0.15$: it moves faster along the valley, but **zigzags** from one side to the other
#   in the steep direction.
# - $\eta = 0.21$: in the steep direction each step overshoots the bottom further and further:
#   the descent diverges, even though in the other direction the step would still be too small!
#
# ### Your turn
#
# Where is the limit? In the steep direction $\frac{\partial E}{\partial w_2} = 10 \, w_2$: write
# what $w_2$ becomes after one step $w_2 \leftarrow w_2 - \eta \, \frac{\partial E}{\partial w_2}$.
# Beyond which value $\eta_{max}$ does the descent diverge (for every $\eta > \eta_{max}$)?

# %% tags=["exercise"]
eta_max = ...  # one number

check("05-pas-maximal", eta_max=eta_max)

# %% tags=["solution"]
# one step: w2 <- w2 - eta * 10 * w2 = (1 - 10 eta) w2; it grows in size when |1 - 10 eta| > 1
eta_max = 2 / 10

check("05-pas-maximal", eta_max=eta_max)

# %% [markdown] fr
# Chaque pas multiplie $w_2$ par $1 - 10 \eta$ et $w_1$ par $1 - \eta$. Pour $\eta < 0{,}1$, le
# facteur de $w_2$ est positif : on descend le versant sans le traverser. Entre 0,1 et 0,2, il est
# négatif mais plus petit que 1 en valeur absolue : on zigzague en se rapprochant du fond.
# Au-delà de 0,2, il dépasse 1 en valeur absolue : on diverge. Dans la direction $w_1$, il
# faudrait $\eta > 2$ pour diverger.
#
# Le pas qui convient est limité par la direction la plus raide. Deux remèdes, comparés dans
# la leçon `06-variantes-descente-de-gradient` : le *momentum* accumule les pas successifs, si
# bien que les zigzags de la direction raide s'annulent tandis que les pas le long de la vallée
# s'additionnent ; Adam (utilisé dans les leçons 02 et 12) et RMSprop, eux, adaptent le pas à
# chaque direction, en divisant par la taille récente du gradient dans cette direction.
#
# ## À retenir
#
# - La descente du gradient fait des pas $\Delta \vec{w} = -\eta \, \nabla E(\vec{w})$ ; elle ne
#   voit que la pente locale, et peut s'arrêter dans un minimum local.
# - Le pas d'apprentissage est le réglage le plus important : trop petit, l'apprentissage n'en
#   finit pas ; trop grand, il oscille ou diverge.
# - Pour un réseau, $\vec{w}$ contient tous les poids (des milliers, des millions) : on ne peut
#   plus dessiner le coût, mais tout se passe de la même façon, et c'est la rétropropagation qui
#   calcule $\nabla E$.

# %% [markdown] en
# Each step multiplies $w_2$ by $1 - 10 \eta$ and $w_1$ by $1 - \eta$. For $\eta < 0.1$ the factor
# of $w_2$ is positive: the descent goes down the side without crossing it. Between 0.1 and 0.2 it
# is negative but smaller than 1 in absolute value: the descent zigzags towards the bottom.
# Beyond 0.2 it exceeds 1 in absolute value: the descent diverges. In the $w_1$ direction it would
# take $\eta > 2$ to diverge.
#
# The usable learning rate is limited by the steepest direction. Two remedies, compared in the
# lesson `06-variantes-descente-de-gradient`: momentum accumulates successive steps, so that the
# zigzags of the steep direction cancel out while the steps along the valley add up; Adam (used
# in lessons 02 and 12) and RMSprop adapt the step to each direction, dividing by the recent
# size of the gradient in that direction.
#
# ## Key points
#
# - Gradient descent takes steps $\Delta \vec{w} = -\eta \, \nabla E(\vec{w})$; it only sees the
#   local slope and may stop in a local minimum.
# - The learning rate is the most important setting: too small, training never ends; too large,
#   it oscillates or diverges.
# - For a network, $\vec{w}$ holds all the weights (thousands, millions): the loss can no longer
#   be drawn, but everything works the same way, and backpropagation computes $\nabla E$.
