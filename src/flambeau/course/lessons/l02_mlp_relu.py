# Lesson 02 of the course (see flambeau/course/lessons/__init__.py for the format).
# ruff: noqa: E402, F811

# %% [markdown] fr
# # Neurones, ReLU et perceptron multicouche (MLP)
#
# Le perceptron de la leçon 01 ne sait tracer qu'une droite, et sa fonction $sign$ empêche
# d'apprendre par descente du gradient. Le **perceptron multicouche** (*multilayer
# perceptron*, MLP) règle les deux problèmes :
#
# - chaque neurone calcule une somme pondérée de ses entrées, puis lui applique une
#   **fonction de transfert** dérivable $f$ : $y = f(W \cdot X) = f\left(\sum_i w_i x_i\right)$
#   (le biais $b$ est le poids d'une entrée qui vaut toujours 1) ;
# - les neurones sont organisés en **couches** : les sorties d'une couche sont les entrées de la
#   suivante. Entre l'entrée et la sortie se trouvent les **couches cachées** ;
# - on introduit des **non-linéarités** entre les couches : sans elles, une suite de couches
#   linéaires ne serait qu'une seule fonction linéaire.
#
# Pour un problème à plusieurs classes (les chiffres, par exemple), on met une cellule de
# sortie par classe.

# %% [markdown] en
# # Neurons, ReLU and the multilayer perceptron (MLP)
#
# The perceptron of lesson 01 can only draw a line, and its $sign$ function rules out learning
# by gradient descent. The **multilayer perceptron** (MLP) solves both problems:
#
# - each neuron computes a weighted sum of its inputs, then applies a differentiable
#   **transfer function** $f$ to it: $y = f(W \cdot X) = f\left(\sum_i w_i x_i\right)$
#   (the bias $b$ is the weight of an input that is always 1);
# - neurons are organised in **layers**: the outputs of one layer are the inputs of the next.
#   Between the input and the output are the **hidden layers**;
# - **non-linearities** are placed between the layers: without them, a stack of linear layers
#   would be just one linear function.
#
# For a problem with several classes (digits, say), there is one output unit per class.

# %% [markdown] fr
# ## La fonction de transfert ReLU
#
# La fonction la plus utilisée aujourd'hui est la fonction linéaire rectifiée, ReLU
# (*rectified linear unit*) :
#
# $$f(s) = \begin{cases} s & \text{si } s > 0 \\ 0 & \text{sinon} \end{cases} \qquad \text{c'est-à-dire} \qquad f(s) = \max(0, s)$$
#
# Sa dérivée vaut 1 pour $s > 0$ et 0 sinon : elle est très simple à calculer et, contrairement
# à celles de la sigmoïde et de la tangente hyperbolique, elle ne tend pas vers 0 quand $s$
# devient grand. Calculons un neurone à la main, puis avec `flambeau.nn`.

# %% [markdown] en
# ## The ReLU transfer function
#
# The most widely used function today is the rectified linear unit, ReLU:
#
# $$f(s) = \begin{cases} s & \text{if } s > 0 \\ 0 & \text{otherwise} \end{cases} \qquad \text{that is} \qquad f(s) = \max(0, s)$$
#
# Its derivative is 1 for $s > 0$ and 0 otherwise: it is very cheap to compute and, unlike the
# derivatives of the sigmoid and of the hyperbolic tangent, it does not go to 0 when $s$ gets
# large. Let us compute one neuron by hand, then with `flambeau.nn`.

# %%
import matplotlib.pyplot as plt

import flambeau as torch
from flambeau import nn
from flambeau.course import tr  # prints in the lesson's language

x = [1.0, -2.0, 0.5]  # three inputs
w = [0.4, -0.3, 1.0]  # one weight per input
b = 0.1
s = sum(wi * xi for wi, xi in zip(w, x)) + b
print(tr("somme pondérée s =", "weighted sum s ="), round(s, 4), " ReLU(s) =", max(0.0, s))

neuron = nn.Linear(3, 1)  # the same neuron as a layer with one output
with torch.no_grad():
    neuron.weight.copy_(torch.tensor([w]))
    neuron.bias.fill_(b)
out = torch.relu(neuron(torch.tensor([x])))
print(tr("avec flambeau.nn :", "with flambeau.nn:"), round(neuron(torch.tensor([x])).item(), 4), "->", out.item())

