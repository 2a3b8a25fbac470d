# Lesson 03 of the course (see flambeau/course/lessons/__init__.py for the format).
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
# - **Données** : le jeu « cercle » (celui par défaut), 500 points : un disque de classe $+1$
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
from flambeau.course import tr  # prints in the lesson's language
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


def losses(model):
    """(test loss, training loss), as the playground shows them."""
    with torch.no_grad():
        return (playground_loss(model(data.x_test), data.y_test).item(),
                playground_loss(model(data.x_train), data.y_train).item())


def train(hidden, epochs=100, lr=0.03, batch_size=10, seed=0):
    """Train as the playground does; history["test"][k] is the test loss after k epochs
    (k = 0: before training)."""
    model = playground_network(hidden, seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loader = DataLoader(data.train, batch_size=batch_size, shuffle=False)
    history = {"train": [], "test": []}
    for epoch in range(epochs + 1):
        if epoch > 0:
            for xb, yb in loader:
                optimizer.zero_grad()
                playground_loss(model(xb), yb).backward()
                optimizer.step()
        test, train_loss = losses(model)
        history["test"].append(test)
        history["train"].append(train_loss)
    return model, history


def playground_url(hidden, dataset="circle"):
    """The experiment in flambeau's playground (`flambeau playground`), with the original's hash."""
    return (f"http://127.0.0.1:8000/#activation=tanh&batchSize=10&dataset={dataset}&learningRate=0.03"
            f"&noise=0&networkShape={','.join(map(str, hidden))}&percTrainData=50&x=true&y=true")

# %% [markdown] fr
# ### À vous
#
# Écrivez le coût qu'affiche le *playground*, pour un tableau de sorties $\hat{y}$ et un tableau
# de cibles $y$ (des tableaux NumPy de même taille). Remplacez `...`, puis exécutez la cellule :
# `check` vous dit si c'est juste, ou ce qui ne va pas.

# %% [markdown] en
# ### Your turn
#
# Write the loss the playground shows, for an array of outputs $\hat{y}$ and an array of targets
# $y$ (NumPy arrays of the same size). Replace `...`, then run the cell: `check` tells you
# whether it is right, or what is wrong.

# %% tags=["exercise"]
from flambeau.course import check


def playground_cost(output, target):
    return ...  # one number


check("03-cout", cout_playground=playground_cost)

# %% tags=["solution"]
from flambeau.course import check


def playground_cost(output, target):
    return 0.5 * np.mean((output - target) ** 2)


check("03-cout", cout_playground=playground_cost)

# %% [markdown] fr
# ### À vous
#
# Un réseau qui n'a rien appris répond la même chose partout, disons $0{,}2$. Sur des données où
# la moitié des étiquettes vaut $+1$ et l'autre moitié $-1$, quel coût le *playground*
# affiche-t-il ? Calculez-le de tête ou en Python.

# %% [markdown] en
# ### Your turn
#
# A network that has learnt nothing answers the same everywhere, say $0.2$. On data where half
# the labels are $+1$ and the other half $-1$, what loss does the playground show? Work it out in
# your head or in Python.

# %% tags=["exercise"]
cost = ...  # one number

check("03-constante", cout=cost)

# %% tags=["solution"]
cost = 0.5 * ((0.2 - 1) ** 2 + (0.2 + 1) ** 2) / 2  # half the errors are 0.8, half are 1.2

check("03-constante", cout=cost)

# %% [markdown] fr
# ## Les quatre expériences
#
# On entraîne chaque réseau pendant 100 époques, et on affiche les coûts comme le *playground*,
# avec trois décimales, avant l'apprentissage (époque 0), après la première époque et à la fin.
# Chaque expérience s'ouvre aussi dans le *playground* de flambeau : lancez `flambeau playground`
# puis ouvrez le lien affiché (le réglage est dans l'adresse, au format de l'original).

# %% [markdown] en
# ## The four experiments
#
# Each network is trained for 100 epochs, and the losses are printed as the playground does,
# with three decimals, before training (epoch 0), after the first epoch and at the end. Each
# experiment also opens in flambeau's playground: run `flambeau playground` and open the link
# printed (the setting is in the address, in the original's format).

# %%
experiments = {}
EPOCH, COLON = tr("époque", "epoch"), tr(" :", ":")  # a space before a colon, in French
for hidden in ([], [2], [3], [6, 4]):
    model, history = train(hidden)
    experiments[str(hidden)] = (model, history)
    print(f"{tr('couches cachées', 'hidden layers')} {str(hidden):7}  "
          f"{EPOCH} 0{COLON} Test loss {history['test'][0]:.3f}  Training loss {history['train'][0]:.3f}   "
          f"{EPOCH} 1{COLON} Test loss {history['test'][1]:.3f}  Training loss {history['train'][1]:.3f}   "
          f"{EPOCH} {len(history['test']) - 1}{COLON} "
          f"Test loss {history['test'][-1]:.3f}  Training loss {history['train'][-1]:.3f}")
    print("    playground:", playground_url(hidden))

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
    top.set_title(tr(f"couches cachées : {name}\ntest {history['test'][-1]:.3f}  apprentissage {history['train'][-1]:.3f}"
                     .replace(".", ","),
                     f"hidden: {name}\ntest {history['test'][-1]:.3f}  train {history['train'][-1]:.3f}"), fontsize=10)
    top.set_xticks([])
    top.set_yticks([])
    epochs = range(len(history["train"]))
    bottom.plot(epochs, history["train"], color="#777777", label=tr("coût d'apprentissage", "training loss"))
    bottom.plot(epochs, history["test"], color="black", label=tr("coût de test", "test loss"))
    bottom.set_ylim(0, 0.8)
    bottom.set_xlabel(tr("époque", "epoch"))
    bottom.grid(alpha=0.3)
axes[1][0].legend()
fig.tight_layout()

# %% [markdown] fr
# ## D'où viennent 0,664 et 0,691 ?
#
# Sans couche cachée, notre réseau finit vers 0,51 (test) et 0,50 (apprentissage), loin des
# chiffres de la capture. Affichons ses coûts époque par époque, **à partir de l'époque 0**
# (avant tout apprentissage), puis les coûts avant apprentissage de 300 réseaux aux poids
# initiaux tirés au hasard, et ceux de 10 réseaux après 30 époques.

# %% [markdown] en
# ## Where do 0.664 and 0.691 come from?
#
# With no hidden layer our network ends near 0.51 (test) and 0.50 (training), far from the
# screenshot's figures. Let us print its losses epoch by epoch, **from epoch 0** (before any
# training), then the losses before training of 300 networks with random initial weights, and
# those of 10 networks after 30 epochs.

# %%
_, history = experiments["[]"]
for epoch in range(6):
    print(f"{EPOCH} {epoch}{COLON} Test loss {history['test'][epoch]:.3f}  "
          f"Training loss {history['train'][epoch]:.3f}")

before = np.array([losses(playground_network([], seed)) for seed in range(300)])
near = np.mean((before > 0.6).all(axis=1) & (before < 0.75).all(axis=1))
print(tr("avant apprentissage, 300 tirages : coût de test de", "before training, 300 draws: test loss from"),
      f"{before[:, 0].min():.3f}", tr("à", "to"), f"{before[:, 0].max():.3f}",
      tr("(médiane", "(median"), f"{np.median(before[:, 0]):.3f})" + tr(" ;", ";"),
      tr("les deux coûts entre 0,6 et 0,75 :", "both losses between 0.6 and 0.75:"),
      tr(f"{100 * near:.0f} %", f"{near:.0%}"))
after = np.array([train([], epochs=30, seed=seed)[1]["test"][-1] for seed in range(10)])
print(tr("après 30 époques, 10 tirages : coût de test de", "after 30 epochs, 10 draws: test loss from"),
      f"{after.min():.3f}", tr("à", "to"), f"{after.max():.3f}")

# %% [markdown] fr
# Les chiffres de la capture sont ceux d'un réseau **qui n'a pas (ou presque pas) appris** :
#
# - avant l'apprentissage (époque 0), les coûts de notre réseau sont nettement au-dessus de
#   0,5 ; sur 300 tirages des poids initiaux, ils vont d'environ 0,5 à 0,8 (médiane vers 0,66),
#   et plus de la moitié des tirages donnent, comme la capture, deux coûts entre 0,6 et 0,75 ;
# - dès les premières époques, le coût descend vers 0,5, et après 30 époques **tous** les
#   tirages sont à 0,508 : un séparateur linéaire ne peut pas faire mieux que répondre presque 0
#   partout, ce qui coûte $\frac{1}{2} \times 1^2 = 0{,}5$.
#
# La capture a donc été prise à l'époque 0 (le *playground* affiche les coûts dès qu'on choisit
# un réseau, avant d'appuyer sur « play ») ou au tout début de l'apprentissage. Les valeurs
# exactes, elles, ne peuvent pas être reproduites : elles dépendent des points et des poids
# tirés par le navigateur (`Math.random`, sans graine connue), et la capture ne dit pas à quelle
# époque elle a été prise. Ce qui se reproduit, c'est l'ordre de grandeur avant apprentissage
# et le plancher de 0,5 après.
#
# ## Plus profond, moins de neurones
#
# La leçon 02 l'annonçait : à nombre de neurones égal, un réseau **profond** peut représenter des
# fonctions bien plus compliquées qu'un réseau à une seule couche cachée. Un exemple exact, avec
# des neurones ReLU : la fonction « tente » $T(x) = 2 \, relu(x) - 4 \, relu(x - 0{,}5)$ monte de 0 à
# 1 puis redescend sur $[0, 1]$ ; elle s'écrit avec **2 neurones**. Composée trois fois,
# $T(T(T(x)))$ est une dent de scie de **8 morceaux** : un réseau de 3 couches cachées de
# 2 neurones (6 neurones) la calcule exactement. Avec une seule couche cachée, chaque neurone
# ajoute au plus un « coude » : il faut 8 neurones pour 8 morceaux, et $2^L$ neurones au lieu
# de $2L$ pour $2^L$ morceaux.

# %% [markdown] en
# The screenshot's figures are those of a network **that has not (or hardly) learnt**:
#
# - before training (epoch 0), our network's losses are well above 0.5; over 300 draws of the
#   initial weights they range from about 0.5 to 0.8 (median about 0.66), and more than half of
#   the draws give, like the screenshot, two losses between 0.6 and 0.75;
# - within the first epochs the loss goes down towards 0.5, and after 30 epochs **every** draw
#   is at 0.508: a linear separator cannot do better than answering almost 0 everywhere, which
#   costs $\frac{1}{2} \times 1^2 = 0.5$.
#
# So the screenshot was taken at epoch 0 (the playground shows the losses as soon as a network is
# chosen, before "play" is pressed) or at the very start of training. The exact values cannot be
# reproduced: they depend on the points and weights drawn by the browser (`Math.random`, with no
# known seed), and the screenshot does not say at which epoch it was taken. What reproduces is
# the order of magnitude before training and the floor of 0.5 after.
#
# ## Deeper, fewer neurons
#
# Lesson 02 announced it: with as many neurons, a **deep** network can represent far more
# complicated functions than a network with a single hidden layer. An exact example, with ReLU
# neurons: the "tent" function $T(x) = 2 \, relu(x) - 4 \, relu(x - 0.5)$ goes up from 0 to 1 and
# back down on $[0, 1]$; it takes **2 neurons**. Composed three times, $T(T(T(x)))$ is a sawtooth
# of **8 pieces**: a network of 3 hidden layers of 2 neurons (6 neurons) computes it exactly.
# With a single hidden layer, each neuron adds at most one "kink": it takes 8 neurons for 8
# pieces, and $2^L$ neurons instead of $2L$ for $2^L$ pieces.

# %%
def set_layer(layer, weight, bias):
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight))
        layer.bias.copy_(torch.tensor(bias))
    return layer


