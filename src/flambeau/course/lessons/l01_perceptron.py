# Lesson 01 of the course (see flambeau/course/lessons/__init__.py for the format).
# ruff: noqa: E402, F811

# %% [markdown] fr
# # Le perceptron de Rosenblatt
#
# En 1957, Frank Rosenblatt propose le **perceptron** pour la classification. C'est un neurone
# très simple : un poids $w_i$ par entrée $x_i$, un biais $b$, et une sortie qui ne vaut que
# $+1$ ou $-1$ :
#
# $$\hat{y} = sign\left(\sum_i w_i x_i + b\right) = \begin{cases} 1 & \text{si } \sum_i w_i x_i + b > 0 \\ -1 & \text{sinon} \end{cases}$$
#
# Les points où $\sum_i w_i x_i + b = 0$ forment une droite (en 2D ; un hyperplan en dimension
# $n$) : le perceptron est un **séparateur linéaire** dans l'espace d'entrée. D'un côté de la
# droite, il répond $+1$, de l'autre, $-1$.

# %% [markdown] en
# # Rosenblatt's perceptron
#
# In 1957 Frank Rosenblatt proposed the **perceptron** for classification. It is a very simple
# neuron: one weight $w_i$ per input $x_i$, a bias $b$, and an output that is only ever
# $+1$ or $-1$:
#
# $$\hat{y} = sign\left(\sum_i w_i x_i + b\right) = \begin{cases} 1 & \text{if } \sum_i w_i x_i + b > 0 \\ -1 & \text{otherwise} \end{cases}$$
#
# The points where $\sum_i w_i x_i + b = 0$ form a line (in 2-D; a hyperplane in $n$
# dimensions): the perceptron is a **linear separator** in input space. On one side of the line
# it answers $+1$, on the other $-1$.

# %% [markdown] fr
# ### À vous
#
# Écrivez la réponse du perceptron pour une entrée $x$, des poids $w$ (deux tableaux NumPy) et un
# biais $b$ ; `np.dot(w, x)` calcule $\sum_i w_i x_i$. Relisez bien la formule : que répond-il
# quand la somme vaut exactement 0 ? Remplacez `...`, puis exécutez la cellule : `check` vous dit
# si c'est juste, ou ce qui ne va pas.

# %% [markdown] en
# ### Your turn
#
# Write the perceptron's answer for an input $x$, weights $w$ (two NumPy arrays) and a bias $b$;
# `np.dot(w, x)` computes $\sum_i w_i x_i$. Read the formula carefully: what does it answer when
# the sum is exactly 0? Replace `...`, then run the cell: `check` tells you whether it is right,
# or what is wrong.

# %% tags=["exercise"]
import numpy as np

from flambeau.course import check


def perceptron(x, w, b):
    return ...  # +1 or -1


check("01-neurone", perceptron=perceptron)

# %% tags=["solution"]
import numpy as np

from flambeau.course import check


def perceptron(x, w, b):
    return 1 if np.dot(w, x) + b > 0 else -1


check("01-neurone", perceptron=perceptron)

# %% [markdown] fr
# ## La règle d'apprentissage du perceptron
#
# La fonction $sign$ est constante par morceaux : sa dérivée est nulle partout (sauf en 0, où
# elle n'existe pas). La descente du gradient ne peut donc rien en faire. Rosenblatt utilise
# une autre règle, très intuitive : on présente les exemples un par un, et
#
# - si l'exemple est bien classé ($\hat{y} = y$), on ne touche à rien ;
# - s'il est mal classé, on pousse la droite vers lui :
#   $w \leftarrow w + \eta \, y \, x$ et $b \leftarrow b + \eta \, y$.
#
# (Avec des étiquettes $\pm 1$, c'est la même chose que $w \leftarrow w + \frac{\eta}{2} (y - \hat{y}) x$.)
# Après une correction, $\sum_i w_i x_i + b$ a augmenté de $\eta (\|x\|^2 + 1)$ si $y = +1$,
# et diminué d'autant si $y = -1$ : l'exemple est « moins mal » classé.
#
# Le **théorème de convergence du perceptron** (Novikoff, 1962) garantit que, si les deux
# classes sont séparables par une droite, l'algorithme s'arrête après un nombre fini de
# corrections. flambeau en fournit une implémentation, `flambeau.perceptron.Perceptron`, qui
# garde les poids à la fin de chaque époque dans `history` pour qu'on puisse dessiner la droite.