grid = torch.linspace(-3, 3, 121)
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(grid.numpy(), torch.relu(grid).numpy(), label="ReLU")
ax.plot(grid.numpy(), torch.tanh(grid).numpy(), "--", label="tanh")
ax.plot(grid.numpy(), torch.sigmoid(grid).numpy(), ":", label=tr("sigmoïde", "sigmoid"))
ax.set_xlabel("s")
ax.set_ylabel("f(s)")
ax.legend()
ax.grid(alpha=0.3)

# %% [markdown] fr
# ### À vous
#
# Une couche entière, maintenant : $n$ entrées, $m$ neurones ReLU. La ligne $j$ de la matrice $W$
# (de taille $m \times n$) contient les poids du neurone $j$, et le vecteur $b$ les $m$ biais.
# Écrivez la sortie de la couche, $relu(W x + b)$, avec NumPy (`W @ x` est le produit de la
# matrice par le vecteur, `np.maximum(s, 0)` applique la ReLU à chaque élément). Remplacez `...`,
# puis exécutez la cellule : `check` vous dit si c'est juste, ou ce qui ne va pas.

# %% [markdown] en
# ### Your turn
#
# A whole layer now: $n$ inputs, $m$ ReLU neurons. Row $j$ of the matrix $W$ (of size
# $m \times n$) holds the weights of neuron $j$, and the vector $b$ the $m$ biases. Write the
# output of the layer, $relu(W x + b)$, with NumPy (`W @ x` is the matrix-vector product,
# `np.maximum(s, 0)` the ReLU of each element). Replace `...`, then run the cell: `check` tells
# you whether it is right, or what is wrong.

# %% tags=["exercise"]
import numpy as np

from flambeau.course import check


def layer(x, W, b):
    return ...  # the m outputs of the layer


check("02-couche", couche=layer)

# %% tags=["solution"]
import numpy as np

from flambeau.course import check


def layer(x, W, b):
    return np.maximum(W @ x + b, 0)


check("02-couche", couche=layer)

# %% [markdown] fr
# ## Un approximateur universel
#
# Les MLP sont des modèles puissants : on peut montrer qu'un MLP est un **approximateur
# universel** (Cybenko, 1989). Toute fonction continue (d'un compact vers un compact) peut être
# approchée aussi bien que l'on veut par un MLP à trois couches (entrée, une couche cachée,
# sortie), avec suffisamment de neurones sur la couche cachée et une sortie linéaire.
#
# Voyons-le sur une fonction d'une variable, $g(x) = \sin(2x) + 0{,}5 \, x$ sur $[-3, 3]$.
# Avec des ReLU, le réseau calcule une fonction **affine par morceaux** : chaque neurone caché
# ajoute un « coude » à l'endroit où sa somme pondérée change de signe. Plus il y a de neurones,
# plus il y a de coudes, et mieux on suit la courbe.
#
# On entraîne un réseau `Linear(1, H) → ReLU → Linear(H, 1)` pour $H = 1, 2, 4, 8, 32$, en
# minimisant le coût quadratique (MSE) avec l'optimiseur Adam. Comme l'apprentissage peut rester
# bloqué dans un minimum local (des neurones « morts », dont la ReLU vaut 0 partout), on garde
# pour chaque $H$ le meilleur de trois essais.

# %% [markdown] en
# ## A universal approximator
#
# MLPs are powerful models: an MLP can be shown to be a **universal approximator** (Cybenko,
# 1989). Any continuous function (from a compact set to a compact set) can be approximated as
# well as we like by a three-layer MLP (input, one hidden layer, output), with enough neurons in
# the hidden layer and a linear output.
#
# Let us see it on a function of one variable, $g(x) = \sin(2x) + 0.5 \, x$ on $[-3, 3]$.
# With ReLUs, the network computes a **piecewise linear** function: each hidden neuron adds a
# "kink" where its weighted sum changes sign. The more neurons, the more kinks, and the closer
# the network follows the curve.
#
# We train a network `Linear(1, H) → ReLU → Linear(H, 1)` for $H = 1, 2, 4, 8, 32$, minimising
# the quadratic loss (MSE) with the Adam optimizer. Since training can get stuck in a local
# minimum ("dead" neurons, whose ReLU is 0 everywhere), we keep the best of three tries for
# each $H$.