def deep_sawtooth(depth):
    """depth hidden layers of 2 ReLU neurons: the tent function composed depth times."""
    layers = [set_layer(nn.Linear(1, 2), [[1.0], [1.0]], [0.0, -0.5]), nn.ReLU()]
    for _ in range(depth - 1):  # t = 2 relu(a) - 4 relu(b), then relu(t) and relu(t - 0.5)
        layers += [set_layer(nn.Linear(2, 2), [[2.0, -4.0], [2.0, -4.0]], [0.0, -0.5]), nn.ReLU()]
    layers.append(set_layer(nn.Linear(2, 1), [[2.0, -4.0]], [0.0]))
    return nn.Sequential(*layers)


def shallow_sawtooth(pieces):
    """One hidden layer: a neuron per kink (and one for the first slope)."""
    kinks = [k / pieces for k in range(pieces)]
    slopes = [pieces * (-1) ** k for k in range(pieces)]  # +n, -n, +n, ...
    change = [slopes[0]] + [b - a for a, b in zip(slopes, slopes[1:])]
    hidden = set_layer(nn.Linear(1, pieces), [[1.0]] * pieces, [-k for k in kinks])
    return nn.Sequential(hidden, nn.ReLU(), set_layer(nn.Linear(pieces, 1), [change], [0.0]))


