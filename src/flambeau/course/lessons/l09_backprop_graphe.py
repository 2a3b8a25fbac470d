# Lesson 09 of the course (see flambeau/course/lessons/__init__.py for the format).
# ruff: noqa: E402

# %% [markdown] fr
# # La rétropropagation du gradient sur un graphe de calcul
#
# Dans la leçon 08, un simple appel à `backward()` calculait la dérivée du coût par rapport
# au poids $w$. Comment ? En appliquant la **règle de dérivation en chaîne** (*chain rule*)
# sur le **graphe de calcul**, c'est-à-dire le dessin des opérations qui mènent des entrées
# au coût.
#
# Chaque nœud du graphe est une opération simple, $z = f(x, y)$, dont on connaît les
# **gradients locaux** $\frac{\partial z}{\partial x}$ et $\frac{\partial z}{\partial y}$. Pendant la
# **passe arrière** (*backward*), le nœud reçoit du nœud suivant le gradient du coût par rapport
# à sa sortie, $\frac{\partial L}{\partial z}$ (le **gradient reçu**), et il transmet à ses entrées
#
# $$\frac{\partial L}{\partial x} = \frac{\partial L}{\partial z} \, \frac{\partial z}{\partial x} \qquad \frac{\partial L}{\partial y} = \frac{\partial L}{\partial z} \, \frac{\partial z}{\partial y}$$
#
# (gradient reçu × gradient local). En partant du coût et en remontant le graphe nœud
# par nœud, on obtient la dérivée du coût par rapport à chaque poids : c'est la
# **rétropropagation du gradient**. Nous allons refaire les exemples du cours et dessiner les
# graphes avec `flambeau.viz.draw_graph`, d'abord avec les valeurs de la **passe avant**
# (*forward*), puis avec les gradients.

# %% [markdown] en
# # Backpropagation on a computational graph
#
# In lesson 08 a single call to `backward()` computed the derivative of the loss with respect
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
# Les dessins reprennent les conventions des transparents : chaque opération est écrite avec son
# symbole (×, −, ²...), chaque tenseur montre sa valeur puis, après la passe arrière, son
# gradient, et chaque flèche porte le **gradient local** de l'opération par rapport à cette
# entrée. Ils sont enregistrés dans le dossier `graphes/`, en SVG (dessinés par flambeau
# lui-même : rien à installer) et au format DOT de Graphviz ; dans Jupyter, ils s'affichent
# directement.

# %% [markdown] en
# The drawings follow the slides' conventions: each operation is written with its symbol
# (×, −, ²...), each tensor shows its value and, after the backward pass, its gradient, and each
# arrow carries the **local gradient** of the operation with respect to that input. They are
# saved in the folder `graphes/`, as SVG (drawn by flambeau itself: nothing to install) and in
# Graphviz's DOT format; in Jupyter they are shown directly.

# %%
from pathlib import Path

import flambeau as torch
from flambeau.course import language, tr  # prints in the lesson's language
from flambeau.viz import draw_graph

try:
    from IPython.display import display
except ImportError:  # outside Jupyter
    display = print

Path("graphes").mkdir(exist_ok=True)
LANG = language()  # the words in the boxes: valeur / gradient, or value / grad


def show(graph, name):
    """Save the drawing as SVG and DOT, then show it."""
    graph.save(f"graphes/{name}.svg")
    graph.save(f"graphes/{name}.dot")
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
print(tr("passe avant :", "forward: "), "x =", x.item(), " y =", y.item(), " z = x * y =", z.item())
show(draw_graph(z, lang=LANG, grads=False, labels={"x": x, "y": y, "z": z}), "produit-1-avant")