# %%
x_train = torch.linspace(-3, 3, 200).reshape(-1, 1)
y_train = torch.sin(2 * x_train) + 0.5 * x_train
loss_fn = nn.MSELoss()


def fit_mlp(hidden, seed, steps=1000, lr=0.03):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x_train), y_train)
        loss.backward()
        optimizer.step()
    return model, loss.item()


models = {}
for hidden in (1, 2, 4, 8, 32):
    tries = [fit_mlp(hidden, seed) for seed in (10, 11, 12)]
    models[hidden], mse = min(tries, key=lambda pair: pair[1])
    print(f"H = {hidden:2d} {tr('neurones cachés :', 'hidden neurons:')} MSE = {mse:.4f}")

# %% [markdown] fr
# ### À vous
#
# Combien de nombres le réseau `nn.Sequential(nn.Linear(1, H), nn.ReLU(), nn.Linear(H, 1))`
# apprend-il ? Écrivez ce nombre en fonction de $H$ (vous pouvez vérifier avec
# `sum(p.numel() for p in models[8].parameters())`).

# %% [markdown] en
# ### Your turn
#
# How many numbers does the network `nn.Sequential(nn.Linear(1, H), nn.ReLU(), nn.Linear(H, 1))`
# learn? Write it as a function of $H$ (you can check with
# `sum(p.numel() for p in models[8].parameters())`).

# %% tags=["exercise"]
def n_parameters(H):
    return ...  # for H hidden neurons


check("02-parametres", nb_parametres=n_parameters)

# %% tags=["solution"]
def n_parameters(H):
    return (H + H) + (H + 1)  # hidden layer: H weights, H biases; output: H weights, 1 bias


check("02-parametres", nb_parametres=n_parameters)

# %% [markdown] fr
# Traçons chaque approximation, avec en pointillés la position des coudes de ses neurones
# cachés (là où $w x + b = 0$) :

# %% [markdown] en
# Let us plot each approximation, with the kinks of its hidden neurons (where $w x + b = 0$)
# as dotted lines:

# %%
fig, axes = plt.subplots(1, len(models), figsize=(3.2 * len(models), 3), sharey=True)
for ax, (hidden, model) in zip(axes, models.items()):
    with torch.no_grad():
        prediction = model(x_train)
    ax.plot(x_train.numpy(), y_train.numpy(), color="grey", lw=3, alpha=0.5, label="g(x)")
    ax.plot(x_train.numpy(), prediction.numpy(), color="tab:red", label="MLP")
    first = model[0]
    for wi, bi in zip(first.weight.detach().numpy()[:, 0], first.bias.detach().numpy()):
        if wi != 0 and -3 < -bi / wi < 3:
            ax.axvline(-bi / wi, color="black", ls=":", lw=0.8)
    ax.set_title(f"H = {hidden}")
    ax.set_xlabel("x")
axes[0].legend()
fig.tight_layout()

# %% [markdown] fr
# Avec 1 ou 2 neurones, le réseau ne peut faire qu'un ou deux coudes : il se contente de
# suivre la tendance. Avec 8 neurones, on reconnaît la sinusoïde ; avec 32, l'erreur est
# devenue très petite. C'est le théorème d'approximation universelle « en action ».
#
# Attention : le théorème dit qu'un tel réseau **existe**, pas qu'on sait le trouver, ni
# combien il faut de neurones. En pratique, on préfère souvent des réseaux **profonds** (plusieurs
# couches cachées), qui obtiennent le même résultat avec beaucoup moins de neurones : c'est ce que
# nous verrons avec les expériences du *playground* (leçon `03-playground-experiences`).
#
# Et tout cela n'est possible que parce que l'on sait **apprendre** les poids : par descente du
# gradient, avec des dérivées calculées par rétropropagation (leçons 09 et 10).

# %% [markdown] en
# With 1 or 2 neurons the network can only make one or two bends: it just follows the trend.
# With 8 neurons the sine wave is recognisable; with 32 the error has become very small. This is
# the universal approximation theorem "in action".
#
# Beware: the theorem says that such a network **exists**, not that we know how to find it, nor
# how many neurons it takes. In practice we often prefer **deep** networks (several hidden
# layers), which reach the same result with far fewer neurons: we will see it with the
# playground experiments (lesson `03-playground-experiences`).
#
# And all this is only possible because we know how to **learn** the weights: by gradient
# descent, with derivatives computed by backpropagation (lessons 09 and 10).
