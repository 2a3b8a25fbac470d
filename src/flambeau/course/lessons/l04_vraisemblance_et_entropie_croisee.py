# Lesson 04 of the course (see flambeau/course/lessons/__init__.py for the format).
# ruff: noqa: E402

# %% [markdown] fr
# # Maximum de vraisemblance et entropie croisée
#
# Le cours donne deux exemples de coûts à minimiser : le coût quadratique (MSE), utilisé
# jusqu'ici, et le **maximum de vraisemblance**. Cette leçon part de la vraisemblance des
# étiquettes et arrive, pas à pas, au coût que l'on utilise pour la classification :
# l'**entropie croisée** (`F.cross_entropy`, `nn.CrossEntropyLoss`), celle qu'utilise la leçon 12.
# Puis elle montre pourquoi le coût quadratique convient mal à la classification.

# %% [markdown] en
# # Maximum likelihood and cross-entropy
#
# The lecture gives two examples of losses to minimise: the quadratic loss (MSE), used so far,
# and **maximum likelihood**. This lesson starts from the likelihood of the labels and arrives,
# step by step, at the loss used for classification: the **cross-entropy** (`F.cross_entropy`,
# `nn.CrossEntropyLoss`), the one lesson 12 uses. Then it shows why the quadratic loss is a poor
# fit for classification.

# %% [markdown] fr
# ## 1. Des scores aux probabilités
#
# Pour classer un exemple $x$ parmi $K$ classes, le réseau calcule un **score** $s_k$ par classe
# (une sortie par classe, comme dans le cours). La fonction **softmax** les transforme en
# probabilités, positives et de somme 1 :
#
# $$p_k = \frac{e^{s_k}}{\sum_{j} e^{s_j}}$$
#
# Prenons quatre exemples, trois classes, et des scores fixés (ceux qu'un réseau aurait pu
# calculer), avec les vraies classes $y = (0, 2, 1, 2)$.

# %% [markdown] en
# ## 1. From scores to probabilities
#
# To classify an example $x$ among $K$ classes, the network computes a **score** $s_k$ per class
# (one output per class, as in the lecture). The **softmax** function turns them into
# probabilities, positive and summing to 1:
#
# $$p_k = \frac{e^{s_k}}{\sum_{j} e^{s_j}}$$
#
# Take four examples, three classes and fixed scores (ones a network could have computed), with
# the true classes $y = (0, 2, 1, 2)$.

# %%
import numpy as np

from flambeau.course import tr  # prints in the lesson's language

scores = np.array([[2.0, 0.5, -1.0],
                   [0.1, 0.2, 1.5],
                   [-0.5, 1.0, 0.3],
                   [1.2, -0.3, 0.4]])
labels = np.array([0, 2, 1, 2])

probabilities = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
np.set_printoptions(precision=4, suppress=True)
print(tr("probabilités (une ligne par exemple) :", "probabilities (one row per example):"))
print(probabilities)
print(tr("somme de chaque ligne :", "sum of each row:"), probabilities.sum(axis=1))

# %% [markdown] fr
# ## 2. La vraisemblance des étiquettes
#
# Le modèle donne à la vraie classe du $i$-ème exemple la probabilité $p_{i, y_i}$. Si les
# exemples sont indépendants, la probabilité d'observer **toutes** les étiquettes à la fois est
# le produit
#
# $$\mathcal{L}(w) = \prod_{i=1}^{N} p_{i, y_i}$$
#
# C'est la **vraisemblance** des paramètres $w$ du réseau (les scores en dépendent). Le principe
# du **maximum de vraisemblance** : choisir les poids qui rendent les étiquettes observées les
# plus probables, donc qui rendent $\mathcal{L}(w)$ le plus grand possible.

# %% [markdown] en
# ## 2. The likelihood of the labels
#
# The model gives the true class of the $i$-th example the probability $p_{i, y_i}$. If the
# examples are independent, the probability of observing **all** the labels at once is the
# product
#
# $$\mathcal{L}(w) = \prod_{i=1}^{N} p_{i, y_i}$$
#
# This is the **likelihood** of the network's parameters $w$ (the scores depend on them). The
# principle of **maximum likelihood**: choose the weights that make the observed labels the most
# probable, so that $\mathcal{L}(w)$ is as large as possible.