# %% [markdown] fr
# Pour la passe arrière, le cours suppose que $z$ est utilisé plus loin dans le calcul d'un coût
# $L$, et que le gradient reçu par le nœud est $\frac{\partial L}{\partial z} = 5$. Les
# gradients locaux du produit sont $\frac{\partial z}{\partial x} = y = 3$ et
# $\frac{\partial z}{\partial y} = x = 2$, d'où
#
# $$\frac{\partial L}{\partial x} = 5 \times 3 = 15 \qquad \frac{\partial L}{\partial y} = 5 \times 2 = 10$$
#
# Avec l'autograd, on donne ce gradient reçu à `backward` : `z.backward(torch.tensor(5.0))`.
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
print(tr("passe arrière :", "backward:"), "dL/dz =", z.grad.item(), tr("(donné)", "(given)"))
print("          dL/dx = dL/dz * y =", z.grad.item(), "*", y.item(), "=", z.grad.item() * y.item(),
      tr("  autograd :", "  autograd:"), x.grad.item())
print("          dL/dy = dL/dz * x =", z.grad.item(), "*", x.item(), "=", z.grad.item() * x.item(),
      tr("  autograd :", "  autograd:"), y.grad.item())
show(draw_graph(z, lang=LANG, labels={"x": x, "y": y, "z": z}), "produit-2-apres")

# %% [markdown] fr
# ### À vous
#
# Le même nœud produit, avec le gradient reçu $\frac{\partial L}{\partial z} = 5$, $x = 2$ et
# $y = 3$ : retrouvez $\frac{\partial L}{\partial x}$ et $\frac{\partial L}{\partial y}$ sans
# regarder ce qui précède (gradient reçu × gradient local).

# %% [markdown] en
# ### Your turn
#
# The same product node, with the upstream gradient $\frac{\partial L}{\partial z} = 5$ and
# $x = 2$, $y = 3$: find $\frac{\partial L}{\partial x}$ and $\frac{\partial L}{\partial y}$
# without looking above (upstream gradient × local gradient).

# %% tags=["exercise"]
from flambeau.course import check

dL_dx = ...
dL_dy = ...
check("09-produit", dL_dx=dL_dx, dL_dy=dL_dy)

# %% tags=["solution"]
from flambeau.course import check

dL_dx = 5.0 * 3.0  # dL/dz * dz/dx, and dz/dx = y
dL_dy = 5.0 * 2.0  # dL/dz * dz/dy, and dz/dy = x
check("09-produit", dL_dx=dL_dx, dL_dy=dL_dy)

# %% [markdown] fr
# ## Deuxième exemple : le graphe du coût du modèle linéaire
#
# Reprenons le modèle des leçons 07 et 08, $\hat{y} = x \times w$, avec le coût
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
# Back to the model of lessons 07 and 08, $\hat{y} = x \times w$, with the loss
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
print(tr("passe avant :", "forward: "), "y_hat = x * w =", y_hat.item(), "  s = y_hat - y =", s.item(), "  loss = s^2 =", loss.item())
show(draw_graph(loss, lang=LANG, grads=False, labels=names), "perte-0-avant")

# %% [markdown] fr
# ## La passe arrière, nœud par nœud
#
# Faisons la rétropropagation à la main, comme sur les transparents : on part du coût
# ($\frac{\partial loss}{\partial loss} = 1$) et on remonte, en multipliant à chaque nœud le
# gradient reçu par le gradient local :
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
        print(f"{tr('étape', 'step')} {number}{tr(' :', ':')} dloss/d{name} = {formula} = {value}")
    show(draw_graph(loss, lang=LANG, labels=names), f"perte-{number}")


step(1, {"loss": (tr("1 (départ)", "1 (start)"), 1.0)})
step(2, {"s": (f"2 * s = 2 * {s.item()}", 2 * s.item() * by_hand["loss"])})
step(3, {"y_hat": (f"dloss/ds * 1 = {by_hand['s']} * 1", by_hand["s"] * 1.0),
         "y": (f"dloss/ds * (-1) = {by_hand['s']} * (-1)", by_hand["s"] * -1.0)})
step(4, {"w": (f"dloss/dy_hat * x = {by_hand['y_hat']} * {x.item()}", by_hand["y_hat"] * x.item()),
         "x": (f"dloss/dy_hat * w = {by_hand['y_hat']} * {w.item()}", by_hand["y_hat"] * w.item())})

