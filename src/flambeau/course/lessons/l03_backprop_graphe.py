# Lesson 03 of the course (see flambeau/course/lessons/__init__.py for the format).
# ruff: noqa: E402

# %% [markdown] fr
# # La rétropropagation du gradient sur un graphe de calcul
#
# Dans la leçon 02, un simple appel à `backward()` calculait la dérivée du coût par rapport
# au poids $w$. Comment ? En appliquant la **règle de dérivation en chaîne** (*chain rule*)
# sur le **graphe de calcul**, c'est-à-dire le dessin des opérations qui mènent des entrées
# au coût.
#
# Chaque nœud du graphe est une opération simple, $z = f(x, y)$, dont on connaît les
# **gradients locaux** $\frac{\partial z}{\partial x}$ et $\frac{\partial z}{\partial y}$. Pendant la
# **passe arrière** (*backward*), le nœud reçoit d'en haut le gradient du coût par rapport à sa
# sortie, $\frac{\partial L}{\partial z}$, et il transmet à ses entrées
#
# $$\frac{\partial L}{\partial x} = \frac{\partial L}{\partial z} \, \frac{\partial z}{\partial x} \qquad \frac{\partial L}{\partial y} = \frac{\partial L}{\partial z} \, \frac{\partial z}{\partial y}$$
#
# (gradient venu d'en haut × gradient local). En partant du coût et en remontant le graphe nœud
# par nœud, on obtient la dérivée du coût par rapport à chaque poids : c'est la
# **rétropropagation du gradient**. Nous allons refaire les exemples du cours et dessiner les
# graphes avec `flambeau.viz.draw_graph`, d'abord avec les valeurs de la **passe avant**
# (*forward*), puis avec les gradients.

# %% [markdown] en
# # Backpropagation on a computational graph
#
# In lesson 02 a single call to `backward()` computed the derivative of the loss with respect
# to the weight $w$. How? By applying the **chain rule** on the **computational graph**, the
# drawing of the operations that lead from the inputs to the loss.
#
# Each node of the graph is a simple operation, $z = f(x, y)$, whose **local gradients**
# $\frac{\partial z}{\partial x}$ and $\frac{\partial z}{\partial y}$ are known. During the
# **backward pass** the node receives from above the gradient of the loss with respect to its
# output, $\frac{\partial L}{\partial z}$, and passes on to its inputs
#
# $$\frac{\partial L}{\partial x} = \frac{\partial L}{\partial z} \, \frac{\partial z}{\partial x} \qquad \frac{\partial L}{\partial y} = \frac{\partial L}{\partial z} \, \frac{\partial z}{\partial y}$$
#
# (gradient from above × local gradient). Starting from the loss and going back through the
# graph node by node gives the derivative of the loss with respect to every weight: this is
# **backpropagation**. We redo the lecture's examples and draw the graphs with
# `flambeau.viz.draw_graph`, first with the values of the **forward pass**, then with the
# gradients.

# %% [markdown] fr
# Les dessins sont enregistrés dans le dossier `graphes/`, au format DOT de Graphviz (toujours)
# et en SVG (si le programme `dot` de Graphviz est installé) ; dans Jupyter, ils s'affichent
# aussi directement.

# %% [markdown] en
# The drawings are saved in the folder `graphes/`, in Graphviz's DOT format (always) and as SVG
# (when Graphviz's `dot` program is installed); in Jupyter they are also shown directly.

# %%
from pathlib import Path

import flambeau as torch
from flambeau.viz import draw_graph
from flambeau.viz.graph import find_dot

try:
    from IPython.display import display
except ImportError:  # outside Jupyter
    display = print

Path("graphes").mkdir(exist_ok=True)


def show(graph, name):
    """Save the drawing as DOT (and SVG when Graphviz is there), then show it."""
    graph.save(f"graphes/{name}.dot")
    if find_dot() is not None:
        graph.save(f"graphes/{name}.svg")
    display(graph)

