# Lesson 13 of the course (see flambeau/course/lessons/__init__.py for the format).
# ruff: noqa: E402

# %% [markdown] fr
# # La convolution : d'un filtre appliqué à la main au réseau LeNet
#
# Pour classer les chiffres avec un perceptron multicouche, on aplatit chaque image en un
# vecteur de pixels : le réseau ne sait plus quels pixels sont voisins, et un chiffre décalé d'un
# pixel lui paraît tout nouveau. Les **réseaux de neurones convolutifs** (*convolutional neural
# networks*, CNN) gardent l'image en deux dimensions et la parcourent avec de petits **filtres** :
#
# - **connexions locales** : chaque sortie ne regarde qu'une petite fenêtre de l'image
#   (3×3 ou 5×5 pixels) ;
# - **poids partagés** : le même filtre est appliqué à toutes les positions ; il détecte le même
#   motif (un bord, un coin, un trait) où qu'il se trouve.
#
# Dans cette leçon, on calcule d'abord une convolution à la main, avec des boucles, on vérifie
# que `F.conv2d` donne exactement la même chose, puis on entraîne **LeNet-5** sur les chiffres
# 8×8 et on regarde ce que ses filtres ont appris.

# %% [markdown] en
# # Convolution: from a filter applied by hand to the LeNet network
#
# To classify digits with a multilayer perceptron, each image is flattened into a vector of
# pixels: the network no longer knows which pixels are neighbours, and a digit moved by one pixel
# looks brand new to it. **Convolutional neural networks** (CNNs) keep the image in two
# dimensions and scan it with small **filters**:
#
# - **local connections**: each output only looks at a small window of the image (3×3 or 5×5
#   pixels);
# - **shared weights**: the same filter is applied at every position; it detects the same
#   pattern (an edge, a corner, a stroke) wherever it is.
#
# In this lesson we first compute a convolution by hand, with loops, check that `F.conv2d` gives
# exactly the same thing, then train **LeNet-5** on the 8×8 digits and look at what its filters
# have learned.

# %% [markdown] fr
# ## Une image et un filtre
#
# Prenons un chiffre de la base *digits* de scikit-learn : une image de 8×8 pixels, chargée avec
# `flatten=False` pour garder sa forme (1 canal, 8 lignes, 8 colonnes). Le filtre est une petite
# matrice de poids, ici un détecteur de **bords verticaux** 3×3 (le filtre de Sobel) : il
# soustrait les pixels de gauche à ceux de droite.

# %% [markdown] en
# ## An image and a filter
#
# Take a digit from scikit-learn's *digits* dataset: an 8×8 pixel image, loaded with
# `flatten=False` to keep its shape (1 channel, 8 rows, 8 columns). The filter is a small matrix
# of weights, here a 3×3 **vertical edge** detector (the Sobel filter): it subtracts the pixels
# on the left from those on the right.

# %%
import matplotlib.pyplot as plt
import numpy as np

import flambeau as torch
import flambeau.nn.functional as F
from flambeau.course import tr  # prints in the lesson's language

torch.manual_seed(0)
data = torch.datasets.load("digits", flatten=False, seed=0, train_ratio=0.8)
image = data.x_train[0, 0].numpy()  # 8 x 8, pixels in [0, 1]
print(tr("image :", "image:"), image.shape, tr("étiquette :", "label:"), int(data.y_train[0]))

kernel = np.array([[-1.0, 0.0, 1.0],
                   [-2.0, 0.0, 2.0],
                   [-1.0, 0.0, 1.0]], dtype=np.float32)

# %% [markdown] fr
# ## La convolution à la main
#
# On pose le filtre sur l'image, on multiplie terme à terme et on additionne ; puis on décale le
# filtre d'un pixel et on recommence :
#
# $$\text{sortie}[i, j] = \sum_{u=0}^{2} \sum_{v=0}^{2} K[u, v] \; \text{image}[i + u, j + v]$$
#
# Sans bourrage (*padding*), le filtre 3×3 ne tient entièrement dans l'image 8×8 qu'à
# $8 - 3 + 1 = 6$ positions par ligne et par colonne : la sortie fait 6×6. (En mathématiques,
# la convolution retourne d'abord le filtre ; sans ce retournement, le calcul s'appelle une
# *corrélation croisée*. Les bibliothèques de deep learning l'appellent pourtant convolution, et
# le réseau apprend ses filtres de toute façon.)

