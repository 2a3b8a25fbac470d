# Lesson 12 of the course (see flambeau/course/lessons/__init__.py for the format).
# ruff: noqa: E402

# %% [markdown] fr
# # Classification de données 2D en deux classes, à la manière de PyTorch
#
# C'est le notebook `Toy-Classif-2classes-simplifie` du cours : un petit réseau de neurones
# qui apprend à séparer deux classes de points du plan. Toutes les étapes d'un apprentissage
# en PyTorch y sont, dans l'ordre où on les écrit toujours :
#
# 1. les **données**, séparées en un jeu d'apprentissage et un jeu de test ;
# 2. le **modèle** (un MLP) ;
# 3. le **coût** (*loss*) ;
# 4. l'**optimiseur**, qui applique la descente du gradient ;
# 5. la **boucle d'apprentissage** ;
# 6. l'évaluation : la frontière de décision et les courbes de coût.
#
# Le code n'utilise que l'interface de PyTorch : en remplaçant la ligne `import flambeau as torch`
# par `import torch`, il tourne tel quel avec PyTorch.

# %% [markdown] en
# # Two-class classification of 2-D data, the PyTorch way
#
# This is the lecture's notebook `Toy-Classif-2classes-simplifie`: a small neural network that
# learns to separate two classes of points in the plane. It has every step of training in
# PyTorch, in the order in which they are always written:
#
# 1. the **data**, split into a training set and a test set;
# 2. the **model** (an MLP);
# 3. the **loss**;
# 4. the **optimizer**, which does gradient descent;
# 5. the **training loop**;
# 6. evaluation: the decision boundary and the loss curves.
#
# The code uses PyTorch's interface only: replace the line `import flambeau as torch` by
# `import torch` and it runs as it is with PyTorch.

# %% [markdown] fr
# ## 1. Les données
#
# Deux « lunes » imbriquées, bruitées : la classe 0 en haut, la classe 1 en bas. Aucune droite
# ne les sépare. On tire 400 points, la moitié pour l'apprentissage, l'autre moitié pour le test :
# le jeu de test sert à vérifier que le réseau **généralise** à des points qu'il n'a jamais vus.

# %% [markdown] en
# ## 1. The data
#
# Two interleaving, noisy "moons": class 0 at the top, class 1 at the bottom. No line separates
# them. We draw 400 points, half for training and half for testing: the test set checks that
# the network **generalises** to points it has never seen.

# %%
import matplotlib.pyplot as plt
import numpy as np

import flambeau as torch
from flambeau.course import tr  # prints in the lesson's language

rng = np.random.default_rng(0)
n = 400
t = rng.uniform(0, np.pi, n)
labels = rng.integers(0, 2, n)  # class 0 or 1
points = np.where(labels[:, None] == 0,
                  np.stack([np.cos(t), np.sin(t)], axis=1),  # upper moon
                  np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1))  # lower moon
points += rng.normal(0, 0.15, points.shape)

x_all = torch.from_numpy(points).float()
y_all = torch.from_numpy(labels).long()
x_train, y_train = x_all[:200], y_all[:200]
x_test, y_test = x_all[200:], y_all[200:]
print(tr("apprentissage :", "training set:"), tuple(x_train.shape), tr(" test :", " test set:"), tuple(x_test.shape))

ORANGE, BLUE = "#f59322", "#0877bd"
fig, ax = plt.subplots(figsize=(4.5, 3.5))
for k, color in ((0, ORANGE), (1, BLUE)):
    ax.scatter(points[labels == k, 0], points[labels == k, 1], s=12, color=color, label=tr(f"classe {k}", f"class {k}"))
ax.set_title(tr("les données", "the data"))
ax.legend()
fig.tight_layout()

# %% [markdown] fr
# ## 2. Le modèle, 3. le coût, 4. l'optimiseur
#
# Un MLP à deux couches cachées de 16 neurones (ReLU), et **une cellule de sortie par classe** :
# le réseau donne deux scores par point, et la classe prédite est celle du plus grand score.
# Le coût est l'entropie croisée (`CrossEntropyLoss`), qui transforme les scores en probabilités
# (*softmax*) et pénalise une faible probabilité pour la bonne classe. L'optimiseur est Adam, une
# variante de la descente du gradient qui adapte le pas de chaque poids (leçon
# `06-variantes-descente-de-gradient`).
#
# Les exemples sont présentés par mini-lots (*batches*) de 20, dans un ordre tiré au hasard à
# chaque époque : c'est le rôle du `DataLoader`.

