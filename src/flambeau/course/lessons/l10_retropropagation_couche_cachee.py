# Lesson 10 of the course (see flambeau/course/lessons/__init__.py for the format).
# ruff: noqa: E402

# %% [markdown] fr
# # La rétropropagation à travers une couche cachée
#
# La leçon 09 a fait la rétropropagation sur des graphes d'une opération à la fois. Le cours
# montre aussi le cas d'un **réseau multicouche** : le gradient du coût par rapport à un poids
# de la première couche traverse toute la suite du réseau, par la règle de dérivation en chaîne.
# Faisons-le à la main, avec un nombre à chaque nœud, puis vérifions avec l'autograd de flambeau
# et avec PyTorch. Pour finir, nous dessinons les deux graphes du livre de Goodfellow que montre
# le cours : la régression logistique et une couche ReLU.

# %% [markdown] en
# # Backpropagation through a hidden layer
#
# Lesson 09 backpropagated through graphs of one operation at a time. The lecture also shows the
# case of a **multilayer network**: the gradient of the loss with respect to a weight of the
# first layer goes through the whole rest of the network, by the chain rule. Let us do it by
# hand, with a number at every node, then check it with flambeau's autograd and with PyTorch.
# Finally we draw the two graphs from Goodfellow's book that the lecture shows: logistic
# regression and a ReLU layer.

# %% [markdown] fr
# ## Le réseau et la passe avant
#
# Deux entrées, une couche cachée de deux neurones ReLU, une sortie linéaire, le coût
# quadratique :
#
# $$s = W_1 x + b_1 \qquad h = relu(s) \qquad \hat{y} = w_2 \cdot h + b_2 \qquad loss = (\hat{y} - y)^2$$
#
# avec $x = (1, 2)$, $y = 1$ et des poids choisis pour que tous les calculs tombent juste.

# %% [markdown] en
# ## The network and the forward pass
#
# Two inputs, a hidden layer of two ReLU neurons, a linear output, the quadratic loss:
#
# $$s = W_1 x + b_1 \qquad h = relu(s) \qquad \hat{y} = w_2 \cdot h + b_2 \qquad loss = (\hat{y} - y)^2$$
#
# with $x = (1, 2)$, $y = 1$ and weights chosen so that every computation comes out exact.

# %%
import numpy as np

from flambeau.course import language, tr  # prints in the lesson's language

x = np.array([1.0, 2.0])
y = 1.0
W1 = np.array([[0.5, -0.5],   # hidden neuron 1
               [1.0, 0.5]])   # hidden neuron 2
b1 = np.array([0.0, -1.0])
w2 = np.array([1.5, 2.0])
b2 = 0.5

s = W1 @ x + b1
h = np.maximum(s, 0.0)
y_hat = w2 @ h + b2
r = y_hat - y
loss = r ** 2
print(tr("passe avant :", "forward:"), f"s = {s}  h = {h}  y_hat = {y_hat}  r = y_hat - y = {r}  loss = {loss}")

# %% [markdown] fr
# Le premier neurone caché reçoit une somme négative, $s_1 = -0{,}5$ : la ReLU le met à 0.
#
# ## La passe arrière, nœud par nœud
#
# On part du coût et on remonte ; à chaque nœud, **gradient reçu × gradient local** :
#
# 1. $\frac{\partial loss}{\partial \hat{y}} = 2 (\hat{y} - y) = 2r$ ;
# 2. la sortie $\hat{y} = w_2 \cdot h + b_2$ : $\frac{\partial loss}{\partial w_2} = 2r \, h$,
#    $\frac{\partial loss}{\partial b_2} = 2r$ et, pour continuer vers la couche cachée,
#    $\frac{\partial loss}{\partial h} = 2r \, w_2$ ;
# 3. la ReLU laisse passer le gradient là où $s > 0$ et l'arrête ailleurs :
#    $\frac{\partial loss}{\partial s} = \frac{\partial loss}{\partial h} \times relu'(s)$, avec
#    $relu'(s) = 1$ si $s > 0$, 0 sinon ;
# 4. la couche $s = W_1 x + b_1$ : $\frac{\partial loss}{\partial W_1} = \frac{\partial loss}{\partial s} \, x^T$
#    (le produit d'une colonne par une ligne : chaque poids $W_{1, jk}$ reçoit le gradient de
#    son neurone $j$ fois son entrée $x_k$) et $\frac{\partial loss}{\partial b_1} = \frac{\partial loss}{\partial s}$.
#
# C'est la « règle de la chaîne » du transparent : le gradient par rapport à un poids de la
# première couche est le produit des gradients locaux sur tout le chemin qui mène au coût.