# %% [markdown] en
# ## Convolution by hand
#
# Put the filter on the image, multiply element by element and add up; then move the filter by
# one pixel and start again:
#
# $$\text{out}[i, j] = \sum_{u=0}^{2} \sum_{v=0}^{2} K[u, v] \; \text{image}[i + u, j + v]$$
#
# Without padding, the 3×3 filter fits entirely inside the 8×8 image at only $8 - 3 + 1 = 6$
# positions per row and per column: the output is 6×6. (Mathematicians would flip the filter
# before laying it down: this is a *cross-correlation*, but every deep-learning library calls it
# convolution, and the network learns its filters anyway.)

# %%
def convolve_by_hand(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype=np.float32)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            window = image[i:i + kh, j:j + kw]
            out[i, j] = np.sum(window * kernel)
    return out


by_hand = convolve_by_hand(image, kernel)
print(tr("sortie :", "output:"), by_hand.shape)
print(np.round(by_hand, 2))

# %% [markdown] fr
# ### À vous
#
# Calculez à la main un pixel de la sortie : celui dont la fenêtre de l'image, de taille
# $3 \times 3$, vaut `[[0, 1, 2], [0, 3, 4], [1, 1, 1]]`, avec le filtre `kernel` ci-dessus.
# Remplacez `...`, puis exécutez la cellule : `check` vous dit si c'est juste, ou ce qui ne va
# pas.

# %% [markdown] en
# ### Your turn
#
# Compute one pixel of the output by hand: the one whose $3 \times 3$ window of the image is
# `[[0, 1, 2], [0, 3, 4], [1, 1, 1]]`, with the filter `kernel` above. Replace `...`, then run
# the cell: `check` tells you whether it is right, or what is wrong.

# %% tags=["exercise"]
from flambeau.course import check

pixel = ...  # one number

check("13-un-pixel", pixel=pixel)

# %% tags=["solution"]
from flambeau.course import check

window = np.array([[0.0, 1.0, 2.0], [0.0, 3.0, 4.0], [1.0, 1.0, 1.0]])
pixel = float(np.sum(window * kernel))  # (2 - 0) + 2 * (4 - 0) + (1 - 1) = 10

check("13-un-pixel", pixel=pixel)

# %% [markdown] fr
# ## La même chose avec `F.conv2d`
#
# `F.conv2d` travaille sur des lots d'images à plusieurs canaux : l'entrée a la forme
# $(N, C_{in}, H, W)$ et les filtres la forme $(C_{out}, C_{in}, k, k)$. On ajoute donc deux
# dimensions de taille 1 à l'image et au filtre. Le résultat doit être identique.

# %% [markdown] en
# ## The same with `F.conv2d`
#
# `F.conv2d` works on batches of images with several channels: the input has shape
# $(N, C_{in}, H, W)$ and the filters shape $(C_{out}, C_{in}, k, k)$. So we add two dimensions of
# size 1 to the image and to the filter. The result must be identical.

# %%
x = torch.tensor(image).reshape(1, 1, 8, 8)
w = torch.tensor(kernel).reshape(1, 1, 3, 3)
with_conv2d = F.conv2d(x, w)
print(tr("F.conv2d :", "F.conv2d:"), tuple(with_conv2d.shape))
print(tr("identique au calcul à la main :", "same as by hand:"), np.allclose(with_conv2d[0, 0].numpy(), by_hand, atol=1e-6))
print(tr("plus grand écart :", "largest difference:"), float(np.abs(with_conv2d[0, 0].numpy() - by_hand).max()))