def count_pieces(model):
    xs = torch.linspace(0, 1, 4097).reshape(-1, 1)
    with torch.no_grad():
        ys = model(xs).numpy()[:, 0]
    slopes = np.round(np.diff(ys) * 4096, 3)
    return int(np.sum(slopes[1:] != slopes[:-1])) + 1, ys


deep, shallow = deep_sawtooth(3), shallow_sawtooth(8)
deep_pieces, deep_y = count_pieces(deep)
shallow_pieces, shallow_y = count_pieces(shallow)
print(tr("profond, 3 couches de 2 neurones (6 neurones) :", "deep, 3 layers of 2 neurons (6 neurons):"),
      deep_pieces, tr("morceaux", "pieces"))
same = bool(np.allclose(deep_y, shallow_y, atol=1e-5))
print(tr(f"une couche de 8 neurones : {shallow_pieces} morceaux ; la même fonction : {same}",
         f"one layer of 8 neurons: {shallow_pieces} pieces; the same function: {same}"))
for depth in (3, 5, 8):
    print(f"{2 ** depth:4d} {tr('morceaux', 'pieces')}: {tr('profond', 'deep')} {2 * depth:2d} "
          f"{tr('neurones', 'neurons')}, {tr('une couche', 'one layer')} {2 ** depth:3d} {tr('neurones', 'neurons')}")