# %% [markdown] en
# The first hidden neuron gets a negative sum, $s_1 = -0.5$: the ReLU sets it to 0.
#
# ## The backward pass, node by node
#
# Start from the loss and go back; at each node, **upstream gradient × local gradient**:
#
# 1. $\frac{\partial loss}{\partial \hat{y}} = 2 (\hat{y} - y) = 2r$;
# 2. the output $\hat{y} = w_2 \cdot h + b_2$: $\frac{\partial loss}{\partial w_2} = 2r \, h$,
#    $\frac{\partial loss}{\partial b_2} = 2r$ and, to go on into the hidden layer,
#    $\frac{\partial loss}{\partial h} = 2r \, w_2$;
# 3. the ReLU lets the gradient through where $s > 0$ and stops it elsewhere:
#    $\frac{\partial loss}{\partial s} = \frac{\partial loss}{\partial h} \times relu'(s)$, with
#    $relu'(s) = 1$ if $s > 0$, 0 otherwise;
# 4. the layer $s = W_1 x + b_1$: $\frac{\partial loss}{\partial W_1} = \frac{\partial loss}{\partial s} \, x^T$
#    (an outer product: each weight $W_{1, jk}$ gets the gradient of its neuron $j$ times its input
#    $x_k$) and $\frac{\partial loss}{\partial b_1} = \frac{\partial loss}{\partial s}$.
#
# This is the slide's "chain rule": the gradient with respect to a weight of the first layer is
# the product of the local gradients along the whole path that leads to the loss.

# %%
by_hand = {}
by_hand["y_hat"] = 2 * r
by_hand["w2"] = by_hand["y_hat"] * h
by_hand["b2"] = by_hand["y_hat"]
by_hand["h"] = by_hand["y_hat"] * w2
by_hand["s"] = by_hand["h"] * (s > 0)
by_hand["W1"] = np.outer(by_hand["s"], x)
by_hand["b1"] = by_hand["s"]
for name, value in by_hand.items():
    print(f"dloss/d{name:5} = {value.tolist() if isinstance(value, np.ndarray) else value}")

# %% [markdown] fr
# Le neurone éteint par la ReLU ne reçoit aucun gradient : ses poids $W_{1, 1k}$ et $b_{1, 1}$
# ne bougeront pas à cette étape. C'est le phénomène des « neurones morts » quand une ReLU reste
# éteinte sur tous les exemples.
#
# ### À vous
#
# Même réseau, mais avec l'entrée $x = (1, 3)$ (le reste ne change pas). Calculez
# $\frac{\partial loss}{\partial W_1}$, une matrice $2 \times 2$ (une ligne par neurone caché).

# %% [markdown] en
# The neuron switched off by the ReLU gets no gradient: its weights $W_{1, 1k}$ and $b_{1, 1}$
# will not move at this step. This is the "dead neuron" phenomenon when a ReLU stays off on every
# example.
#
# ### Your turn
#
# The same network, but with the input $x = (1, 3)$ (nothing else changes). Compute
# $\frac{\partial loss}{\partial W_1}$, a $2 \times 2$ matrix (one row per hidden neuron).

# %% tags=["exercise"]
from flambeau.course import check

dloss_dW1 = ...  # a 2 x 2 array
check("10-couche-cachee", dloss_dW1=dloss_dW1)

# %% tags=["solution"]
from flambeau.course import check