# %%
p_true = probabilities[np.arange(len(labels)), labels]
likelihood = np.prod(p_true)
print(tr("probabilité de la vraie classe :", "probability of the true class:"), p_true)
print(tr("vraisemblance (produit) :", "likelihood (product):"), f"{likelihood:.6f}")

# %% [markdown] fr
# ## 3. Du produit à une somme : le logarithme
#
# Un produit de milliers de probabilités est un nombre minuscule, que l'ordinateur arrondit à 0.
# Le logarithme, croissant, a son maximum au même endroit et change le produit en somme :
#
# $$\log \mathcal{L}(w) = \sum_{i=1}^{N} \log p_{i, y_i}$$
#
# Enfin, on préfère **minimiser** un coût, et le moyenner sur les exemples. Maximiser la
# vraisemblance revient donc à minimiser
#
# $$loss(w) = -\frac{1}{N} \sum_{i=1}^{N} \log p_{i, y_i} = -\frac{1}{N} \sum_{i=1}^{N} \log \frac{e^{s_{i, y_i}}}{\sum_j e^{s_{i, j}}}$$
#
# C'est l'**entropie croisée** entre les étiquettes et les probabilités du modèle. Elle vaut 0
# quand le modèle donne la probabilité 1 à chaque vraie classe, et elle est d'autant plus grande
# que le modèle est sûr de lui et se trompe.

# %% [markdown] en
# ## 3. From a product to a sum: the logarithm
#
# A product of thousands of probabilities is a tiny number that the computer rounds to 0. The
# logarithm, which is increasing, has its maximum at the same place and turns the product into
# a sum:
#
# $$\log \mathcal{L}(w) = \sum_{i=1}^{N} \log p_{i, y_i}$$
#
# Finally, we prefer to **minimise** a loss, averaged over the examples. Maximising the
# likelihood therefore amounts to minimising
#
# $$loss(w) = -\frac{1}{N} \sum_{i=1}^{N} \log p_{i, y_i} = -\frac{1}{N} \sum_{i=1}^{N} \log \frac{e^{s_{i, y_i}}}{\sum_j e^{s_{i, j}}}$$
#
# This is the **cross-entropy** between the labels and the model's probabilities. It is 0 when
# the model gives probability 1 to every true class, and the larger the more the model is sure
# of itself and wrong.

# %%
log_likelihood = np.sum(np.log(p_true))
by_hand = -log_likelihood / len(labels)
print(tr("log-vraisemblance :", "log-likelihood:"), f"{log_likelihood:.6f}",
      tr(" = log de la vraisemblance :", " = log of the likelihood:"), f"{np.log(likelihood):.6f}")
print(tr("entropie croisée à la main :", "cross-entropy by hand:"), f"{by_hand:.6f}")

# %% [markdown] fr
# ## 4. Vérification avec `F.cross_entropy`
#
# `F.cross_entropy(scores, labels)` (flambeau comme PyTorch) prend directement les **scores**
# (pas les probabilités : le softmax est fait à l'intérieur, de façon numériquement stable) et les
# numéros des classes. Elle doit donner le même nombre.

# %% [markdown] en
# ## 4. Check with `F.cross_entropy`
#
# `F.cross_entropy(scores, labels)` (flambeau as PyTorch) takes the **scores** directly (not the
# probabilities: the softmax is done inside, in a numerically stable way) and the class numbers.
# It must give the same number.

# %%
import flambeau
import flambeau.nn.functional as F

with_flambeau = F.cross_entropy(flambeau.tensor(scores), flambeau.tensor(labels)).item()
print("F.cross_entropy (flambeau):", f"{with_flambeau:.6f}")
print(tr("identique au calcul à la main :", "same as by hand:"), abs(with_flambeau - by_hand) < 1e-12)
try:
    import torch
except ImportError:
    torch = None
    print(tr("PyTorch n'est pas installé : comparaison sautée.", "PyTorch is not installed: comparison skipped."))
if torch is not None:
    with_torch = torch.nn.functional.cross_entropy(torch.tensor(scores), torch.tensor(labels)).item()
    print("F.cross_entropy (PyTorch): ", f"{with_torch:.6f}")
    print(tr("identique à PyTorch :", "same as PyTorch:"), abs(with_flambeau - with_torch) < 1e-12)

