# Lesson 00 of the course (see flambeau/course/lessons/__init__.py for the format).
# ruff: noqa: E402

# %% [markdown] fr
# # Introduction : qu'est-ce que le deep learning ?
#
# C'est la première partie du cours « Introduction au Deep Learning » (E. Viennet, Université
# Paris 13) : à quoi sert le deep learning, sur quel principe il repose, et d'où il vient.
#
# ## Apprendre une fonction à partir d'exemples
#
# Le principe général : on veut une fonction $f$ de $\mathbb{R}^n$ dans $\mathbb{R}^p$ (d'une image
# vers le nom de ce qu'elle montre, d'une phrase vers sa traduction...), que l'on ne sait pas
# écrire à la main. On dispose en revanche d'**exemples** $(x, y)$ : des entrées et les sorties
# attendues. Apprendre, c'est trouver, à partir de ces exemples, une fonction qui **approxime**
# la bonne réponse, y compris pour des entrées qu'elle n'a jamais vues.
#
# ## Composer des fonctions
#
# Un réseau profond construit cette fonction en **composant** des fonctions simples, les couches :
#
# $$y = f_3(f_2(f_1(x)))$$
#
# Chaque couche transforme la représentation que lui passe la précédente. Sur des images, les
# couches apprennent une **hiérarchie de caractéristiques** (figure du livre de Goodfellow reprise
# dans le cours) : la première couche cachée détecte des bords, la deuxième des coins et des
# contours, la troisième des parties d'objets, et la sortie l'identité de l'objet. Personne ne
# programme ces caractéristiques : elles sont apprises à partir des exemples.

# %% [markdown] en
# # Introduction: what is deep learning?
#
# This is the first part of the lecture "Introduction au Deep Learning" (E. Viennet, Université
# Paris 13): what deep learning is for, what principle it rests on, and where it comes from.
#
# ## Learning a function from examples
#
# The general principle: we want a function $f$ from $\mathbb{R}^n$ to $\mathbb{R}^p$ (from an
# image to the name of what it shows, from a sentence to its translation...) that we cannot write
# by hand. What we have instead are **examples** $(x, y)$: inputs and the expected outputs.
# Learning means finding, from these examples, a function that **approximates** the right answer,
# including for inputs it has never seen.
#
# ## Composing functions
#
# A deep network builds this function by **composing** simple functions, the layers:
#
# $$y = f_3(f_2(f_1(x)))$$
#
# Each layer transforms the representation the previous one hands it. On images, the layers
# learn a **hierarchy of features** (a figure from Goodfellow's book shown in the lecture): the
# first hidden layer detects edges, the second corners and contours, the third object parts, and
# the output the identity of the object. Nobody programs these features: they are learnt from the
# examples.

# %% [markdown] fr
# Avec flambeau, comme avec PyTorch, chaque $f_k$ est une couche (`nn.Linear`, `nn.ReLU`...), et
# `nn.Sequential` écrit leur composition. Vérifions que c'est bien la même chose.

# %% [markdown] en
# With flambeau, as with PyTorch, each $f_k$ is a layer (`nn.Linear`, `nn.ReLU`...), and
# `nn.Sequential` writes their composition. Let us check that it is the same thing.

# %%
import flambeau as torch
from flambeau import nn
from flambeau.course import tr  # prints in the lesson's language

torch.manual_seed(0)
f1 = nn.Linear(2, 4)  # from R^2 to R^4
f2 = nn.ReLU()        # a non-linearity
f3 = nn.Linear(4, 1)  # from R^4 to R^1
x = torch.tensor([[1.0, 2.0]])

y = f3(f2(f1(x)))
model = nn.Sequential(f1, f2, f3)
print("y = f3(f2(f1(x))) =", round(y.item(), 6))
print(tr("nn.Sequential(f1, f2, f3)(x) =", "nn.Sequential(f1, f2, f3)(x) ="), round(model(x).item(), 6))
print(tr("la même fonction :", "the same function:"), bool(torch.equal(y, model(x))))
print(tr("paramètres à apprendre :", "parameters to learn:"), sum(p.numel() for p in model.parameters()))