x2 = np.array([1.0, 3.0])
s2 = W1 @ x2 + b1  # [-1, 1.5]: the first neuron is off again
h2 = np.maximum(s2, 0.0)
r2 = w2 @ h2 + b2 - y  # 2.5
dloss_ds2 = 2 * r2 * w2 * (s2 > 0)
dloss_dW1 = np.outer(dloss_ds2, x2)
check("10-couche-cachee", dloss_dW1=dloss_dW1)

# %% [markdown] fr
# ## La même chose avec l'autograd, puis avec PyTorch
#
# On écrit seulement la passe avant, avec des tenseurs (en `float64`, pour comparer au dernier
# chiffre près), et `loss.backward()` fait tout le reste. `retain_grad()` garde les gradients des
# nœuds intermédiaires $\hat{y}$, $h$ et $s$. La fonction reçoit la bibliothèque en argument :
# le même code tourne avec flambeau et avec PyTorch.

# %% [markdown] en
# ## The same with autograd, then with PyTorch
#
# We only write the forward pass, with tensors (in `float64`, to compare to the last digit), and
# `loss.backward()` does all the rest. `retain_grad()` keeps the gradients of the intermediate
# nodes $\hat{y}$, $h$ and $s$. The function takes the library as an argument: the same code runs
# with flambeau and with PyTorch.

# %%
import flambeau


def gradients(torch):
    """Every gradient of the network, computed by the autograd of ``torch``."""
    t = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True)
         for name, value in (("W1", W1), ("b1", b1), ("w2", w2), ("b2", b2))}
    xt = torch.tensor(x, dtype=torch.float64)
    t["s"] = t["W1"] @ xt + t["b1"]
    t["h"] = torch.relu(t["s"])
    t["y_hat"] = t["w2"] @ t["h"] + t["b2"]
    loss = (t["y_hat"] - y) ** 2
    for name in ("s", "h", "y_hat"):
        t[name].retain_grad()
    loss.backward()
    return {name: t[name].grad.numpy() for name in by_hand}


with_flambeau = gradients(flambeau)
for name in by_hand:
    print(f"dloss/d{name:5} {tr('autograd :', 'autograd:')} {with_flambeau[name].tolist()}")
print(tr("à la main == autograd de flambeau :", "by hand == flambeau's autograd:"),
      all(np.array_equal(by_hand[n], with_flambeau[n]) for n in by_hand))
try:
    import torch
except ImportError:
    torch = None
    print(tr("PyTorch n'est pas installé : comparaison sautée.", "PyTorch is not installed: comparison skipped."))
if torch is not None:
    with_torch = gradients(torch)
    print(tr("flambeau == PyTorch :", "flambeau == PyTorch:"),
          all(np.array_equal(with_torch[n], with_flambeau[n]) for n in by_hand))

# %% [markdown] fr
# ## Les graphes du cours : régression logistique et couche ReLU
#
# Le cours montre, d'après le livre de Goodfellow, deux calculs dessinés comme des graphes :
#
# - la **régression logistique**, $\hat{y} = \sigma(x^T w + b)$ : un produit scalaire, une
#   addition, une sigmoïde ;
# - une **couche ReLU**, $H = relu(X W + b)$ : un produit de matrices (tout un lot
#   d'exemples $X$ à la fois), l'ajout du biais, la ReLU.
#
# ### À vous
#
# Avant de les dessiner : pour la régression logistique, avec $z = x^T w + b$ et
# $\hat{y} = \sigma(z)$, écrivez la fonction `grad_w(x, w, b)` qui renvoie
# $\frac{\partial \hat{y}}{\partial w}$ (un vecteur, comme $w$), en multipliant les gradients
# locaux le long du chemin. Le gradient local de la sigmoïde est
# $\sigma'(z) = \sigma(z) (1 - \sigma(z))$.