# %% [markdown] fr
# ## La même chose avec l'autograd
#
# Recommençons avec des tenseurs neufs (sans gradients déjà calculés), et laissons `backward()`
# faire tout le travail.
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
    print(f"dloss/d{name:5} {tr('à la main', 'by hand')} {by_hand[name]:5}   autograd {names[name].grad.item():5}")
print(tr("mêmes gradients :", "same gradients:"), all(by_hand[n] == names[n].grad.item() for n in by_hand))
show(draw_graph(loss, lang=LANG, labels=names), "perte-autograd")

# %% [markdown] fr
# La même passe arrière, dessinée dans son sens : les flèches vont du coût vers les poids, comme
# le gradient. Sur chaque flèche, le gradient local ; dans chaque boîte, le gradient obtenu en
# multipliant le gradient reçu par ce gradient local.

# %% [markdown] en
# The same backward pass, drawn in its own direction: the arrows go from the loss to the weights,
# as the gradient does. On each arrow, the local gradient; in each box, the gradient obtained by
# multiplying the upstream gradient by that local gradient.

# %%
show(draw_graph(loss, lang=LANG, labels=names, backward=True), "perte-retour")

# %% [markdown] fr
# ### À vous
#
# Refaites la passe arrière de ce graphe à la main avec un autre exemple : $x = 2$, $y = 3$,
# toujours $w = 1$. Que valent $\frac{\partial loss}{\partial s}$ et
# $\frac{\partial loss}{\partial w}$ ? (Vous pouvez vérifier ensuite avec l'autograd.)

# %% [markdown] en
# ### Your turn
#
# Redo the backward pass of this graph by hand with another example: $x = 2$, $y = 3$, still
# $w = 1$. What are $\frac{\partial loss}{\partial s}$ and $\frac{\partial loss}{\partial w}$?
# (You can check with autograd afterwards.)

# %% tags=["exercise"]
dloss_ds = ...
dloss_dw = ...
check("09-perte", dloss_ds=dloss_ds, dloss_dw=dloss_dw)

# %% tags=["solution"]
s_value = 2.0 * 1.0 - 3.0  # y_hat - y = -1
dloss_ds = 2 * s_value  # the square node: -2
dloss_dw = dloss_ds * 1.0 * 2.0  # the - node passes it on (x 1), the x node multiplies by x = 2
check("09-perte", dloss_ds=dloss_ds, dloss_dw=dloss_dw)

# %% [markdown] fr
# L'autograd trouve exactement les gradients calculés à la main. En particulier,
# $\frac{\partial loss}{\partial w} = -2$ : c'est le premier gradient affiché par l'exemple de la
# leçon 07, `grad: 1.0 2.0 -2.0`.
#
# ## À retenir
#
# - Le **graphe de calcul** décompose le calcul du coût en opérations simples ; la passe avant
#   calcule les valeurs de tous les nœuds.
# - La **passe arrière** remonte le graphe depuis le coût ; chaque nœud multiplie le gradient
#   reçu par son gradient local (la règle de dérivation en chaîne).
# - Un seul parcours arrière donne le gradient du coût par rapport à **tous** les poids à la fois :
#   c'est ce qui rend possible l'apprentissage de réseaux à des millions de poids.
# - Au-delà de ces exemples, le même principe vaut pour une régression logistique,
#   $\hat{y} = \sigma(x^T w + b)$, ou une couche de réseau, $H = relu(XW + b)$ : la leçon
#   `10-retropropagation-couche-cachee` les dessine.

# %% [markdown] en
# Autograd finds exactly the gradients computed by hand. In particular,
# $\frac{\partial loss}{\partial w} = -2$: this is the first gradient printed by the example of
# lesson 07, `grad: 1.0 2.0 -2.0`.
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
#   $\hat{y} = \sigma(x^T w + b)$, or a network layer, $H = relu(XW + b)$: lesson
#   `10-retropropagation-couche-cachee` draws them.