# %% [markdown] fr
# Pour deux classes, avec une seule sortie $p = \sigma(s)$ (la probabilité de la classe 1), la
# même démarche donne l'entropie croisée binaire, $-[y \log p + (1 - y) \log(1 - p)]$
# (`F.binary_cross_entropy_with_logits`).
#
# ### À vous
#
# Écrivez l'entropie croisée à partir des scores, en NumPy : une fonction
# `entropie_croisee(scores, labels)` qui prend un tableau de scores $(N, K)$ et les $N$ numéros de
# classes, et renvoie la moyenne de $-\log p_{i, y_i}$.

# %% [markdown] en
# For two classes, with a single output $p = \sigma(s)$ (the probability of class 1), the same
# reasoning gives the binary cross-entropy, $-[y \log p + (1 - y) \log(1 - p)]$
# (`F.binary_cross_entropy_with_logits`).
#
# ### Your turn
#
# Write the cross-entropy from the scores, in NumPy: a function `entropie_croisee(scores, labels)`
# taking an array of scores $(N, K)$ and the $N$ class numbers, returning the mean of
# $-\log p_{i, y_i}$.

# %% tags=["exercise"]
from flambeau.course import check


def entropie_croisee(scores, labels):
    return ...


check("04-entropie-croisee", entropie_croisee=entropie_croisee)

# %% tags=["solution"]
from flambeau.course import check


def entropie_croisee(scores, labels):
    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(len(labels)), labels]))


check("04-entropie-croisee", entropie_croisee=entropie_croisee)

# %% [markdown] fr
# ### À vous
#
# Pour deux classes, le réseau n'a qu'une sortie par exemple, le score $s$, et
# $p = \sigma(s) = \frac{1}{1 + e^{-s}}$ est la probabilité de la classe 1. Écrivez
# l'entropie croisée binaire `entropie_croisee_binaire(scores, labels)` : la moyenne, sur les $N$
# exemples, de $-[y \log p + (1 - y) \log(1 - p)]$, pour des étiquettes $y$ qui valent 0 ou 1.
# Vous pouvez comparer ensuite avec `F.binary_cross_entropy_with_logits`.

# %% [markdown] en
# ### Your turn
#
# For two classes the network has a single output per example, the score $s$, and
# $p = \sigma(s) = \frac{1}{1 + e^{-s}}$ is the probability of class 1. Write the binary
# cross-entropy `entropie_croisee_binaire(scores, labels)`: the mean, over the $N$ examples, of
# $-[y \log p + (1 - y) \log(1 - p)]$, for labels $y$ that are 0 or 1. You can then compare with
# `F.binary_cross_entropy_with_logits`.

# %% tags=["exercise"]
def entropie_croisee_binaire(scores, labels):
    return ...


check("04-entropie-binaire", entropie_croisee_binaire=entropie_croisee_binaire)

# %% tags=["solution"]
def entropie_croisee_binaire(scores, labels):
    p = 1 / (1 + np.exp(-scores))  # the probability of class 1
    return -np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p))


check("04-entropie-binaire", entropie_croisee_binaire=entropie_croisee_binaire)

# %% [markdown] fr
# ## 5. Pourquoi pas le coût quadratique ?
#
# Pour deux classes, on pourrait comparer $p = \sigma(s)$ à l'étiquette $y \in \{0, 1\}$ avec le
# coût quadratique $(p - y)^2$. Regardons le gradient par rapport au score $s$ d'un exemple de la
# classe $y = 1$ que le modèle classe **très mal** (score très négatif, donc $p \approx 0$) :
#
# - entropie croisée : $\frac{\partial}{\partial s} [-\log \sigma(s)] = \sigma(s) - 1 \approx -1$ :
#   un gradient fort, l'erreur est corrigée vite ;
# - coût quadratique : $\frac{\partial}{\partial s} (\sigma(s) - 1)^2 = 2 (\sigma(s) - 1) \, \sigma(s) (1 - \sigma(s)) \approx 0$ :
#   la sigmoïde est saturée, le gradient s'éteint, et l'apprentissage piétine justement sur les
#   exemples les plus mal classés.
#
# Calculons ces gradients avec l'autograd pour quelques scores.

