# Lesson 07 of the course (see flambeau/course/lessons/__init__.py for the format).
# ruff: noqa: E402, E741

# %% [markdown] fr
# # Exemple en 1D : un modèle linéaire appris par descente du gradient
#
# C'est l'exemple du cours « Introduction au Deep Learning » (notebook `01-exemple-1d`).
# On dispose de trois exemples $(x, y)$ : $(1, 2)$, $(2, 4)$ et $(3, 6)$, et l'on cherche
# une fonction qui prédise $y$ à partir de $x$.
#
# Le modèle est le plus simple possible : un seul paramètre, le poids $w$, et
#
# $$\hat{y} = x \times w$$
#
# Apprendre, c'est trouver la valeur de $w$ qui rend le coût (*loss*) le plus petit possible.
# Pour un exemple, on prend le coût quadratique $loss = (\hat{y} - y)^2$.
# On voit bien que la réponse est $w = 2$ ; tout l'intérêt est de regarder comment
# la descente du gradient la trouve toute seule, en partant de $w = 1$.
#
# Dans cette leçon, tout est écrit « à la main », en Python pur : aucune bibliothèque, et
# c'est nous qui calculons la dérivée.

# %% [markdown] en
# # 1-D example: a linear model learnt by gradient descent
#
# This is the example of the lecture "Introduction au Deep Learning" (notebook `01-exemple-1d`).
# We have three examples $(x, y)$: $(1, 2)$, $(2, 4)$ and $(3, 6)$, and we look for a function
# that predicts $y$ from $x$.
#
# The model is as simple as it gets: a single parameter, the weight $w$, and
#
# $$\hat{y} = x \times w$$
#
# Learning means finding the value of $w$ that makes the loss as small as possible.
# For one example we take the quadratic loss $loss = (\hat{y} - y)^2$.
# Of course the answer is $w = 2$; the point is to watch gradient descent find it on its own,
# starting from $w = 1$.
#
# In this lesson everything is written by hand, in plain Python: no library, and we compute
# the derivative ourselves.

# %% [markdown] fr
# ## Les données, le modèle et le coût
#
# La fonction `forward` calcule la prédiction $\hat{y}$ (la « passe avant ») ; la fonction
# `cout` calcule le coût d'un exemple. Les noms sont ceux du cours.

# %% [markdown] en
# ## The data, the model and the loss
#
# The function `forward` computes the prediction $\hat{y}$ (the "forward pass"); the function
# `cout` computes the loss of one example (*coût* is French for cost). The names are the
# lecture's.

# %%
from flambeau.course import tr  # prints in the lesson's language

x_data = [1.0, 2.0, 3.0]
y_data = [2.0, 4.0, 6.0]

w = 1.0  # the starting value of the weight


def forward(x):
    return x * w


def cout(x, y):
    y_pred = forward(x)
    return (y_pred - y) * (y_pred - y)


print(tr("prévision avant apprentissage :", "predict (before training)"), 4, forward(4))

# %% [markdown] fr
# Avant tout apprentissage, le modèle prédit $4 \times 1 = 4$ pour $x = 4$, au lieu de 8.
#
# ## Le gradient, calculé à la main
#
# Pour savoir dans quel sens modifier $w$, on dérive le coût par rapport à $w$.
# Avec $loss = (x w - y)^2$, la règle de dérivation d'une fonction composée donne
#
# $$\frac{\partial loss}{\partial w} = 2 x (x w - y)$$
#
# Si cette dérivée est positive, le coût augmente quand $w$ augmente : il faut donc diminuer $w$,
# et inversement. C'est la règle de la descente du gradient, avec un pas d'apprentissage
# $\alpha$ (*learning rate*) :
#
# $$w \leftarrow w - \alpha \frac{\partial loss}{\partial w} = w - \alpha \times 2 x (x w - y)$$

