# Lesson 08 of the course (see flambeau/course/lessons/__init__.py for the format).
# The cell tagged "train-1d" is also what `flambeau example-1d` runs (flambeau/course/autograd_1d.py).
# ruff: noqa: E402, E741

# %% [markdown] fr
# # Exemple en 1D avec la différentiation automatique (autograd)
#
# Dans la leçon `07-exemple-1d`, nous avons appris le poids $w$ du modèle $\hat{y} = x \times w$
# en calculant nous-mêmes la dérivée $\frac{\partial loss}{\partial w} = 2 x (x w - y)$.
# Pour un modèle à un paramètre, c'est facile ; pour un réseau de neurones à des milliers
# (ou des milliards) de poids, c'est impossible à la main.
#
# Les bibliothèques de *deep learning* calculent ces dérivées automatiquement : c'est la
# **différentiation automatique** (*autograd*). On reprend ici le même exemple avec flambeau,
# puis on exécute **exactement le même code** avec PyTorch (c'est le notebook
# `02-pytorch-exemple-1d` du cours), pour constater qu'ils donnent les mêmes nombres.

# %% [markdown] en
# # 1-D example with automatic differentiation (autograd)
#
# In lesson `07-exemple-1d` we learnt the weight $w$ of the model $\hat{y} = x \times w$ by
# computing the derivative $\frac{\partial loss}{\partial w} = 2 x (x w - y)$ ourselves.
# With a one-parameter model that is easy; with a neural network of thousands (or billions)
# of weights it cannot be done by hand.
#
# Deep-learning libraries compute these derivatives for us: this is **automatic
# differentiation** (*autograd*). Here we take the same example with flambeau, then run
# **exactly the same code** with PyTorch (the lecture's notebook `02-pytorch-exemple-1d`)
# and check that both give the same numbers.

# %% [markdown] fr
# ## Un tenseur qui garde la trace des calculs
#
# Un tenseur créé avec `requires_grad=True` enregistre toutes les opérations faites avec lui :
# c'est le **graphe de calcul** (voir la leçon `09-backprop-graphe`). Un appel à `backward()`
# sur le résultat parcourt ce graphe à l'envers et range la dérivée dans l'attribut `.grad`.
#
# Vérifions-le sur un exemple, $x = 2$, $y = 4$, $w = 1$ : la formule de la leçon 07 donne
# $2 \times 2 \times (2 \times 1 - 4) = -8$.

# %% [markdown] en
# ## A tensor that keeps track of the computations
#
# A tensor created with `requires_grad=True` records every operation done with it: this is the
# **computational graph** (see lesson `09-backprop-graphe`). Calling `backward()` on the result
# walks that graph backwards and stores the derivative in the `.grad` attribute.
#
# Let us check it on one example, $x = 2$, $y = 4$, $w = 1$: the formula of lesson 07 gives
# $2 \times 2 \times (2 \times 1 - 4) = -8$.

# %%
import flambeau
from flambeau.course import tr  # prints in the lesson's language

w = flambeau.tensor([1.0], requires_grad=True)
l = (2.0 * w - 4.0) ** 2
l.backward()
print(tr("coût :", "loss:"), l.item(), tr(" dloss/dw par l'autograd :", " dloss/dw by autograd:"), w.grad.item(),
      tr(" à la main :", " by hand:"), 2 * 2 * (2 * 1 - 4))

# %% [markdown] fr
# ### À vous
#
# Faites calculer un gradient par l'autograd : pour le troisième exemple du cours,
# $(x, y) = (3, 6)$, avec $w = 1$, créez `w` avec `requires_grad=True`, calculez le coût
# $(x w - y)^2$, appelez `backward()`, et lisez $\partial loss / \partial w$ dans `w.grad`.
# Remplacez `...`, puis exécutez la cellule : `check` vous dit si c'est juste, ou ce qui ne va
# pas.