# %% [markdown] en
# ## 5. Why not the quadratic loss?
#
# For two classes, one could compare $p = \sigma(s)$ with the label $y \in \{0, 1\}$ using the
# quadratic loss $(p - y)^2$. Look at the gradient with respect to the score $s$ of an example of
# class $y = 1$ that the model classifies **very badly** (a very negative score, so $p \approx 0$):
#
# - cross-entropy: $\frac{\partial}{\partial s} [-\log \sigma(s)] = \sigma(s) - 1 \approx -1$: a
#   strong gradient, the mistake is corrected fast;
# - quadratic loss: $\frac{\partial}{\partial s} (\sigma(s) - 1)^2 = 2 (\sigma(s) - 1) \, \sigma(s) (1 - \sigma(s)) \approx 0$:
#   the sigmoid saturates, the gradient dies out, and learning stalls precisely on the most wrong
#   examples.
#
# Let us compute these gradients with autograd for a few scores.

# %%
import matplotlib.pyplot as plt

s = flambeau.linspace(-8, 8, 161, dtype=flambeau.float64, requires_grad=True)
target = flambeau.ones(161, dtype=flambeau.float64)
ce = F.binary_cross_entropy_with_logits(s, target, reduction="sum")
(grad_ce,) = flambeau.autograd.grad(ce, s)
mse = ((flambeau.sigmoid(s) - target) ** 2).sum()
(grad_mse,) = flambeau.autograd.grad(mse, s)
colon = tr(" :", ":")  # a space before a colon, in French
ce_label = tr("gradient de l'entropie croisée", "cross-entropy gradient")
mse_label = tr("gradient du coût quadratique", "quadratic gradient")
for value in (-6.0, -2.0, 0.0, 2.0):
    k = int(round((value + 8) * 10))
    print(f"s = {value:4}{colon}  {ce_label} {grad_ce[k].item():8.4f}   {mse_label} {grad_mse[k].item():8.4f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
sv = s.detach().numpy()
ax1.plot(sv, -np.log(1 / (1 + np.exp(-sv))), label=tr("entropie croisée", "cross-entropy"))
ax1.plot(sv, (1 / (1 + np.exp(-sv)) - 1) ** 2, label=tr("coût quadratique", "quadratic loss"))
ax1.set_title(tr("coût d'un exemple de la classe 1", "loss of an example of class 1"))
ax2.plot(sv, grad_ce.numpy(), label=tr("entropie croisée", "cross-entropy"))
ax2.plot(sv, grad_mse.numpy(), label=tr("coût quadratique", "quadratic loss"))
ax2.set_title(tr("gradient par rapport au score s", "gradient with respect to the score s"))
for ax in (ax1, ax2):
    ax.set_xlabel(tr("score s (négatif : mal classé)", "score s (negative: misclassified)"))
    ax.grid(alpha=0.3)
    ax.legend()
fig.tight_layout()

# %% [markdown] fr
# À $s = -6$, l'exemple est très mal classé ; l'entropie croisée pousse avec un gradient proche
# de $-1$, le coût quadratique avec un gradient 200 fois plus faible. C'est pourquoi, pour la
# classification, on minimise l'entropie croisée : c'est le maximum de vraisemblance, et son
# gradient reste fort tant que le modèle se trompe.
#
# ## À retenir
#
# - La **vraisemblance** est la probabilité que le modèle donne aux étiquettes observées ; le
#   maximum de vraisemblance choisit les poids qui la rendent la plus grande.
# - Avec le logarithme et un signe moins, maximiser la vraisemblance, c'est minimiser
#   l'**entropie croisée** $-\frac{1}{N} \sum_i \log p_{i, y_i}$ : `F.cross_entropy`.
# - Pour la classification, elle est préférable au coût quadratique, dont le gradient s'éteint
#   quand le modèle se trompe avec assurance.

# %% [markdown] en
# At $s = -6$ the example is badly misclassified; the cross-entropy pushes with a gradient close
# to $-1$, the quadratic loss with a gradient 200 times weaker. This is why classification
# minimises the cross-entropy: it is maximum likelihood, and its gradient stays strong as long
# as the model is wrong.
#
# ## Key points
#
# - The **likelihood** is the probability the model gives to the observed labels; maximum
#   likelihood chooses the weights that make it the largest.
# - With a logarithm and a minus sign, maximising the likelihood means minimising the
#   **cross-entropy** $-\frac{1}{N} \sum_i \log p_{i, y_i}$: `F.cross_entropy`.
# - For classification it is preferable to the quadratic loss, whose gradient dies out when the
#   model is confidently wrong.