# %% [markdown] en
# ## 2. The model, 3. the loss, 4. the optimizer
#
# An MLP with two hidden layers of 16 neurons (ReLU) and **one output unit per class**: the
# network gives two scores per point, and the predicted class is the one with the larger score.
# The loss is the cross-entropy (`CrossEntropyLoss`), which turns the scores into probabilities
# (softmax) and penalises a low probability for the right class. The optimizer is Adam, a
# variant of gradient descent that adapts the step of each weight (lesson
# `06-variantes-descente-de-gradient`).
#
# Examples are presented in mini-batches of 20, in an order drawn at random at each epoch: that
# is the job of the `DataLoader`.

# %%
torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Linear(2, 16), torch.nn.ReLU(),
    torch.nn.Linear(16, 16), torch.nn.ReLU(),
    torch.nn.Linear(16, 2),
)
loss_fn = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_train, y_train),
                                           batch_size=20, shuffle=True)
print(model)

# %% [markdown] fr
# ### À vous
#
# Pour suivre l'apprentissage, on mesure l'**exactitude** (*accuracy*) : la proportion des points
# dont la classe prédite, celle du plus grand score (`scores.argmax(dim=1)`), est la bonne.
# Écrivez la fonction qui la calcule, pour un tenseur de scores de taille $(N, 2)$ et un tenseur
# de $N$ classes. Remplacez `...`, puis exécutez la cellule : `check` vous dit si c'est juste, ou
# ce qui ne va pas.

# %% [markdown] en
# ### Your turn
#
# To follow training, we measure the **accuracy**: the proportion of points whose predicted
# class, the one with the largest score (`scores.argmax(dim=1)`), is the right one. Write the
# function that computes it, for a tensor of scores of size $(N, 2)$ and a tensor of $N$ classes.
# Replace `...`, then run the cell: `check` tells you whether it is right, or what is wrong.

# %% tags=["exercise"]
from flambeau.course import check


def my_accuracy(scores, targets):
    return ...  # a number between 0 and 1


check("12-exactitude", exactitude=my_accuracy)

# %% tags=["solution"]
from flambeau.course import check


def my_accuracy(scores, targets):
    return (scores.argmax(dim=1) == targets).float().mean().item()


check("12-exactitude", exactitude=my_accuracy)

# %% [markdown] fr
# ### À vous
#
# Avant de lire la boucle d'apprentissage : dans quel ordre, pour chaque mini-lot, faut-il
# appeler `optimizer.zero_grad()`, calculer la sortie du modèle (`"forward"`), calculer le coût
# (`"loss"`), appeler `loss.backward()` et `optimizer.step()` ? Donnez la liste des cinq noms.

# %% [markdown] en
# ### Your turn
#
# Before reading the training loop: in what order, for each mini-batch, must we call
# `optimizer.zero_grad()`, compute the model's output (`"forward"`), compute the loss (`"loss"`),
# call `loss.backward()` and `optimizer.step()`? Give the list of the five names.

# %% tags=["exercise"]
order = [...]  # "zero_grad", "forward", "loss", "backward", "step", in the right order

check("12-boucle", ordre=order)

# %% tags=["solution"]
order = ["zero_grad", "forward", "loss", "backward", "step"]

check("12-boucle", ordre=order)

# %% [markdown] fr
# ## 5. La boucle d'apprentissage
#
# Pour chaque mini-lot : on remet les gradients à zéro, on calcule la sortie du réseau et le
# coût (passe avant), on rétropropage (`backward`), et l'optimiseur met les poids à jour.
# À la fin de chaque époque, on mesure le coût sur tout le jeu d'apprentissage et sur tout le
# jeu de test, sans construire de graphe (`torch.no_grad()`).

# %% [markdown] en
# ## 5. The training loop
#
# For each mini-batch: reset the gradients, compute the network's output and the loss (forward
# pass), backpropagate (`backward`), and let the optimizer update the weights. At the end of each
# epoch we measure the loss on the whole training set and the whole test set, without building
# a graph (`torch.no_grad()`).

# %%
def accuracy(scores, targets):
    return (scores.argmax(dim=1) == targets).float().mean().item()


train_losses, test_losses = [], []
for epoch in range(60):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        train_scores, test_scores = model(x_train), model(x_test)
        train_losses.append(loss_fn(train_scores, y_train).item())
        test_losses.append(loss_fn(test_scores, y_test).item())
    if epoch % 10 == 9:
        print(tr(f"époque {epoch + 1:3d}  coût d'apprentissage {train_losses[-1]:.4f}  coût de test {test_losses[-1]:.4f}  "
                 f"exactitude de test {accuracy(test_scores, y_test):.3f}",
                 f"epoch {epoch + 1:3d}  train loss {train_losses[-1]:.4f}  test loss {test_losses[-1]:.4f}  "
                 f"test accuracy {accuracy(test_scores, y_test):.3f}"))