# %% [markdown] en
# ## The perceptron learning rule
#
# The $sign$ function is piecewise constant: its derivative is zero everywhere (except at 0,
# where it does not exist), so gradient descent can do nothing with it. Rosenblatt uses another,
# very intuitive rule: the examples are presented one at a time, and
#
# - if the example is correctly classified ($\hat{y} = y$), nothing changes;
# - if it is misclassified, the line is pushed towards it:
#   $w \leftarrow w + \eta \, y \, x$ and $b \leftarrow b + \eta \, y$.
#
# (With $\pm 1$ labels this is the same as $w \leftarrow w + \frac{\eta}{2} (y - \hat{y}) x$.)
# After a correction, $\sum_i w_i x_i + b$ has grown by $\eta (\|x\|^2 + 1)$ if $y = +1$, and
# shrunk by as much if $y = -1$: the example is "less wrong".
#
# The **perceptron convergence theorem** (Novikoff, 1962) guarantees that if the two classes
# can be separated by a line, the algorithm stops after a finite number of corrections. flambeau
# provides an implementation, `flambeau.perceptron.Perceptron`, which keeps the weights at the
# end of each epoch in `history` so that we can draw the line.

# %% [markdown] fr
# ### À vous
#
# Écrivez une étape de la règle : la fonction reçoit les poids $w$, le biais $b$, un exemple
# $(x, y)$ et le pas $\eta$, et renvoie les nouveaux poids et le nouveau biais, `(w, b)`, qui
# restent les mêmes si l'exemple est bien classé.

# %% [markdown] en
# ### Your turn
#
# Write one step of the rule: the function takes the weights $w$, the bias $b$, an example
# $(x, y)$ and the learning rate $\eta$, and returns the new weights and the new bias, `(w, b)`,
# which stay the same if the example is correctly classified.

# %% tags=["exercise"]
def correction(w, b, x, y, eta):
    return ...  # the new (w, b)


check("01-correction", correction=correction)

# %% tags=["solution"]
def correction(w, b, x, y, eta):
    y_hat = 1 if np.dot(w, x) + b > 0 else -1
    if y_hat != y:  # misclassified: push the line towards the example
        w, b = w + eta * y * x, b + eta * y
    return w, b


check("01-correction", correction=correction)

# %% [markdown] fr
# ## Des données linéairement séparables
#
# On tire 40 points au hasard dans le plan, et on les étiquette selon qu'ils sont au-dessus ou
# au-dessous de la droite $0{,}5 \, x_1 + x_2 - 1 = 0$ (en laissant une petite marge vide
# autour d'elle). Ces données sont donc séparables par une droite, par construction.

# %% [markdown] en
# ## Linearly separable data
#
# We draw 40 random points in the plane and label them according to whether they lie above or
# below the line $0.5 \, x_1 + x_2 - 1 = 0$ (leaving a small empty margin around it). These data
# are therefore separable by a line, by construction.

# %%
import matplotlib.pyplot as plt
import numpy as np

from flambeau.course import tr  # prints in the lesson's language
from flambeau.perceptron import Perceptron, separating_line

rng = np.random.default_rng(2)
X = rng.uniform(-5, 5, size=(80, 2))
s = 0.5 * X[:, 0] + X[:, 1] - 1.0
keep = np.abs(s) > 0.5  # an empty margin around the true line
X, y = X[keep][:40], np.where(s[keep] > 0, 1, -1)[:40]

perceptron = Perceptron(n_features=2, lr=1.0, max_epochs=50)
perceptron.fit(X, y)
print(tr("convergé :", "converged:"), perceptron.converged, tr(" époques :", " epochs:"), perceptron.epochs)
print(tr("corrections par époque :", "updates per epoch:"), perceptron.errors)
print("w =", perceptron.weight, " b =", perceptron.bias)
print(tr("exactitude sur l'apprentissage :", "training accuracy:"), perceptron.score(X, y))

# %% [markdown] fr
# Traçons la droite à la fin de chaque époque (les points bleus sont la classe $+1$, les points
# orange la classe $-1$, comme dans le *playground* de TensorFlow). Les points entourés de noir sont
# ceux qui sont encore mal classés.

# %% [markdown] en
# Let us draw the line at the end of each epoch (blue points are class $+1$, orange points
# class $-1$, as in the TensorFlow playground). Points circled in black are still misclassified.

# %%
ORANGE, BLUE = "#f59322", "#0877bd"