# %% [markdown] en
# Before any training, the model predicts $4 \times 1 = 4$ for $x = 4$ instead of 8.
#
# ## The gradient, computed by hand
#
# To know which way to move $w$, we differentiate the loss with respect to $w$.
# With $loss = (x w - y)^2$, the chain rule gives
#
# $$\frac{\partial loss}{\partial w} = 2 x (x w - y)$$
#
# If this derivative is positive, the loss grows when $w$ grows, so $w$ must decrease, and the
# other way round. This is the gradient descent rule, with a learning rate $\alpha$:
#
# $$w \leftarrow w - \alpha \frac{\partial loss}{\partial w} = w - \alpha \times 2 x (x w - y)$$

# %%
def gradient(x, y):
    return 2 * x * (x * w - y)


# %% [markdown] fr
# ### À vous
#
# Sans regarder la formule ci-dessus, écrivez la dérivée $\partial loss / \partial w$ pour un
# exemple $(x, y)$ et un poids $w$ quelconques. Remplacez `...`, puis exécutez la cellule :
# `check` vous dit si c'est juste, ou ce qui ne va pas.

# %% [markdown] en
# ### Your turn
#
# Without looking at the formula above, write the derivative $\partial loss / \partial w$ for any
# example $(x, y)$ and weight $w$. Replace `...`, then run the cell: `check` tells you whether it
# is right, or what is wrong.

# %% tags=["exercise"]
from flambeau.course import check


def my_gradient(x, y, w):
    return ...  # d loss / d w, for loss = (x * w - y) ** 2


check("07-gradient", gradient=my_gradient)

# %% tags=["solution"]
from flambeau.course import check


def my_gradient(x, y, w):
    return 2 * x * (x * w - y)


check("07-gradient", gradient=my_gradient)

# %% [markdown] fr
# ### À vous
#
# Partant de $w = 1$, que vaut $w$ après **un seul** pas de descente sur le premier exemple,
# $(x, y) = (1, 2)$, avec $\alpha = 0{,}01$ ? Calculez-le de tête ou en Python.

# %% [markdown] en
# ### Your turn
#
# Starting from $w = 1$, what is $w$ after **one** descent step on the first example,
# $(x, y) = (1, 2)$, with $\alpha = 0.01$? Work it out in your head or in Python.

# %% tags=["exercise"]
w_after = ...  # w after one step

check("07-un-pas", w_apres=w_after)

# %% tags=["solution"]
w_after = 1.0 - 0.01 * (2 * 1.0 * (1.0 * 1.0 - 2.0))  # the gradient is -2: w goes up by 0.02

check("07-un-pas", w_apres=w_after)


# %% [markdown] fr
# ## La boucle d'apprentissage
#
# On parcourt les exemples les uns après les autres, et l'on fait un pas de descente après
# chacun d'eux (avec $\alpha = 0{,}01$). Un passage sur tous les exemples s'appelle une
# **époque** (*epoch*) ; le cours en fait 100.
#
# Comme dans le cours, on affiche le gradient de chaque exemple et, à la fin de chaque époque,
# le coût du dernier exemple (calculé après sa mise à jour). Pour garder un affichage lisible,
# on ne détaille que les 10 premières époques, puis on n'affiche plus qu'une époque sur 10.
# Le gradient est arrondi à 4 décimales : sans cela, Python écrirait `-16.228800000000003`
# au lieu de `-16.2288`, car les calculs en virgule flottante ne sont pas exacts.

# %% [markdown] en
# ## The training loop
#
# We go through the examples one after the other and take a gradient descent step after each
# of them (with $\alpha = 0.01$). One pass over all the examples is called an **epoch**;
# the lecture runs 100 of them.
#
# As in the lecture, we print the gradient of each example and, at the end of each epoch,
# the loss of the last example (computed after its update). To keep the screen readable, the
# details are printed for the first 10 epochs only, then one epoch in 10.
# The gradient is rounded to 4 decimals: otherwise Python would print `-16.228800000000003`
# instead of `-16.2288`, because floating-point arithmetic is not exact.

# %%
lr = 0.01  # the learning rate alpha
w_history = [w]  # w at the end of each epoch, for the plot below