# %% [markdown] en
# ### Your turn
#
# Have autograd compute a gradient: for the lecture's third example, $(x, y) = (3, 6)$, with
# $w = 1$, create `w` with `requires_grad=True`, compute the loss $(x w - y)^2$, call
# `backward()`, and read $\partial loss / \partial w$ in `w.grad`. Replace `...`, then run the
# cell: `check` tells you whether it is right, or what is wrong.

# %% tags=["exercise"]
from flambeau.course import check

w = flambeau.tensor([1.0], requires_grad=True)
...  # the loss for (x, y) = (3, 6), then backward()
grad_w = ...  # read it in w.grad

check("08-gradient", grad_w=grad_w)

# %% tags=["solution"]
from flambeau.course import check

w = flambeau.tensor([1.0], requires_grad=True)
l = (3.0 * w - 6.0) ** 2
l.backward()
grad_w = w.grad.item()  # 2 x (x w - y) = 2 * 3 * (3 - 6) = -18

check("08-gradient", grad_w=grad_w)

# %% [markdown] fr
# ### À vous
#
# Faites maintenant **un** pas de descente avec ce gradient et $\alpha = 0{,}01$. La mise à jour
# ne doit pas entrer dans le graphe : on l'écrit sous `with flambeau.no_grad():`, comme dans la
# boucle ci-dessous. Que vaut $w$ après ce pas ?

# %% [markdown] en
# ### Your turn
#
# Now take **one** descent step with this gradient and $\alpha = 0.01$. The update must not enter
# the graph: it is written under `with flambeau.no_grad():`, as in the loop below. What is $w$
# after this step?

# %% tags=["exercise"]
with flambeau.no_grad():
    ...  # update w in place

check("08-un-pas", w_apres=...)  # replace ... by w.item()

# %% tags=["solution"]
w = flambeau.tensor([1.0], requires_grad=True)
l = (3.0 * w - 6.0) ** 2
l.backward()
with flambeau.no_grad():
    w -= 0.01 * w.grad  # w <- w - alpha * dloss/dw

check("08-un-pas", w_apres=w.item())

# %% [markdown] fr
# ## L'apprentissage, écrit une seule fois
#
# Voici la boucle de la leçon 07, où la fonction `gradient` a disparu : à chaque exemple,
# `l.backward()` calcule $\frac{\partial l}{\partial w}$ dans `w.grad`. Trois détails :
#
# - la mise à jour $w \leftarrow w - \alpha \, \frac{\partial l}{\partial w}$ se fait sur `w.data`,
#   pour qu'elle ne soit pas elle-même enregistrée dans le graphe ;
# - `backward()` **ajoute** le gradient à `w.grad` : il faut le remettre à zéro après chaque pas ;
# - la fonction reçoit la bibliothèque en argument (`torch`), pour que le même code serve
#   avec flambeau et avec PyTorch.

# %% [markdown] en
# ## Training, written once
#
# Here is the loop of lesson 07 without the `gradient` function: for each example,
# `l.backward()` puts $\frac{\partial l}{\partial w}$ in `w.grad`. Three details:
#
# - the update $w \leftarrow w - \alpha \, \frac{\partial l}{\partial w}$ is made on `w.data`,
#   so that it is not itself recorded in the graph;
# - `backward()` **adds** the gradient to `w.grad`: it must be set back to zero after each step;
# - the function takes the library as an argument (`torch`), so that the same code runs with
#   flambeau and with PyTorch.

