# Lesson 08 of the course (see flambeau/course/lessons/__init__.py for the format).
# ruff: noqa: E402

# %% [markdown] fr
# # Les expériences du *playground* de TensorFlow, en code
#
# Le cours montre plusieurs expériences faites dans le *TensorFlow Playground*
# (playground.tensorflow.org), une démonstration en JavaScript où l'on entraîne un petit réseau
# sur des données du plan. Toutes utilisent les mêmes réglages : 50 % des données pour
# l'apprentissage (*ratio of training to test data*), bruit 0 (*noise*), mini-lots de 10
# (*batch size*). Les captures d'écran du cours montrent :
#
# | réseau | coût de test | coût d'apprentissage |
# |---|---|---|
# | pas de couche cachée | 0,664 | 0,691 |
# | une couche cachée de 2 neurones, puis de 3 | | |
# | deux couches cachées, 6 puis 4 neurones | 0,013 | 0,013 |
#
# Nous refaisons ces expériences avec flambeau, en reproduisant ce que fait le *playground*,
# pour retrouver ces chiffres.

# %% [markdown] en
# # The TensorFlow Playground experiments, in code
#
# The lecture shows several experiments made in the TensorFlow Playground
# (playground.tensorflow.org), a JavaScript demo in which a small network is trained on points
# of the plane. They all use the same settings: 50% of the data for training (ratio of training
# to test data), noise 0, batch size 10. The lecture's screenshots read:
#
# | network | test loss | training loss |
# |---|---|---|
# | no hidden layer | 0.664 | 0.691 |
# | one hidden layer of 2 neurons, then 3 | | |
# | two hidden layers, 6 then 4 neurons | 0.013 | 0.013 |
#
# We redo these experiments with flambeau, reproducing what the playground does, to find
# these figures again.

# %% [markdown] fr
# ## Ce que fait le *playground*
#
# - **Données** : le jeu « cercle » (celui par défaut) : 500 points, un disque de classe $+1$
#   (bleu) entouré d'un anneau de classe $-1$ (orange) ; mélangés une fois, puis la première moitié
#   sert à l'apprentissage et l'autre au test. `flambeau.datasets.load("circle")` les génère de
#   la même façon (mais avec un autre générateur aléatoire : ce ne sont pas les mêmes points).
# - **Réseau** : les entrées $x_1$ et $x_2$, des couches cachées avec la fonction de transfert
#   tangente hyperbolique (le réglage par défaut), et un neurone de sortie `tanh`, dont le signe
#   donne la classe. Poids initiaux tirés uniformément dans $[-0{,}5 ; 0{,}5]$, biais à 0,1.
# - **Coût** : $\frac{1}{2} (\hat{y} - y)^2$, en moyenne sur le jeu considéré ; c'est ce nombre
#   qu'affiche le *playground* (*test loss*, *training loss*).
# - **Apprentissage** : descente du gradient par mini-lots de 10, pas d'apprentissage 0,03 (par
#   défaut), les exemples toujours dans le même ordre, sans remélanger à chaque époque.

# %% [markdown] en
# ## What the playground does
#
# - **Data**: the "circle" set (the default one): 500 points, a disc of class $+1$ (blue)
#   inside a ring of class $-1$ (orange); shuffled once, then the first half is used for
#   training and the other half for testing. `flambeau.datasets.load("circle")` generates them the
#   same way (but with another random generator: they are not the same points).
# - **Network**: the inputs $x_1$ and $x_2$, hidden layers with the hyperbolic tangent as
#   transfer function (the default setting), and a `tanh` output neuron whose sign gives the
#   class. Initial weights drawn uniformly in $[-0.5, 0.5]$, biases set to 0.1.
# - **Loss**: $\frac{1}{2} (\hat{y} - y)^2$, averaged over the set; this is the number the
#   playground shows (test loss, training loss).
# - **Training**: mini-batch gradient descent with batches of 10, learning rate 0.03 (the
#   default), the examples always in the same order, with no reshuffling at each epoch.

# %%
import matplotlib.pyplot as plt
import numpy as np

import flambeau as torch
from flambeau import nn
from flambeau.utils.data import DataLoader

data = torch.datasets.load("circle", noise=0, seed=0, train_ratio=0.5)
print(data)


def playground_network(hidden, seed=0):
    """x1, x2 -> tanh hidden layers of the given sizes -> one tanh output, initialised as the playground does."""
    torch.manual_seed(seed)
    sizes = [2, *hidden, 1]
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.Tanh()]
    model = nn.Sequential(*layers)
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, nn.Linear):
                nn.init.uniform_(layer.weight, -0.5, 0.5)
                nn.init.constant_(layer.bias, 0.1)
    return model


def playground_loss(output, target):
    return 0.5 * ((output - target) ** 2).mean()