# %% [markdown] fr
# ## Bords verticaux, bords horizontaux, *padding* et *pooling*
#
# En transposant le filtre, on détecte les bords **horizontaux**. On peut appliquer plusieurs
# filtres d'un coup : c'est le nombre de canaux de sortie. Deux réglages changent la taille de
# la sortie :
#
# - le **bourrage** (`padding=1`) ajoute un cadre de zéros autour de l'image : la sortie garde
#   la taille 8×8 ;
# - le **pas** (`stride`) déplace le filtre de plusieurs pixels à la fois.
#
# Pour une image de côté $H$, un filtre de côté $k$, un bourrage $p$ et un pas $s$, le côté de la
# sortie est la partie entière de $\frac{H + 2p - k}{s}$, plus 1.
#
# Enfin, le **pooling** résume chaque fenêtre 2×2 par son maximum (`max_pool2d`) : l'image est
# divisée par deux dans chaque direction, et un petit décalage du motif change peu le résultat.

# %% [markdown] en
# ## Vertical edges, horizontal edges, padding and pooling
#
# Transposing the filter detects **horizontal** edges. Several filters can be applied at once:
# that is the number of output channels. Two settings change the size of the output:
#
# - **padding** (`padding=1`) adds a frame of zeros around the image: the output keeps the size
#   8×8;
# - the **stride** moves the filter by several pixels at a time.
#
# For an image of side $H$, a filter of side $k$, padding $p$ and stride $s$, the side of the
# output is the integer part of $\frac{H + 2p - k}{s}$, plus 1.
#
# Finally, **pooling** sums up each 2×2 window by its maximum (`max_pool2d`): the image is halved
# in each direction, and a small shift of the pattern changes the result little.

# %%
filters = torch.tensor(np.stack([kernel, kernel.T])).reshape(2, 1, 3, 3)  # vertical, horizontal
edges = F.conv2d(x, filters, padding=1)
pooled = F.max_pool2d(edges.abs(), 2)
print(tr("deux filtres, padding=1 :", "two filters, padding=1:"), tuple(edges.shape))
print(tr("padding=1, stride=2 :    ", "padding=1, stride=2:   "), tuple(F.conv2d(x, filters, padding=1, stride=2).shape))
print(tr("max pooling 2x2 :        ", "max pooling 2x2:       "), tuple(pooled.shape))

fig, axes = plt.subplots(1, 4, figsize=(11, 3))
panels = [(image, "image", "gray_r"),
          (edges[0, 0].numpy(), tr("bords verticaux", "vertical edges"), "RdBu_r"),
          (edges[0, 1].numpy(), tr("bords horizontaux", "horizontal edges"), "RdBu_r"),
          (pooled[0, 0].numpy(), tr("|verticaux|, max pooling", "|vertical|, max pool"), "gray_r")]
for ax, (picture, title, cmap) in zip(axes, panels):
    bound = np.abs(picture).max()
    ax.imshow(picture, cmap=cmap, vmin=-bound if cmap == "RdBu_r" else 0, vmax=bound)
    ax.set_title(title)
    ax.axis("off")
fig.tight_layout()

# %% [markdown] fr
# ### À vous
#
# Les tailles affichées ci-dessus suivent une règle : une image de $n \times n$ pixels, un filtre
# de taille $k \times k$, un bourrage (*padding*) $p$ et un pas (*stride*) $s$ donnent une sortie de
# $m \times m$ pixels. Écrivez $m$ en fonction de $n$, $k$, $p$ et $s$ (`//` est la division
# entière), puis vérifiez votre formule sur les tailles ci-dessus.

# %% [markdown] en
# ### Your turn
#
# The sizes printed above follow a rule: an image of $n \times n$ pixels, a $k \times k$ filter,
# a padding $p$ and a stride $s$ give an output of $m \times m$ pixels. Write $m$ as a function
# of $n$, $k$, $p$ and $s$ (`//` is the integer division), then check your formula on the sizes
# above.

# %% tags=["exercise"]
def output_size(n, k, padding, stride):
    return ...  # m


check("13-taille-sortie", taille_sortie=output_size)

# %% tags=["solution"]
def output_size(n, k, padding, stride):
    return (n + 2 * padding - k) // stride + 1


check("13-taille-sortie", taille_sortie=output_size)