fig, ax = plt.subplots(figsize=(6, 2.8))
ax.plot(np.linspace(0, 1, 4097), deep_y, color="tab:red")
ax.set_title(tr("T(T(T(x))) : 8 morceaux avec 6 neurones en 3 couches",
                "T(T(T(x))): 8 pieces with 6 neurons in 3 layers"), fontsize=10)
ax.set_xlabel("x")
ax.grid(alpha=0.3)

# %% [markdown] fr
# ## Ce qu'il faut en retenir
#
# - **Sans couche cachée**, le réseau est un séparateur linéaire (comme le perceptron) : aucune
#   droite ne sépare un disque de l'anneau qui l'entoure. Le coût ne descend pas sous 0,5 ; les
#   0,664 et 0,691 du cours sont les coûts d'un réseau qui n'a pas encore appris.
# - **Une couche cachée de 2 neurones** : deux droites ne suffisent pas à entourer le disque, le
#   coût descend vers 0,2 à 0,35, sans aller plus bas. **Avec 3 neurones**, trois droites peuvent
#   former un triangle autour du disque : après un palier, le troisième neurone trouve sa place
#   et le coût se remet à baisser.
# - **Deux couches cachées de 6 et 4 neurones** : le coût atteint environ 0,01, comme sur la
#   capture du cours (0,013). Les neurones de la deuxième couche combinent les droites de la
#   première en formes plus complexes : c'est l'intérêt des réseaux **profonds**, qui font avec
#   $2L$ neurones ce qu'une seule couche fait avec $2^L$.
#
# Ces chiffres dépendent du tirage des données et des poids initiaux : changez les graines
# (`seed=` de `load` et de `train`) pour voir ce qui varie, et ce qui reste.

# %% [markdown] en
# ## What to remember
#
# - **With no hidden layer**, the network is a linear separator (like the perceptron): no line
#   separates a disc from the ring around it. The loss does not go below 0.5; the lecture's
#   0.664 and 0.691 are the losses of a network that has not learnt yet.
# - **One hidden layer of 2 neurons**: two lines are not enough to surround the disc, and the loss
#   goes down to 0.2-0.35 and no lower. **With 3 neurons**, three lines can make a triangle
#   around the disc: after a plateau, the third neuron finds its place and the loss starts going
#   down again.
# - **Two hidden layers of 6 and 4 neurons**: the loss reaches about 0.01, as on the lecture's
#   screenshot (0.013). The neurons of the second layer combine the lines of the first into more
#   complex shapes: this is the point of **deep** networks, which do with $2L$ neurons what a
#   single layer does with $2^L$.
#
# These figures depend on the draw of the data and of the initial weights: change the seeds
# (`seed=` of `load` and of `train`) to see what varies, and what stays.