# %% [markdown] en
# ## The lecture's graphs: logistic regression and a ReLU layer
#
# After Goodfellow's book, the lecture shows two computations drawn as graphs:
#
# - **logistic regression**, $\hat{y} = \sigma(x^T w + b)$: a dot product, an addition, a
#   sigmoid;
# - a **ReLU layer**, $H = relu(X W + b)$: a matrix product (a whole batch of examples $X$ at
#   once), adding the bias, the ReLU.
#
# ### Your turn
#
# Before drawing them: for logistic regression, with $z = x^T w + b$ and $\hat{y} = \sigma(z)$,
# write the function `grad_w(x, w, b)` returning $\frac{\partial \hat{y}}{\partial w}$ (a vector,
# like $w$), by multiplying the local gradients along the path. The local gradient of the sigmoid
# is $\sigma'(z) = \sigma(z) (1 - \sigma(z))$.

# %% tags=["exercise"]
def grad_w(x, w, b):
    return ...  # d y_hat / d w, for y_hat = sigmoid(x . w + b)


check("10-logistique", grad_w=grad_w)

# %% tags=["solution"]
def grad_w(x, w, b):
    z = np.dot(x, w) + b
    y_hat = 1 / (1 + np.exp(-z))
    return y_hat * (1 - y_hat) * x  # sigmoid'(z) * dz/dw, and dz/dw = x


check("10-logistique", grad_w=grad_w)

# %% [markdown] fr
# Voici les graphes que `draw_graph` dessine pour ces deux calculs, après la passe arrière, avec
# sur chaque flèche le gradient local. Dans le premier, $x = (1, 2)$, $w = (0{,}5 ; -0{,}25)$ et
# $b = 0{,}25$ : la boîte de $w$ montre le gradient que votre fonction donne pour ces valeurs.

# %% [markdown] en
# Here are the graphs `draw_graph` draws for these two computations, after the backward pass,
# with the local gradient on each arrow. In the first one $x = (1, 2)$, $w = (0.5, -0.25)$ and
# $b = 0.25$: the box of $w$ shows the gradient your function gives for these values.

# %%
from flambeau.viz import draw_graph

try:
    from IPython.display import display
except ImportError:  # outside Jupyter
    display = print

xl = flambeau.tensor([1.0, 2.0], requires_grad=True)  # for the drawing to show x, not a "constant"
w = flambeau.tensor([0.5, -0.25], requires_grad=True)
b = flambeau.tensor(0.25, requires_grad=True)
z = xl @ w + b
y_hat_l = flambeau.sigmoid(z)
y_hat_l.backward(retain_graph=True)
logistic = draw_graph(y_hat_l, labels={"x": xl, "w": w, "b": b, "z": z, "y_hat": y_hat_l}, lang=language())
logistic.save("regression-logistique.svg")
display(logistic)

X = flambeau.tensor([[1.0, 2.0], [-1.0, 0.5]], requires_grad=True)  # for the drawing to show it
W = flambeau.tensor([[0.5, -1.0], [0.25, 0.5]], requires_grad=True)
bias = flambeau.tensor([0.0, 0.5], requires_grad=True)
H = flambeau.relu(X @ W + bias)
H.sum().backward(retain_graph=True)
layer = draw_graph(H, labels={"X": X, "W": W, "b": bias, "H": H}, lang=language())
layer.save("couche-relu.svg")
display(layer)
print("H =", H.tolist())

# %% [markdown] fr
# ## À retenir
#
# - Dans un réseau multicouche, le gradient par rapport à un poids d'une couche cachée est le
#   produit des gradients locaux le long du chemin jusqu'au coût (règle de la chaîne).
# - La couche $s = W x + b$ transmet $\frac{\partial loss}{\partial W} = \frac{\partial loss}{\partial s} \, x^T$ ;
#   la ReLU laisse passer le gradient des neurones actifs et arrête celui des autres.
# - L'autograd de flambeau et celui de PyTorch trouvent exactement les gradients calculés à la
#   main, nœud par nœud.

# %% [markdown] en
# ## Key points
#
# - In a multilayer network, the gradient with respect to a weight of a hidden layer is the
#   product of the local gradients along the path to the loss (chain rule).
# - The layer $s = W x + b$ passes on $\frac{\partial loss}{\partial W} = \frac{\partial loss}{\partial s} \, x^T$;
#   the ReLU lets the gradient of the active neurons through and stops that of the others.
# - flambeau's autograd and PyTorch's find exactly the gradients computed by hand, node by node.