def draw_epochs(model, X, y, title, max_panels=8):
    epochs = list(range(1, len(model.history)))[:max_panels]
    fig, axes = plt.subplots(1, len(epochs), figsize=(2.6 * len(epochs), 2.8), squeeze=False)
    for ax, epoch in zip(axes[0], epochs):
        w, b = model.history[epoch]
        wrong = np.where(X @ w + b > 0, 1, -1) != y
        ax.scatter(X[:, 0], X[:, 1], c=[BLUE if label > 0 else ORANGE for label in y], s=18)
        ax.scatter(X[wrong, 0], X[wrong, 1], facecolors="none", edgecolors="black", s=70)
        line = separating_line(w, b, xlim=(-6, 6), ylim=(-6, 6))
        if line is not None:
            ax.plot(*line, color="black")
        ax.set_xlim(-6, 6)
        ax.set_ylim(-6, 6)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(tr(f"époque {epoch} : {wrong.sum()} mal classé(s)", f"epoch {epoch}: {wrong.sum()} misclassified"),
                     fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()


draw_epochs(perceptron, X, y, tr("Perceptron sur des données linéairement séparables",
                                  "Perceptron on linearly separable data"))

# %% [markdown] fr
# Le perceptron a convergé : à la dernière époque, il n'a fait aucune erreur, et la droite
# sépare parfaitement les deux classes. Ce n'est pas forcément la « meilleure » droite (elle
# peut frôler certains points) : la règle s'arrête dès qu'il n'y a plus d'erreur.
#
# Attention, les deux décomptes ne mesurent pas la même chose. « Corrections par époque »
# compte les exemples mal classés **au moment où la règle les rencontre**, pendant l'époque :
# chacun déclenche une correction, qui déplace la droite. Le titre de chaque panneau compte les
# points mal classés par la droite **de la fin de l'époque**, après toutes ces corrections
# (points entourés). Une correction peut en réparer d'autres, ou en casser : c'est pourquoi les
# deux nombres diffèrent. Une époque sans aucune correction garantit, elle, que la droite
# sépare tous les points.
#
# ## L'échec sur le XOR
#
# Prenons maintenant le problème du « ou exclusif » (XOR) : quatre points, $(0, 0)$ et $(1, 1)$
# dans la classe $-1$, $(0, 1)$ et $(1, 0)$ dans la classe $+1$. Aucune droite ne peut séparer
# les deux classes : les deux points d'une même classe sont aux extrémités d'une même diagonale
# du carré.

# %% [markdown] en
# The perceptron has converged: in the last epoch it made no mistake, and the line separates the
# two classes perfectly. It is not necessarily the "best" line (it may pass close to some
# points): the rule stops as soon as there is no mistake left.
#
# Mind that the two counts do not measure the same thing. "Updates per epoch" counts the
# examples that are misclassified **when the rule meets them**, during the epoch: each one
# triggers an update that moves the line. Each panel's title counts the points misclassified by
# the line **at the end of the epoch**, after all those updates (circled points). An update can
# fix other points, or break some: that is why the two numbers differ. An epoch without any update
# guarantees that the line separates every point.
#
# ## Failure on XOR
#
# Now take the "exclusive or" (XOR) problem: four points, $(0, 0)$ and $(1, 1)$ in class $-1$,
# $(0, 1)$ and $(1, 0)$ in class $+1$. No line can separate the two classes: each class occupies one
# of the two diagonals of the square.

# %%
X_xor = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y_xor = np.array([-1, 1, 1, -1])

xor_perceptron = Perceptron(n_features=2, lr=1.0, max_epochs=20).fit(X_xor, y_xor)
print(tr("convergé :", "converged:"), xor_perceptron.converged, tr(" époques :", " epochs:"), xor_perceptron.epochs)
print(tr("corrections par époque :", "updates per epoch:"), xor_perceptron.errors)
print(tr("poids à la fin des dernières époques :", "weights at the end of the last epochs:"),
      [(w.tolist(), b) for w, b in xor_perceptron.history[-3:]])
print(tr("exactitude :", "accuracy:"), xor_perceptron.score(X_xor, y_xor))

# %%
def draw_xor(model, X, y, max_panels=8):
    epochs = list(range(1, len(model.history)))[:max_panels]
    fig, axes = plt.subplots(1, len(epochs), figsize=(2.2 * len(epochs), 2.4), squeeze=False)
    for ax, epoch in zip(axes[0], epochs):
        w, b = model.history[epoch]
        ax.scatter(X[:, 0], X[:, 1], c=[BLUE if label > 0 else ORANGE for label in y], s=60)
        line = separating_line(w, b, xlim=(-0.5, 1.5), ylim=(-0.5, 1.5))
        if line is not None:
            ax.plot(*line, color="black")
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylim(-0.5, 1.5)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(tr(f"époque {epoch} : {model.errors[epoch - 1]} corrections",
                        f"epoch {epoch}: {model.errors[epoch - 1]} updates"), fontsize=9)
    fig.suptitle(tr("Perceptron sur le XOR : aucune droite ne convient", "Perceptron on XOR: no line works"))
    fig.tight_layout()


draw_xor(xor_perceptron, X_xor, y_xor)

# %% [markdown] fr
# Le perceptron ne converge jamais : à chaque époque il corrige ses erreurs, mais chaque
# correction en crée une autre. Ici, il tourne même en rond : après quelques époques, les poids
# reviennent exactement aux mêmes valeurs à la fin de chaque époque, après 4 corrections qui
# s'annulent. Au mieux, une droite classe correctement 3 points sur 4.
#
# Ce résultat, popularisé par Minsky et Papert en 1969, a durablement refroidi l'enthousiasme
# pour les réseaux de neurones.
#
# ## Pourquoi il faut plusieurs couches
#
# Le XOR se décompose pourtant en opérations linéairement séparables :
# $x_1 \text{ XOR } x_2 = (x_1 \text{ OU } x_2) \text{ ET NON } (x_1 \text{ ET } x_2)$.
# Chacune est un perceptron. En les enchaînant sur **deux couches**, on obtient un
# perceptron multicouche qui calcule le XOR. Les poids sont choisis à la main ci-dessous :
#
# - neurone caché $h_1$ = OU : $sign(x_1 + x_2 - 0{,}5)$ ;
# - neurone caché $h_2$ = NON-ET : $sign(-x_1 - x_2 + 1{,}5)$ ;
# - sortie = ET de $h_1$ et $h_2$ (qui valent $\pm 1$) : $sign(h_1 + h_2 - 1{,}5)$.

# %% [markdown] en
# The perceptron never converges: in every epoch it corrects its mistakes, but each correction
# creates another one. Here it even goes round in circles: after a few epochs the weights are
# back to exactly the same values at the end of every epoch, after 4 corrections that cancel
# out. At best, a line gets 3 points out of 4 right.
#
# This result, made famous by Minsky and Papert in 1969, cooled the enthusiasm for neural
# networks for many years.
#
# ## Why several layers are needed
#
# Yet XOR decomposes into linearly separable operations:
# $x_1 \text{ XOR } x_2 = (x_1 \text{ OR } x_2) \text{ AND NOT } (x_1 \text{ AND } x_2)$.
# Each of them is a perceptron. Chaining them over **two layers** gives a multilayer perceptron
# that computes XOR. The weights below are chosen by hand:
#
# - hidden neuron $h_1$ = OR: $sign(x_1 + x_2 - 0.5)$;
# - hidden neuron $h_2$ = NAND: $sign(-x_1 - x_2 + 1.5)$;
# - output = AND of $h_1$ and $h_2$ (which are $\pm 1$): $sign(h_1 + h_2 - 1.5)$.

# %%
def sign(s):
    return np.where(s > 0, 1, -1)


W_hidden = np.array([[1.0, 1.0], [-1.0, -1.0]])  # one row per hidden neuron
b_hidden = np.array([-0.5, 1.5])
w_out, b_out = np.array([1.0, 1.0]), -1.5

h = sign(X_xor @ W_hidden.T + b_hidden)  # the hidden layer
y_hat = sign(h @ w_out + b_out)  # the output layer
for x, hidden, out, target in zip(X_xor, h, y_hat, y_xor):
    print(f"x = {x}  h = {hidden}  y_hat = {out:2d}  y = {target:2d}")
print(tr("perceptron à deux couches, tout est juste :", "two-layer perceptron, all correct:"), bool(np.all(y_hat == y_xor)))

# %% [markdown] fr
# La couche cachée transforme l'espace d'entrée : dans les coordonnées $(h_1, h_2)$, les deux
# classes deviennent séparables par une droite, que le neurone de sortie sait tracer.
#
# Reste un problème de taille : la règle du perceptron ne dit pas comment **apprendre** les
# poids de la couche cachée (quelle devrait être la « bonne réponse » d'un neurone caché ?),
# et la fonction $sign$ n'a pas de dérivée utile. La solution des années 80 : remplacer $sign$
# par une fonction de transfert dérivable (sigmoïde, tangente hyperbolique, puis ReLU), et
# apprendre tous les poids par **descente du gradient**, les dérivées étant calculées par
# **rétropropagation**. C'est le perceptron multicouche (MLP) de la leçon `02-mlp-relu`.

# %% [markdown] en
# The hidden layer transforms the input space: in the $(h_1, h_2)$ coordinates the two classes
# become separable by a line, which the output neuron can draw.
#
# One big problem remains: the perceptron rule does not say how to **learn** the weights of the
# hidden layer (what should the "right answer" of a hidden neuron be?), and the $sign$ function
# has no useful derivative. The answer of the 1980s: replace $sign$ by a differentiable transfer
# function (sigmoid, hyperbolic tangent, later ReLU) and learn all the weights by **gradient
# descent**, the derivatives being computed by **backpropagation**. This is the multilayer
# perceptron (MLP) of lesson `02-mlp-relu`.