# %% [markdown] fr
# ## Premier exemple : un nœud « produit »
#
# $z = x \times y$, avec $x = 2$ et $y = 3$. La passe avant donne $z = 6$.

# %% [markdown] en
# ## First example: a "product" node
#
# $z = x \times y$, with $x = 2$ and $y = 3$. The forward pass gives $z = 6$.

# %%
x = torch.tensor(2.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
z = x * y
print("forward:  x =", x.item(), " y =", y.item(), " z = x * y =", z.item())
show(draw_graph(z, grads=False, labels={"x": x, "y": y, "z": z}), "produit-1-avant")

# %% [markdown] fr
# Pour la passe arrière, le cours suppose que $z$ est utilisé plus loin dans le calcul d'un coût
# $L$, et que le gradient qui arrive d'en haut est $\frac{\partial L}{\partial z} = 5$. Les
# gradients locaux du produit sont $\frac{\partial z}{\partial x} = y = 3$ et
# $\frac{\partial z}{\partial y} = x = 2$, d'où
#
# $$\frac{\partial L}{\partial x} = 5 \times 3 = 15 \qquad \frac{\partial L}{\partial y} = 5 \times 2 = 10$$
#
# Avec l'autograd, on donne ce gradient d'en haut à `backward` : `z.backward(torch.tensor(5.0))`.
# Pour pouvoir encore dessiner le graphe après la passe arrière, on demande de le conserver
# (`retain_graph=True`), et `z.retain_grad()` garde le gradient de $z$, qui n'est pas une feuille
# du graphe.

# %% [markdown] en
# For the backward pass, the lecture assumes that $z$ is used further on to compute a loss $L$,
# and that the gradient coming from above is $\frac{\partial L}{\partial z} = 5$. The local
# gradients of the product are $\frac{\partial z}{\partial x} = y = 3$ and
# $\frac{\partial z}{\partial y} = x = 2$, hence
#
# $$\frac{\partial L}{\partial x} = 5 \times 3 = 15 \qquad \frac{\partial L}{\partial y} = 5 \times 2 = 10$$
#
# With autograd, this gradient from above is given to `backward`: `z.backward(torch.tensor(5.0))`.
# To be able to draw the graph after the backward pass, we ask to keep it (`retain_graph=True`),
# and `z.retain_grad()` keeps the gradient of $z$, which is not a leaf of the graph.

# %%
z.retain_grad()
z.backward(torch.tensor(5.0), retain_graph=True)
print("backward: dL/dz =", z.grad.item(), "(given)")
print("          dL/dx = dL/dz * y =", z.grad.item(), "*", y.item(), "=", z.grad.item() * y.item(),
      "  autograd:", x.grad.item())
print("          dL/dy = dL/dz * x =", z.grad.item(), "*", x.item(), "=", z.grad.item() * x.item(),
      "  autograd:", y.grad.item())
show(draw_graph(z, labels={"x": x, "y": y, "z": z}), "produit-2-apres")

# %% [markdown] fr
# ## Deuxième exemple : le graphe du coût du modèle linéaire
#
# Reprenons le modèle des leçons 01 et 02, $\hat{y} = x \times w$, avec le coût
# $loss = (\hat{y} - y)^2$. On le découpe en opérations élémentaires :
#
# $$\hat{y} = x \times w \qquad s = \hat{y} - y \qquad loss = s^2$$
#
# Passe avant avec le premier exemple, $x = 1$, $y = 2$, et le poids initial $w = 1$ :
# $\hat{y} = 1$, $s = -1$, $loss = 1$.
#
# Seul le gradient par rapport à $w$ sert à l'apprentissage ; $x$ et $y$ sont des données.
# On crée quand même $x$ et $y$ avec `requires_grad=True`, pour que le dessin montre leurs
# valeurs (et, au passage, leurs gradients).

# %% [markdown] en
# ## Second example: the graph of the linear model's loss
#
# Back to the model of lessons 01 and 02, $\hat{y} = x \times w$, with the loss
# $loss = (\hat{y} - y)^2$. We cut it into elementary operations:
#
# $$\hat{y} = x \times w \qquad s = \hat{y} - y \qquad loss = s^2$$
#
# Forward pass with the first example, $x = 1$, $y = 2$, and the initial weight $w = 1$:
# $\hat{y} = 1$, $s = -1$, $loss = 1$.
#
# Only the gradient with respect to $w$ is used for learning; $x$ and $y$ are data. We still
# create $x$ and $y$ with `requires_grad=True`, so that the drawing shows their values (and, on
# the way, their gradients).

# %%
x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(2.0, requires_grad=True)
w = torch.tensor(1.0, requires_grad=True)
y_hat = x * w
s = y_hat - y
loss = s ** 2
names = {"x": x, "y": y, "w": w, "y_hat": y_hat, "s": s, "loss": loss}
print("forward:  y_hat = x * w =", y_hat.item(), "  s = y_hat - y =", s.item(), "  loss = s^2 =", loss.item())
show(draw_graph(loss, grads=False, labels=names), "perte-0-avant")

# %% [markdown] fr
# ## La passe arrière, nœud par nœud
#
# Faisons la rétropropagation à la main, comme sur les transparents : on part du coût
# ($\frac{\partial loss}{\partial loss} = 1$) et on remonte, en multipliant à chaque nœud le
# gradient venu d'en haut par le gradient local :
#
# 1. $\frac{\partial loss}{\partial s} = 2s = -2$ (nœud « carré ») ;
# 2. $\frac{\partial loss}{\partial \hat{y}} = \frac{\partial loss}{\partial s} \frac{\partial s}{\partial \hat{y}} = -2 \times 1 = -2$
#    et $\frac{\partial loss}{\partial y} = \frac{\partial loss}{\partial s} \frac{\partial s}{\partial y} = -2 \times (-1) = 2$ (nœud « soustraction ») ;
# 3. $\frac{\partial loss}{\partial w} = \frac{\partial loss}{\partial \hat{y}} \frac{\partial \hat{y}}{\partial w} = -2 \times x = -2$
#    et $\frac{\partial loss}{\partial x} = \frac{\partial loss}{\partial \hat{y}} \times w = -2$ (nœud « produit »).
#
# À chaque étape, on range le gradient calculé dans l'attribut `.grad` du tenseur
# correspondant (là où `backward` le mettrait), puis on redessine le graphe.

# %% [markdown] en
# ## The backward pass, node by node
#
# Let us backpropagate by hand, as on the slides: start from the loss
# ($\frac{\partial loss}{\partial loss} = 1$) and go back, multiplying at each node the gradient
# from above by the local gradient:
#
# 1. $\frac{\partial loss}{\partial s} = 2s = -2$ ("square" node);
# 2. $\frac{\partial loss}{\partial \hat{y}} = \frac{\partial loss}{\partial s} \frac{\partial s}{\partial \hat{y}} = -2 \times 1 = -2$
#    and $\frac{\partial loss}{\partial y} = \frac{\partial loss}{\partial s} \frac{\partial s}{\partial y} = -2 \times (-1) = 2$ ("subtraction" node);
# 3. $\frac{\partial loss}{\partial w} = \frac{\partial loss}{\partial \hat{y}} \frac{\partial \hat{y}}{\partial w} = -2 \times x = -2$
#    and $\frac{\partial loss}{\partial x} = \frac{\partial loss}{\partial \hat{y}} \times w = -2$ ("product" node).
#
# At each step we store the computed gradient in the `.grad` attribute of the matching tensor
# (where `backward` would put it), then draw the graph again.

# %%
by_hand = {}


def step(number, gradients):
    """Store this step's gradients in .grad, print them, and draw the graph again."""
    for name, (formula, value) in gradients.items():
        by_hand[name] = value
        names[name].grad = torch.tensor(value)
        print(f"step {number}: dloss/d{name} = {formula} = {value}")
    show(draw_graph(loss, labels=names), f"perte-{number}")


step(1, {"loss": ("1 (start)", 1.0)})
step(2, {"s": (f"2 * s = 2 * {s.item()}", 2 * s.item() * by_hand["loss"])})
step(3, {"y_hat": (f"dloss/ds * 1 = {by_hand['s']} * 1", by_hand["s"] * 1.0),
         "y": (f"dloss/ds * (-1) = {by_hand['s']} * (-1)", by_hand["s"] * -1.0)})
step(4, {"w": (f"dloss/dy_hat * x = {by_hand['y_hat']} * {x.item()}", by_hand["y_hat"] * x.item()),
         "x": (f"dloss/dy_hat * w = {by_hand['y_hat']} * {w.item()}", by_hand["y_hat"] * w.item())})

# %% [markdown] fr
# ## La même chose avec l'autograd
#
# Recommençons avec des tenseurs neufs, et laissons `backward()` faire tout le travail.
# `retain_grad()` demande de garder les gradients des nœuds intermédiaires ($\hat{y}$, $s$ et
# $loss$), que l'autograd oublie d'habitude pour économiser la mémoire.

# %% [markdown] en
# ## The same with autograd
#
# Let us start again with fresh tensors and let `backward()` do all the work. `retain_grad()`
# asks to keep the gradients of the intermediate nodes ($\hat{y}$, $s$ and $loss$), which
# autograd usually forgets to save memory.

# %%
x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(2.0, requires_grad=True)
w = torch.tensor(1.0, requires_grad=True)
y_hat = x * w
s = y_hat - y
loss = s ** 2
names = {"x": x, "y": y, "w": w, "y_hat": y_hat, "s": s, "loss": loss}
for t in (y_hat, s, loss):
    t.retain_grad()
loss.backward(retain_graph=True)

for name in ("loss", "s", "y_hat", "y", "w", "x"):
    print(f"dloss/d{name:5} by hand {by_hand[name]:5}   autograd {names[name].grad.item():5}")
print("same gradients:", all(by_hand[n] == names[n].grad.item() for n in by_hand))
show(draw_graph(loss, labels=names), "perte-autograd")

# %% [markdown] fr
# L'autograd trouve exactement les gradients calculés à la main. En particulier,
# $\frac{\partial loss}{\partial w} = -2$ : c'est le premier gradient affiché par l'exemple de la
# leçon 01, `grad: 1.0 2.0 -2.0`.
#
# ## À retenir
#
# - Le **graphe de calcul** décompose le calcul du coût en opérations simples ; la passe avant
#   calcule les valeurs de tous les nœuds.
# - La **passe arrière** remonte le graphe depuis le coût ; chaque nœud multiplie le gradient
#   venu d'en haut par son gradient local (la règle de dérivation en chaîne).
# - Un seul parcours arrière donne le gradient du coût par rapport à **tous** les poids à la fois :
#   c'est ce qui rend possible l'apprentissage de réseaux à des millions de poids.
# - Au-delà de ces exemples, le même principe vaut pour une régression logistique,
#   $\hat{y} = \sigma(x^T w + b)$, ou une couche de réseau, $H = relu(XW + b)$ : essayez de les
#   dessiner avec `draw_graph` !

# %% [markdown] en
# Autograd finds exactly the gradients computed by hand. In particular,
# $\frac{\partial loss}{\partial w} = -2$: this is the first gradient printed by the example of
# lesson 01, `grad: 1.0 2.0 -2.0`.
#
# ## Key points
#
# - The **computational graph** breaks the computation of the loss into simple operations; the
#   forward pass computes the values of all the nodes.
# - The **backward pass** goes back through the graph from the loss; each node multiplies the
#   gradient from above by its local gradient (the chain rule).
# - A single backward pass gives the gradient of the loss with respect to **all** the weights at
#   once: this is what makes it possible to train networks with millions of weights.
# - Beyond these examples, the same principle holds for a logistic regression,
#   $\hat{y} = \sigma(x^T w + b)$, or a network layer, $H = relu(XW + b)$: try drawing them with
#   `draw_graph`!