# %% [markdown] fr
# Les 17 nombres de ces couches (poids et biais) sont tirés au hasard : c'est l'apprentissage
# qui leur donnera des valeurs utiles, en minimisant un coût sur les exemples (leçons 05 et 07).
#
# ## Les approches de l'apprentissage
#
# Le cours situe le deep learning parmi les approches de l'intelligence artificielle (figure de
# Goodfellow) :
#
# | approche | ce qui est écrit à la main | ce qui est appris |
# |---|---|---|
# | systèmes à base de règles | tout le programme | rien |
# | apprentissage classique | les caractéristiques | le passage des caractéristiques à la sortie |
# | apprentissage de représentations | rien | les caractéristiques et la sortie |
# | deep learning | rien | des caractéristiques simples, puis de plus en plus abstraites, et la sortie |
#
# ## Des applications
#
# Le cours en montre beaucoup, surtout en vision : colorisation d'images en noir et blanc,
# super-résolution (de 8×8 à 32×32 pixels), estimation de la pose d'une personne, description
# d'une image par une phrase, analyse de comportements, traduction du texte d'une image, lecture
# sur les lèvres, transfert de style, voiture autonome (extraction de caractéristiques puis
# classification).
#
# ## Un peu d'histoire
#
# Les dates que donne le cours, sur une frise :

# %% [markdown] en
# The 17 numbers of these layers (weights and biases) are drawn at random: training will give
# them useful values, by minimising a loss over the examples (lessons 05 and 07).
#
# ## The approaches to learning
#
# The lecture places deep learning among the approaches to artificial intelligence (a figure by
# Goodfellow):
#
# | approach | what is written by hand | what is learnt |
# |---|---|---|
# | rule-based systems | the whole program | nothing |
# | classic machine learning | the features | the mapping from features to output |
# | representation learning | nothing | the features and the output |
# | deep learning | nothing | simple features, then more and more abstract ones, and the output |
#
# ## Applications
#
# The lecture shows many, mostly in vision: colorizing black-and-white images, super-resolution
# (from 8×8 to 32×32 pixels), estimating a person's pose, describing an image with a sentence,
# behaviour analysis, translating the text in an image, lip reading, style transfer, self-driving
# cars (feature extraction, then classification).
#
# ## A little history
#
# The dates the lecture gives, on a timeline:

# %%
import matplotlib.pyplot as plt

EVENTS = [  # (start, end, French, English): the lecture's history of connectionism
    (1957, 1957, "1957 : le perceptron de Rosenblatt\n(leçon 01)", "1957: Rosenblatt's perceptron\n(lesson 01)"),
    (1980, 1989, "années 80 : perceptrons multicouches\n(leçon 02)", "1980s: multilayer perceptrons\n(lesson 02)"),
    (1989, 1989, "1989 : approximation universelle\n(Cybenko)", "1989: universal approximation\n(Cybenko)"),
    (1990, 1999, "années 90 : SVM, méthodes bayésiennes ;\nLeNet lit les codes postaux (leçon 13)",
     "1990s: SVMs, Bayesian methods;\nLeNet reads postal codes (lesson 13)"),
    (2000, 2019, "2000-2019 : jeux de données et puissance\nde calcul (GPU) en forte croissance",
     "2000-2019: datasets and compute (GPUs)\ngrowing fast"),
    (2010, 2010, "2010 : le deep learning (ImageNet ;\nHinton, Le Cun, Bengio...)",
     "2010: deep learning (ImageNet;\nHinton, Le Cun, Bengio...)"),
    (2010, 2019, "2010-2019 : nombreuses applications,\nforts enjeux économiques et sociétaux",
     "2010-2019: many applications, high\neconomic and social stakes"),
]
fig, ax = plt.subplots(figsize=(11, 4.6))
for row, (start, end, fr, en) in enumerate(EVENTS):  # one row per event, the oldest on top
    if end > start:  # a period: a bar
        ax.plot([start, end + 1], [row, row], lw=9, color="tab:orange", solid_capstyle="butt")
    else:  # a year: a dot
        ax.plot(start + 0.5, row, "o", ms=9, color="tab:red")
    late = start >= 2000  # late events are written on the left of their bar, the others on the right
    ax.text(start - 1 if late else end + 2, row, tr(fr, en), ha="right" if late else "left",
            va="center", fontsize=9)
ax.set_xlim(1950, 2025)
ax.set_ylim(len(EVENTS) - 0.4, -0.8)
ax.set_yticks([])
ax.grid(axis="x", alpha=0.3)
for side in ("left", "right", "top"):
    ax.spines[side].set_visible(False)