# %% [markdown] fr
# ## LeNet-5
#
# LeNet-5 (Yann LeCun, 1998) enchaîne deux étages **convolution → ReLU → pooling**, qui
# transforment l'image en **cartes de caractéristiques** (*feature maps*) de plus en plus petites
# et de plus en plus nombreuses, puis trois couches entièrement connectées qui classent :
#
# $$\text{image} \;\to\; \text{conv } 6 \;\to\; \text{pool} \;\to\; \text{conv } 16 \;\to\; \text{pool} \;\to\; 120 \;\to\; 84 \;\to\; 10$$
#
# Le réseau original lit des images 32×32 avec des filtres 5×5. Pour nos images 8×8, on prend
# des filtres 3×3 avec un bourrage de 1 : 8×8 → 4×4 → 2×2. Comptons les paramètres : grâce au
# partage des poids, la première couche n'en a que $6 \times (3 \times 3 + 1) = 60$.

# %% [markdown] en
# ## LeNet-5
#
# LeNet-5 (Yann LeCun, 1998) chains two **convolution → ReLU → pooling** stages, which turn the
# image into **feature maps** that get smaller and more numerous, then three fully connected
# layers that classify:
#
# $$\text{image} \;\to\; \text{conv } 6 \;\to\; \text{pool} \;\to\; \text{conv } 16 \;\to\; \text{pool} \;\to\; 120 \;\to\; 84 \;\to\; 10$$
#
# The original network reads 32×32 images with 5×5 filters. For our 8×8 images we take 3×3
# filters with a padding of 1: 8×8 → 4×4 → 2×2. Let us count the parameters: thanks to weight
# sharing, the first layer has only $6 \times (3 \times 3 + 1) = 60$ of them.

# %%
from flambeau import nn, optim
from flambeau.datasets import transforms as T
from flambeau.models import LeNet5
from flambeau.utils.data import DataLoader, TensorDataset

model = LeNet5(input_size=8)
print(model)
for name, p in model.named_parameters():
    if name.endswith("weight"):
        print(f"{name:22} {str(tuple(p.shape)):16} {p.numel():5d} {tr('poids', 'weights')}")
print(tr("paramètres :", "parameters:"), sum(p.numel() for p in model.parameters()))

# %% [markdown] fr
# ## L'entraînement
#
# On centre et réduit les pixels (`Normalize`), puis on entraîne 15 époques avec la descente du
# gradient à *momentum* et un pas qui décroît au fil des époques. Rien de nouveau dans la
# boucle : `zero_grad`, calcul du coût, `backward`, `step`. Chaque convolution est un seul nœud
# du graphe, dont la rétropropagation calcule les gradients des filtres.

# %% [markdown] en
# ## Training
#
# We centre and scale the pixels (`Normalize`), then train for 15 epochs with momentum gradient
# descent and a learning rate that decreases over the epochs. Nothing new in the loop:
# `zero_grad`, loss, `backward`, `step`. Each convolution is a single node of the graph, whose
# backpropagation computes the gradients of the filters.

# %%
normalize = T.Normalize(float(data.x_train.mean()), float(data.x_train.std()))
x_train, x_test = normalize(data.x_train), normalize(data.x_test)
loader = DataLoader(TensorDataset(x_train, data.y_train), batch_size=32, shuffle=True,
                    generator=torch.Generator().manual_seed(0))
loss_fn = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=15)


def test_accuracy():
    model.eval()
    with torch.no_grad():
        predicted = model(x_test).argmax(dim=1)
    model.train()
    return float((predicted == data.y_test).float().mean())


for epoch in range(15):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
    scheduler.step()
    if epoch % 3 == 2:
        print(tr(f"époque {epoch + 1:2d} : coût {loss.item():.4f}, exactitude de test {100 * test_accuracy():.2f} %",
                 f"epoch {epoch + 1:2d}: loss {loss.item():.4f}, test accuracy {test_accuracy():.2%}"))
print(tr(f"LeNet-5, exactitude de test : {100 * test_accuracy():.2f} %", f"LeNet-5, test accuracy: {test_accuracy():.2%}"))