# %% [markdown] fr
# ## 6. La frontière de décision et les courbes de coût
#
# On calcule la probabilité de la classe 1 en chaque point d'une grille qui couvre le plan ;
# la frontière de décision est la ligne où elle vaut 0,5. Les points de test sont entourés de noir.

# %% [markdown] en
# ## 6. The decision boundary and the loss curves
#
# We compute the probability of class 1 at every point of a grid covering the plane; the
# decision boundary is the line where it equals 0.5. Test points are circled in black.

# %%
g1, g2 = np.meshgrid(np.linspace(-1.6, 2.6, 150), np.linspace(-1.2, 1.7, 150))
grid = torch.from_numpy(np.stack([g1.ravel(), g2.ravel()], axis=1)).float()
with torch.no_grad():
    proba = torch.softmax(model(grid), dim=1)[:, 1].numpy().reshape(g1.shape)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
colors = plt.matplotlib.colors.LinearSegmentedColormap.from_list("playground", [ORANGE, "#e8eaeb", BLUE])
ax1.contourf(g1, g2, proba, levels=20, cmap=colors, alpha=0.6, vmin=0, vmax=1)
ax1.contour(g1, g2, proba, levels=[0.5], colors="black")
for k, color in ((0, ORANGE), (1, BLUE)):
    in_train, in_test = labels[:200] == k, labels[200:] == k
    ax1.scatter(points[:200][in_train, 0], points[:200][in_train, 1], s=10, color=color)
    ax1.scatter(points[200:][in_test, 0], points[200:][in_test, 1], s=14, color=color, edgecolors="black")
ax1.set_title(tr("frontière de décision (P(classe 1) = 0,5)", "decision boundary (P(class 1) = 0.5)"))
ax2.plot(range(1, len(train_losses) + 1), train_losses, label=tr("apprentissage", "train"))
ax2.plot(range(1, len(test_losses) + 1), test_losses, label="test")
ax2.set_xlabel(tr("époque", "epoch"))
ax2.set_ylabel(tr("entropie croisée", "cross-entropy"))
ax2.set_yscale("log")
ax2.legend()
ax2.grid(alpha=0.3)
fig.tight_layout()
train_accuracy, test_accuracy = accuracy(model(x_train), y_train), accuracy(model(x_test), y_test)
print(tr(f"final : coût d'apprentissage {train_losses[-1]:.4f}, coût de test {test_losses[-1]:.4f}, "
         f"exactitude d'apprentissage {train_accuracy:.3f}, exactitude de test {test_accuracy:.3f}",
         f"final: train loss {train_losses[-1]:.4f}, test loss {test_losses[-1]:.4f}, "
         f"train accuracy {train_accuracy:.3f}, test accuracy {test_accuracy:.3f}"))

# %% [markdown] fr
# Le réseau a appris une frontière courbe qui suit les deux lunes, ce qu'aucun séparateur
# linéaire ne pourrait faire, et il classe correctement 99 % des points de test.
#
# Regardez les courbes : au début, les deux coûts descendent ensemble. Puis, vers la trentième
# époque, le coût de test cesse de baisser alors que le coût d'apprentissage continue de
# diminuer : le réseau commence à apprendre par cœur les points d'apprentissage, bruit compris,
# sans progrès sur les points nouveaux. C'est le début du **surapprentissage** (*overfitting*).
# Ici il reste sans gravité, mais si le coût de test se mettait à remonter, il faudrait arrêter
# l'apprentissage plus tôt (*early stopping*), ou prendre un réseau plus petit ou plus de données.
#
# À essayer : moins de neurones, plus de bruit, moins de points d'apprentissage, un autre pas
# d'apprentissage... et observer la frontière et les courbes.

# %% [markdown] en
# The network has learnt a curved boundary that follows the two moons, which no linear separator
# could do, and it classifies 99% of the test points correctly.
#
# Look at the curves: at first both losses go down together. Then, around the thirtieth epoch,
# the test loss stops going down while the training loss keeps decreasing: the network starts to
# learn the training points by heart, noise included, without progress on new points. This is
# the beginning of **overfitting**. Here it does no harm, but if the test loss started to rise
# we would have to stop training earlier (early stopping), or take a smaller network or more data.
#
# Things to try: fewer neurons, more noise, fewer training points, another learning rate...
# and watch the boundary and the curves.