# %% tags=["train-1d"]
def train_1d(torch, epochs=10, lr=0.01):
    """The lecture's 1-D example with autograd; returns the losses per epoch and the prediction for 4."""
    x_data = [1.0, 2.0, 3.0]
    y_data = [2.0, 4.0, 6.0]
    w = torch.tensor([1.0], requires_grad=True)

    def forward(x):
        return x * w

    def loss(x, y):
        y_pred = forward(x)
        return (y_pred - y) * (y_pred - y)

    print(tr("prévision avant apprentissage :", "predict (before training)"), 4, forward(4).item())
    losses = []
    for epoch in range(epochs):
        for x_val, y_val in zip(x_data, y_data):
            l = loss(x_val, y_val)
            l.backward()
            print("\tgrad: ", x_val, y_val, w.grad.item())
            w.data = w.data - lr * w.grad.data
            w.grad.data.zero_()  # gradients add up: reset before the next example
        print("progress:", epoch, l.item())
        losses.append(l.item())
    prediction = forward(4).item()
    print(tr("prévision après apprentissage :", "predict (after training)"), 4, prediction)
    return losses, prediction


# %%
losses_flambeau, prediction_flambeau = train_1d(flambeau)

# %% [markdown] fr
# Les premiers gradients sont ceux de la leçon 07 : $-2$, $-7{,}84$, $-16{,}2288$ (aux
# erreurs d'arrondi près, voir plus bas). Au bout de 10 époques, la prédiction pour $x = 4$
# est 7,80, comme dans la leçon 07.
#
# ## Le même code avec PyTorch
#
# La cellule suivante importe PyTorch et appelle **la même fonction** `train_1d`. Si PyTorch
# n'est pas installé (`pip install torch`), elle le signale simplement.

# %% [markdown] en
# The first gradients are those of lesson 07: $-2$, $-7.84$, $-16.2288$ (up to rounding
# errors, see below). After 10 epochs the prediction for $x = 4$ is 7.80, as in lesson 07.
#
# ## The same code with PyTorch
#
# The next cell imports PyTorch and calls **the same function** `train_1d`. If PyTorch is not
# installed (`pip install torch`), it just says so.

# %%
try:
    import torch
except ImportError:
    torch = None
    print(tr("PyTorch n'est pas installé : cette cellule ne fait rien.",
             "PyTorch is not installed: this cell is skipped."))

if torch is not None:
    losses_torch, prediction_torch = train_1d(torch)
    print()
    print(tr("mêmes coûts que flambeau :", "same losses as flambeau:"), losses_torch == losses_flambeau)
    print(tr("même prévision que flambeau :", "same prediction as flambeau:"), prediction_torch == prediction_flambeau)

# %% [markdown] fr
# Les deux bibliothèques donnent les mêmes nombres, au dernier chiffre près : flambeau a
# la même interface que PyTorch (`import flambeau as torch` suffit pour passer de l'une
# à l'autre), et fait les mêmes calculs.
#
# ## Pourquoi pas exactement les nombres de la leçon 07 ?
#
# Deux différences, qui n'ont rien à voir avec l'autograd :
#
# 1. les tenseurs sont en `float32` (simple précision, comme il est d'usage en *deep learning*),
#    alors que Python calcule en `float64` : $-7{,}84$ devient $-7{,}840000152587891$ ;
# 2. le coût affiché par `progress` est ici celui du dernier exemple **avant** sa mise à jour
#    (7,3159...), alors que la leçon 07 le recalculait **après** (4,9192...).
#
# La suite : la leçon `09-backprop-graphe` ouvre la boîte noire de `backward()`.

# %% [markdown] en
# Both libraries give the same numbers, down to the last digit: flambeau has PyTorch's
# interface (`import flambeau as torch` is all it takes to switch) and does the same
# computations.
#
# ## Why not exactly the numbers of lesson 07?
#
# Two differences, neither of them due to autograd:
#
# 1. tensors are `float32` (single precision, as usual in deep learning) whereas Python
#    computes in `float64`: $-7.84$ becomes $-7.840000152587891$;
# 2. the loss printed by `progress` is here the loss of the last example **before** its update
#    (7.3159...), whereas lesson 07 computed it again **after** the update (4.9192...).
#
# Next: lesson `09-backprop-graphe` opens the black box of `backward()`.