ax.set_title(tr("Histoire du connexionnisme, d'après le cours", "The history of connectionism, after the lecture"))
fig.tight_layout()
for _start, _end, fr, en in EVENTS:
    print(tr(fr, en).replace("\n", " "))

# %% [markdown] fr
# ### À vous
#
# Composez vous-même trois fonctions, comme dans le cours : $f_1(x) = 2x + 1$, puis la ReLU
# $f_2(s) = \max(0, s)$, puis $f_3(h) = 3h - 2$. Écrivez la fonction $g(x) = f_3(f_2(f_1(x)))$,
# pour un nombre $x$. Remplacez `...`, puis exécutez la cellule : `check` vous dit si c'est
# juste, ou ce qui ne va pas.

# %% [markdown] en
# ### Your turn
#
# Compose three functions yourself, as the lecture does: $f_1(x) = 2x + 1$, then the ReLU
# $f_2(s) = \max(0, s)$, then $f_3(h) = 3h - 2$. Write the function $g(x) = f_3(f_2(f_1(x)))$,
# for a number $x$. Replace `...`, then run the cell: `check` tells you whether it is right, or
# what is wrong.

# %% tags=["exercise"]
from flambeau.course import check


def g(x):
    return ...  # f3(f2(f1(x))) with f1(x) = 2x + 1, f2(s) = max(0, s), f3(h) = 3h - 2


check("00-composition", g=g)

# %% tags=["solution"]
from flambeau.course import check


def g(x):
    s = 2 * x + 1     # f1
    h = max(0.0, s)   # f2, the ReLU
    return 3 * h - 2  # f3


check("00-composition", g=g)

# %% [markdown] fr
# ### À vous
#
# Combien de nombres faut-il apprendre dans le réseau
# `nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))` ? Comptez-les à la main : une
# couche `nn.Linear(n, m)` a une matrice de $m \times n$ poids et $m$ biais.

# %% [markdown] en
# ### Your turn
#
# How many numbers must be learnt in the network
# `nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))`? Count them by hand: a layer
# `nn.Linear(n, m)` has an $m \times n$ weight matrix and $m$ biases.

# %% tags=["exercise"]
n_parameters = ...  # a whole number

check("00-parametres", nb_parametres=n_parameters)

# %% tags=["solution"]
n_parameters = (3 * 5 + 5) + (5 * 2 + 2)  # 20 + 12; the ReLU has none

check("00-parametres", nb_parametres=n_parameters)

# %% [markdown] fr
# ## La suite
#
# Les leçons suivent le cours partie par partie, dans son ordre (`flambeau course list` les
# donne toutes) : le perceptron (leçon 01), les perceptrons multicouches (02), les exemples du
# *playground* (03), l'apprentissage comme optimisation, avec le maximum de vraisemblance (04),
# la descente du gradient (05) et ses variantes (06), l'exemple en 1D, à la main (07) puis avec
# la différentiation automatique (08), la rétropropagation (09 et 10), l'exercice (11), un
# classifieur écrit comme en PyTorch (12), et les réseaux à convolutions (13).
#
# ## À retenir
#
# - Le deep learning apprend une fonction à partir d'exemples, en composant des couches :
#   $y = f_3(f_2(f_1(x)))$.
# - Les couches apprennent des caractéristiques de plus en plus abstraites, au lieu qu'on les
#   programme.
# - L'idée est ancienne (le perceptron date de 1957) ; elle a décollé vers 2010, avec de grands
#   jeux de données et la puissance de calcul des GPU.

# %% [markdown] en
# ## What comes next
#
# The lessons follow the lecture part by part, in its order (`flambeau course list` gives them
# all): the perceptron (lesson 01), multilayer perceptrons (02), the playground examples (03),
# learning as optimisation, with maximum likelihood (04), gradient descent (05) and its variants
# (06), the 1-D example, by hand (07) then with automatic differentiation (08), backpropagation
# (09 and 10), the exercise (11), a classifier written the PyTorch way (12), and convolutional
# networks (13).
#
# ## Key points
#
# - Deep learning learns a function from examples, by composing layers: $y = f_3(f_2(f_1(x)))$.
# - The layers learn more and more abstract features, instead of someone programming them.
# - The idea is old (the perceptron dates from 1957); it took off around 2010, with large
#   datasets and the computing power of GPUs.