# %% [markdown] fr
# ## Ce que le réseau a appris
#
# Les 6 filtres de la première couche sont de petites images 3×3 (rouge : poids positifs,
# bleu : poids négatifs). Certains font penser à des détecteurs de bords ou de traits dans une
# direction, comme le filtre de Sobel que nous avions choisi à la main ; mais ceux-ci n'ont été
# choisis par personne : ils ont été **appris** à partir des exemples.

# %% [markdown] en
# ## What the network has learned
#
# The 6 filters of the first layer are small 3×3 images (red: positive weights, blue: negative
# weights). Some of them look like detectors of edges or strokes in one direction, like the
# Sobel filter we chose by hand; but nobody chose these: they were **learned** from the examples.

# %%
weights = model.features[0].weight.detach().numpy()  # (6, 1, 3, 3)
bound = np.abs(weights).max()
fig, axes = plt.subplots(1, 6, figsize=(10, 2))
for k, ax in enumerate(axes):
    ax.imshow(weights[k, 0], cmap="RdBu_r", vmin=-bound, vmax=bound)
    ax.set_title(tr(f"filtre {k}", f"filter {k}"))
    ax.axis("off")
fig.tight_layout()

# %% [markdown] fr
# ## Un chiffre vu couche par couche
#
# Suivons une image de test à travers la partie convolutive du réseau : chaque ligne montre les
# cartes de caractéristiques à la sortie d'une couche (les 8 premières). Après la ReLU, seules les réponses
# positives restent ; après chaque pooling, les cartes sont deux fois plus petites. À la fin, il
# reste 16 cartes de 2×2 = 64 nombres, que les couches entièrement connectées classent.

# %% [markdown] en
# ## A digit seen layer by layer
#
# Let us follow a test image through the convolutional part of the network: each row shows the
# feature maps at the output of one layer (the first 8). After the ReLU only the positive responses remain;
# after each pooling the maps are half as large. In the end there are 16 maps of 2×2 = 64
# numbers, which the fully connected layers classify.

# %%
from flambeau.viz.cnn import feature_maps

maps = feature_maps(model, x_test[0])
for name, m in maps:
    print(f"{name:15} {m.shape}")
fig, axes = plt.subplots(len(maps), 8, figsize=(10, 1.3 * len(maps)))
for row, (name, m) in zip(axes, maps):
    for c, ax in enumerate(row):
        ax.axis("off")
        if c < m.shape[0]:
            ax.imshow(m[c], cmap="gray")
    row[0].set_title(name, fontsize=8, loc="left")
fig.tight_layout()

# %% [markdown] fr
# ## À retenir
#
# - Une convolution fait glisser un petit filtre sur l'image : chaque sortie est la somme des
#   produits du filtre et de la fenêtre de pixels qu'il recouvre. Écrite avec des boucles ou
#   avec `F.conv2d`, c'est le même calcul.
# - Connexions locales et poids partagés : une couche de convolution a très peu de paramètres,
#   et elle détecte un motif où qu'il soit dans l'image.
# - La taille de la sortie dépend du filtre, du bourrage et du pas : la partie entière de
#   $\frac{H + 2p - k}{s}$, plus 1 ; le pooling divise la taille par deux.
# - LeNet-5 empile convolutions, ReLU et pooling, puis classe avec des couches entièrement
#   connectées ; sur les chiffres 8×8, il dépasse 97 % de bonnes réponses en quelques secondes.
#   Ses filtres ne sont pas choisis à la main : ils sont appris par rétropropagation.

# %% [markdown] en
# ## Key points
#
# - A convolution slides a small filter over the image: each output is the sum of the products
#   of the filter and the window of pixels it covers. Written with loops or with `F.conv2d`, it
#   is the same computation.
# - Local connections and shared weights: a convolution layer has very few parameters, and it
#   detects a pattern wherever it is in the image.
# - The size of the output depends on the filter, the padding and the stride: the integer part
#   of $\frac{H + 2p - k}{s}$, plus 1; pooling halves the size.
# - LeNet-5 stacks convolutions, ReLU and pooling, then classifies with fully connected layers;
#   on the 8×8 digits it gets more than 97% right in a few seconds. Its filters are not chosen
#   by hand: they are learned by backpropagation.