for epoch in range(100):
    for x_val, y_val in zip(x_data, y_data):
        grad = gradient(x_val, y_val)
        w = w - lr * grad
        if epoch < 10:
            print("\tgrad: ", x_val, y_val, round(grad, 4))
        l = cout(x_val, y_val)
    w_history.append(w)
    if epoch < 10 or epoch % 10 == 9:
        print("progress:", epoch, l)
    if epoch == 9:
        print(tr("prévision après 10 époques :", "predict (after 10 epochs)"), 4, forward(4))

print("w =", w)
print(tr("prévision après apprentissage :", "predict (after training)"), 4, forward(4))

# %% [markdown] fr
# Au bout de 10 époques, $w \approx 1{,}95$ et le modèle prédit déjà 7,80 pour $x = 4$ ;
# après 100 époques, il prédit 8 à $10^{-12}$ près. Notez que les gradients diminuent en valeur
# absolue au fil des époques : plus on s'approche du minimum, plus la pente est faible, et plus les pas
# sont petits.
#
# ## Le coût en fonction de $w$
#
# Sur les trois exemples, le coût moyen (MSE) est
#
# $$MSE(w) = \frac{1}{3} \sum_{i=1}^{3} (x_i w - y_i)^2 = \frac{14}{3} (w - 2)^2$$
#
# C'est une parabole, dont le minimum (global) est en $w = 2$. Traçons-la, avec les valeurs
# de $w$ à la fin de chaque époque : la descente du gradient « descend » la courbe vers le minimum.

# %% [markdown] en
# After 10 epochs $w \approx 1.95$ and the model already predicts 7.80 for $x = 4$;
# after 100 epochs it predicts 8 to within $10^{-12}$. Notice how the gradients shrink
# from one epoch to the next: the closer we get to the minimum, the flatter the slope and the
# smaller the steps.
#
# ## The loss as a function of $w$
#
# Over the three examples, the mean loss (MSE) is
#
# $$MSE(w) = \frac{1}{3} \sum_{i=1}^{3} (x_i w - y_i)^2 = \frac{14}{3} (w - 2)^2$$
#
# It is a parabola whose (global) minimum is at $w = 2$. Let us plot it, with the values of
# $w$ at the end of each epoch: gradient descent walks "down" the curve towards the minimum.

# %%
import matplotlib.pyplot as plt


def mse(w_value):
    return sum((x * w_value - y) ** 2 for x, y in zip(x_data, y_data)) / len(x_data)


w_grid = [i / 100 for i in range(0, 401)]
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(w_grid, [mse(v) for v in w_grid], label="MSE(w)")
ax.plot(w_history[:11], [mse(v) for v in w_history[:11]], "o-", color="tab:red",
        label=tr("w après les époques 0, 1, ..., 10", "w after epochs 0, 1, ..., 10"))
ax.set_xlabel("w")
ax.set_ylabel(tr("coût", "loss"))
ax.legend()
ax.grid(alpha=0.3)
print(tr("MSE en w = 1 :", "MSE at w = 1:"), mse(1.0), tr("  à la fin :", "  at the end:"), mse(w))

# %% [markdown] fr
# ## À retenir
#
# - Apprendre, c'est minimiser un coût par rapport aux paramètres du modèle.
# - La descente du gradient modifie les paramètres dans le sens opposé au gradient :
#   $w \leftarrow w - \alpha \, \partial loss / \partial w$.
# - Ici, nous avons calculé la dérivée à la main. Avec un réseau de neurones et ses milliers de
#   poids, ce n'est plus possible : c'est le rôle de la **différentiation automatique**
#   (*autograd*), sujet de la leçon suivante, `08-autograd-exemple-1d`.

# %% [markdown] en
# ## Key points
#
# - Learning means minimising a loss with respect to the model's parameters.
# - Gradient descent moves the parameters against the gradient:
#   $w \leftarrow w - \alpha \, \partial loss / \partial w$.
# - Here we computed the derivative by hand. With a neural network and its thousands of
#   weights that is no longer possible: that is the job of **automatic differentiation**
#   (*autograd*), the subject of the next lesson, `08-autograd-exemple-1d`.