def train(hidden, epochs=100, lr=0.03, batch_size=10, seed=0):
    model = playground_network(hidden, seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loader = DataLoader(data.train, batch_size=batch_size, shuffle=False)
    history = {"train": [], "test": []}
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            playground_loss(model(xb), yb).backward()
            optimizer.step()
        with torch.no_grad():
            history["train"].append(playground_loss(model(data.x_train), data.y_train).item())
            history["test"].append(playground_loss(model(data.x_test), data.y_test).item())
    return model, history

# %% [markdown] fr
# ## Les quatre expériences
#
# On entraîne chaque réseau pendant 100 époques, et on affiche les coûts comme le *playground*,
# avec trois décimales.

# %% [markdown] en
# ## The four experiments
#
# Each network is trained for 100 epochs, and the losses are printed as the playground does,
# with three decimals.

# %%
experiments = {}
for hidden in ([], [2], [3], [6, 4]):
    model, history = train(hidden)
    experiments[str(hidden)] = (model, history)
    print(f"hidden layers {str(hidden):7}  after epoch 1: Test loss {history['test'][0]:.3f}  "
          f"Training loss {history['train'][0]:.3f}   after epoch {len(history['test'])}: "
          f"Test loss {history['test'][-1]:.3f}  Training loss {history['train'][-1]:.3f}")

# %% [markdown] fr
# Dessinons, comme le *playground*, la sortie de chaque réseau sur tout le carré $[-6, 6]^2$
# (orange : $-1$, bleu : $+1$) avec les points d'apprentissage, puis les courbes de coût.

# %% [markdown] en
# Let us draw, as the playground does, the output of each network over the whole square
# $[-6, 6]^2$ (orange: $-1$, blue: $+1$) with the training points, then the loss curves.

# %%
ORANGE, BLUE = "#f59322", "#0877bd"
colors = plt.matplotlib.colors.LinearSegmentedColormap.from_list("playground", [ORANGE, "#e8eaeb", BLUE])
g1, g2 = np.meshgrid(np.linspace(-6, 6, 100), np.linspace(-6, 6, 100))
grid = torch.from_numpy(np.stack([g1.ravel(), g2.ravel()], axis=1)).float()
x_train, y_train = data.x_train.numpy(), data.y_train.numpy()[:, 0]

fig, axes = plt.subplots(2, len(experiments), figsize=(3.3 * len(experiments), 6.4))
for (name, (model, history)), top, bottom in zip(experiments.items(), axes[0], axes[1]):
    with torch.no_grad():
        output = model(grid).numpy().reshape(g1.shape)
    top.contourf(g1, g2, output, levels=np.linspace(-1, 1, 21), cmap=colors)
    top.scatter(x_train[:, 0], x_train[:, 1], c=[BLUE if v > 0 else ORANGE for v in y_train],
                s=8, edgecolors="white", linewidths=0.4)
    top.set_title(f"hidden: {name}\ntest {history['test'][-1]:.3f}  train {history['train'][-1]:.3f}", fontsize=10)
    top.set_xticks([])
    top.set_yticks([])
    epochs = range(1, len(history["train"]) + 1)
    bottom.plot(epochs, history["train"], color="#777777", label="training loss")
    bottom.plot(epochs, history["test"], color="black", label="test loss")
    bottom.set_ylim(0, 0.7)
    bottom.set_xlabel("epoch")
    bottom.grid(alpha=0.3)
axes[1][0].legend()
fig.tight_layout()

# %% [markdown] fr
# ## Ce qu'il faut en retenir
#
# - **Sans couche cachée**, le réseau est un séparateur linéaire (comme le perceptron) : aucune
#   droite ne sépare un disque de l'anneau qui l'entoure. Le coût reste vers 0,5, la valeur
#   obtenue en répondant 0 partout ($\frac{1}{2} \times 1^2$). La capture du cours (0,664 et 0,691)
#   montre le même échec, à un moment où la droite était encore mal placée : notre propre réseau
#   est à 0,658 et 0,603 après sa première époque.
# - **Une couche cachée de 2 neurones** : deux droites ne suffisent pas à entourer le disque, le
#   coût descend vers 0,25-0,3 sans aller plus bas. **Avec 3 neurones**, trois droites peuvent
#   former un triangle autour du disque : après un palier, le troisième neurone trouve sa place
#   (vers l'époque 85 ici) et le coût se remet à baisser.
# - **Deux couches cachées de 6 et 4 neurones** : le coût atteint environ 0,01, comme sur la
#   capture du cours (0,013). Les neurones de la deuxième couche combinent les droites de la
#   première en formes plus complexes : c'est l'intérêt des réseaux **profonds**.
#
# Ces chiffres dépendent du tirage des données et des poids initiaux : changez les graines
# (`seed=` de `load` et de `train`) pour voir ce qui varie, et ce qui reste.

# %% [markdown] en
# ## What to remember
#
# - **With no hidden layer**, the network is a linear separator (like the perceptron): no line
#   separates a disc from the ring around it. The loss stays around 0.5, the value obtained by
#   answering 0 everywhere ($\frac{1}{2} \times 1^2$). The lecture's screenshot (0.664 and 0.691)
#   shows the same failure, at a moment when the line was still badly placed: our own network
#   is at 0.658 and 0.603 after its first epoch.
# - **One hidden layer of 2 neurons**: two lines are not enough to surround the disc, and the loss
#   goes down to 0.25-0.3 and no lower. **With 3 neurons**, three lines can make a triangle
#   around the disc: after a plateau, the third neuron finds its place (around epoch 85 here) and
#   the loss starts going down again.
# - **Two hidden layers of 6 and 4 neurons**: the loss reaches about 0.01, as on the lecture's
#   screenshot (0.013). The neurons of the second layer combine the lines of the first into more
#   complex shapes: this is the point of **deep** networks.
#
# These figures depend on the draw of the data and of the initial weights: change the seeds
# (`seed=` of `load` and of `train`) to see what varies, and what stays.
