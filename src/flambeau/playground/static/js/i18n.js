// The interface's two languages. Every text of the page and of the teacher's page comes from
// here (one table: a word both pages use is written once): elements carry
// data-i18n="key" (their text), data-i18n-aria="key" (their aria-label) or data-i18n-title="key"
// (their tooltip), and applyTranslations() fills them in the current language.
//
// The language is chosen, in order, by the URL hash's `lang`, the user's last choice (kept in
// localStorage, shared by both pages) and the browser's language; French for "fr-*", English
// otherwise.

const STORAGE_KEY = "flambeau.playground.lang";

const STRINGS = {
  en: {
    title: "flambeau playground",
    "act-relu": "ReLU",
    "act-tanh": "Tanh",
    "act-sigmoid": "Sigmoid",
    "act-linear": "Linear",
    customData: "Your own points are in use.",
    notConnected: "Not connected to the server.",
    subtitle: "Tinker with a neural network in your browser, trained live by flambeau on this machine.",
    language: "Language",
    reset: "Reset the network",
    play: "Run training",
    pause: "Pause training",
    step: "Step one epoch",
    stepBatch: "Step one mini-batch",
    epoch: "Epoch",
    learningRate: "Learning rate",
    activation: "Activation",
    regularization: "Regularization",
    regularizationRate: "Regularization rate",
    problem: "Problem type",
    classification: "Classification",
    regression: "Regression",
    loss: "Loss",
    lossPlayground: "Squared error",
    controlsBar: "Training controls",
    extrasBar: "More settings",
    moreSettings: "More settings, code and files",
    filesBar: "Code and files",
    lossCrossEntropy: "Cross-entropy (softmax)",
    lossBce: "Binary cross-entropy",
    numClasses: "Classes",
    optimizer: "Optimizer",
    sgd: "SGD",
    momentum: "SGD + momentum",
    adam: "Adam",
    none: "None",
    view: "View",
    forward: "Forward: weights and outputs",
    backward: "Backward: gradients and deltas",
    speed: "Epochs per frame",
    stopEpochs: "Stop at epoch (0: never)",
    stopTestLoss: "Stop when test loss is below (0: never)",
    exportFlambeau: "Python code (flambeau)",
    exportPytorch: "Python code (PyTorch)",
    downloadWeights: "Download weights (.safetensors)",
    uploadWeights: "Load weights (.safetensors)",
    downloadConfig: "Download experiment (JSON)",
    uploadConfig: "Load experiment (JSON)",
    data: "Data",
    whichDataset: "Which dataset do you want to use?",
    "ds-circle": "Circle",
    "ds-xor": "Exclusive or",
    "ds-gauss": "Gaussian",
    "ds-spiral": "Spiral",
    "ds-moons": "Moons",
    "ds-reg-plane": "Plane",
    "ds-reg-gauss": "Multi-Gaussian",
    "ds-custom": "Your own data",
    regenerate: "Regenerate",
    ratio: "Ratio of training to test data",
    noise: "Noise",
    batchSize: "Batch size",
    ownData: "Your own data",
    ownDataHelp: "Click on the output to add a point of the chosen class, shift-click for the other one.",
    pointClass: "Class of new points",
    classPos: "Blue (+1)",
    classNeg: "Orange (−1)",
    classN: "Class {n}",
    clearPoints: "Clear the points",
    uploadCsv: "Upload CSV (x,y,label)",
    downloadCsv: "Download the data (CSV)",
    features: "Features",
    featuresHelp: "Which properties do you want to feed in? Click one to switch it on or off.",
    hiddenLayer: "hidden layer",
    hiddenLayers: "hidden layers",
    addLayer: "Add a hidden layer",
    removeLayer: "Remove the last hidden layer",
    addNeuron: "Add a neuron to hidden layer {n}",
    removeNeuron: "Remove a neuron from hidden layer {n}",
    neuron: "neuron",
    neurons: "neurons",
    feature: "Feature {name}: click to switch it on or off",
    node: "Neuron {j} of layer {l}: hover to see its output",
    outputNode: "Output neuron {j}",
    output: "Output",
    testLoss: "Test loss",
    trainLoss: "Training loss",
    testAcc: "Test accuracy",
    trainAcc: "Training accuracy",
    lossChart: "Loss over the epochs (grey: training, black: test)",
    chartHover: "epoch {e}: training {tr}, test {te}",
    heatmap: "Output of the network over [-6, 6]²; click to add a point",
    colorLegend: "Colours show data, neuron and weight values.",
    showTestData: "Show test data",
    discretize: "Discretize output",
    confusion: "Confusion matrix (test data)",
    trueClass: "true ↓ / predicted →",
    codeTitle: "Python script",
    copy: "Copy",
    copied: "Copied",
    download: "Download",
    close: "Close",
    dismiss: "Dismiss",
    weightIs: "Weight is {v}",
    biasIs: "Bias is {v}",
    gradIs: "Gradient is {v}",
    deltaIs: "Delta is {v}",
    editWeight: "Weight",
    editBias: "Bias",
    weightFrom: "Weight from {name}",
    nodeName: "Neuron {j} of layer {l}",
    tapNeuron: "Tap a neuron to see its output and to edit its bias and incoming weights.",
    stoppedEpochs: "Stopped: {n} {n?epoch|epochs} reached.",
    stoppedTestLoss: "Stopped: the test loss fell below {v}.",
    stoppedNan: "Stopped: the loss diverged (NaN). Try a lower learning rate.",
    stoppedOther: "Stopped: {why}.",
    connectionLost: "The connection to the server was lost; reconnecting…",
    teacherExperiment: "Your teacher shared an experiment.",
    loadTeacher: "Load the teacher's experiment",
    noData: "No training data: click on the output to add points, upload a CSV file or choose a data set.",
    "notice-points_too_large": "Your {n} points are too many for the page's address: a shared link will open without them. Download them as CSV and share the file.",
    fileTooLarge: "This file is too large ({size} bytes; at most {max}).",
    readError: "Could not read the file.",
    forwardLegendTouch: "Links: colour and width show the weight (blue positive, orange negative); the small square is the bias.",
    forwardLegend: "Links: colour and width show the weight (blue positive, orange negative); the small square is the bias. Click a link or a bias to edit it; hover a neuron to see its output.",
    backwardLegend: "Backward view: links show each weight's gradient (blue positive, orange negative, width its size), a neuron's frame its delta, from the last mini-batch.",
    article1: "A neural network learns to separate the orange points from the blue ones. Pick a data set, the features fed in, the hidden layers and their neurons, then press play: the training runs in flambeau, on this machine, and every frame shows what the network has learnt.",
    article2: "The background of the output is the network's prediction at each point of the plane: orange for −1, blue for +1. Each neuron shows, in its small square, what it computes over the same plane. Everything you choose is kept in the page's address: copy it to share the experiment.",
    // the teacher's page (teacher.html)
    teacherTitle: "flambeau playground: teacher",
    teacherSubtitle: "One address for the whole class.",
    studentsAddress: "The students' address",
    studentsConnected: "Students connected:",
    training: "Training",
    yes: "yes",
    pushExperiment: "Push an experiment",
    mineHelp: "Set up the experiment in your own playground, then push it: every student's page offers to load it.",
    openMine: "Open my playground",
    pushMine: "Push my playground's experiment to every student",
    mineOpen: "(open)",
    mineClosed: "(not open)",
    pushOther: "Or push another address",
    pushHelp: "Paste a playground address (or its part after #).",
    pushAddress: "Push this address to every student",
    pushed: "Sent to {n} {n?student|students}.",
    lockControls: "Lock controls",
    locksHelp: "The controls ticked are hidden and refused on every student's page (the data set includes their own points).",
    applyLocks: "Apply to the class",
    locksApplied: "Applied to the class: {n} {n?control|controls} locked.",
  },
  fr: {
    title: "Le bac à sable de flambeau",
    "act-relu": "ReLU",
    "act-tanh": "Tanh",
    "act-sigmoid": "Sigmoïde",
    "act-linear": "Linéaire",
    customData: "Vos propres points sont utilisés.",
    notConnected: "Pas de connexion au serveur.",
    subtitle: "Bricolez un réseau de neurones dans votre navigateur, entraîné en direct par flambeau sur cette machine.",
    language: "Langue",
    reset: "Réinitialiser le réseau",
    play: "Lancer l'entraînement",
    pause: "Mettre l'entraînement en pause",
    step: "Avancer d'une époque",
    stepBatch: "Avancer d'un mini-lot",
    epoch: "Époque",
    learningRate: "Taux d'apprentissage",
    activation: "Activation",
    regularization: "Régularisation",
    regularizationRate: "Taux de régularisation",
    problem: "Type de problème",
    classification: "Classification",
    regression: "Régression",
    loss: "Perte",
    lossPlayground: "Erreur quadratique",
    controlsBar: "Commandes de l'entraînement",
    extrasBar: "Autres réglages",
    moreSettings: "Autres réglages, code et fichiers",
    filesBar: "Code et fichiers",
    lossCrossEntropy: "Entropie croisée (softmax)",
    lossBce: "Entropie croisée binaire",
    numClasses: "Classes",
    optimizer: "Optimiseur",
    sgd: "SGD",
    momentum: "SGD avec moment",
    adam: "Adam",
    none: "Aucune",
    view: "Vue",
    forward: "Propagation : poids et sorties",
    backward: "Rétropropagation : gradients et deltas",
    speed: "Époques par image",
    stopEpochs: "Arrêter à l'époque (0 : jamais)",
    stopTestLoss: "Arrêter quand la perte de test passe sous (0 : jamais)",
    exportFlambeau: "Code Python (flambeau)",
    exportPytorch: "Code Python (PyTorch)",
    downloadWeights: "Télécharger les poids (.safetensors)",
    uploadWeights: "Charger des poids (.safetensors)",
    downloadConfig: "Télécharger l'expérience (JSON)",
    uploadConfig: "Charger une expérience (JSON)",
    data: "Données",
    whichDataset: "Quel jeu de données voulez-vous utiliser ?",
    "ds-circle": "Cercle",
    "ds-xor": "Ou exclusif",
    "ds-gauss": "Gaussiennes",
    "ds-spiral": "Spirale",
    "ds-moons": "Lunes",
    "ds-reg-plane": "Plan",
    "ds-reg-gauss": "Multi-gaussienne",
    "ds-custom": "Vos données",
    regenerate: "Régénérer",
    ratio: "Part des données d'entraînement",
    noise: "Bruit",
    batchSize: "Taille du lot",
    ownData: "Vos propres données",
    ownDataHelp: "Cliquez sur la sortie pour ajouter un point de la classe choisie, Maj+clic pour l'autre.",
    pointClass: "Classe des nouveaux points",
    classPos: "Bleu (+1)",
    classNeg: "Orange (−1)",
    classN: "Classe {n}",
    clearPoints: "Effacer les points",
    uploadCsv: "Importer un CSV (x,y,label)",
    downloadCsv: "Télécharger les données (CSV)",
    features: "Entrées",
    featuresHelp: "Quelles propriétés voulez-vous donner au réseau ? Cliquez pour en activer ou désactiver une.",
    hiddenLayer: "couche cachée",
    hiddenLayers: "couches cachées",
    addLayer: "Ajouter une couche cachée",
    removeLayer: "Retirer la dernière couche cachée",
    addNeuron: "Ajouter un neurone à la couche cachée {n}",
    removeNeuron: "Retirer un neurone de la couche cachée {n}",
    neuron: "neurone",
    neurons: "neurones",
    feature: "Entrée {name} : cliquez pour l'activer ou la désactiver",
    node: "Neurone {j} de la couche {l} : survolez-le pour voir sa sortie",
    outputNode: "Neurone de sortie {j}",
    output: "Sortie",
    testLoss: "Perte de test",
    trainLoss: "Perte d'entraînement",
    testAcc: "Exactitude (test)",
    trainAcc: "Exactitude (entraînement)",
    lossChart: "Perte au fil des époques (gris : entraînement, noir : test)",
    chartHover: "époque {e} : entraînement {tr}, test {te}",
    heatmap: "Sortie du réseau sur [-6, 6]² ; cliquez pour ajouter un point",
    colorLegend: "Les couleurs montrent les données, les neurones et les poids.",
    showTestData: "Afficher les données de test",
    discretize: "Discrétiser la sortie",
    confusion: "Matrice de confusion (données de test)",
    trueClass: "réelle ↓ / prédite →",
    codeTitle: "Script Python",
    copy: "Copier",
    copied: "Copié",
    download: "Télécharger",
    close: "Fermer",
    dismiss: "Fermer ce message",
    weightIs: "Le poids vaut {v}",
    biasIs: "Le biais vaut {v}",
    gradIs: "Le gradient vaut {v}",
    deltaIs: "Le delta vaut {v}",
    editWeight: "Poids",
    editBias: "Biais",
    weightFrom: "Poids venant de {name}",
    nodeName: "Neurone {j} de la couche {l}",
    tapNeuron: "Touchez un neurone pour voir sa sortie et modifier son biais et les poids qui y arrivent.",
    stoppedEpochs: "Arrêt : {n} {n?époque atteinte|époques atteintes}.",
    stoppedTestLoss: "Arrêt : la perte de test est passée sous {v}.",
    stoppedNan: "Arrêt : la perte a divergé (NaN). Essayez un taux d'apprentissage plus petit.",
    stoppedOther: "Arrêt : {why}.",
    connectionLost: "La connexion au serveur est perdue ; reconnexion…",
    teacherExperiment: "Votre enseignant a partagé une expérience.",
    loadTeacher: "Charger l'expérience de l'enseignant",
    noData: "Pas de données d'entraînement : cliquez sur la sortie pour ajouter des points, importez un fichier CSV ou choisissez un jeu de données.",
    "notice-points_too_large": "Vos {n} points sont trop nombreux pour l'adresse de la page : un lien partagé s'ouvrira sans eux. Téléchargez-les en CSV et partagez le fichier.",
    fileTooLarge: "Ce fichier est trop gros ({size} octets ; au plus {max}).",
    readError: "Impossible de lire le fichier.",
    forwardLegendTouch: "Liens : la couleur et l'épaisseur montrent le poids (bleu positif, orange négatif) ; le petit carré est le biais.",
    forwardLegend: "Liens : la couleur et l'épaisseur montrent le poids (bleu positif, orange négatif) ; le petit carré est le biais. Cliquez sur un lien ou un biais pour le modifier ; survolez un neurone pour voir sa sortie.",
    backwardLegend: "Vue rétropropagation : les liens montrent le gradient de chaque poids (bleu positif, orange négatif, l'épaisseur sa taille), le cadre d'un neurone son delta, sur le dernier mini-lot.",
    article1: "Un réseau de neurones apprend à séparer les points orange des points bleus. Choisissez un jeu de données, les entrées, les couches cachées et leurs neurones, puis lancez : l'entraînement tourne dans flambeau, sur cette machine, et chaque image montre ce que le réseau a appris.",
    article2: "Le fond de la sortie est la prédiction du réseau en chaque point du plan : orange pour −1, bleu pour +1. Chaque neurone montre, dans son petit carré, ce qu'il calcule sur ce même plan. Tous vos choix sont gardés dans l'adresse de la page : copiez-la pour partager l'expérience.",
    // la page de l'enseignant (teacher.html)
    teacherTitle: "Bac à sable flambeau : enseignant",
    teacherSubtitle: "Une seule adresse pour toute la classe.",
    studentsAddress: "L'adresse des élèves",
    studentsConnected: "Élèves connectés :",
    training: "Entraînement",
    yes: "oui",
    pushExperiment: "Envoyer une expérience",
    mineHelp: "Préparez l'expérience dans votre propre bac à sable, puis envoyez-la : chaque page d'élève proposera de la charger.",
    openMine: "Ouvrir mon bac à sable",
    pushMine: "Envoyer l'expérience de mon bac à sable à tous les élèves",
    mineOpen: "(ouvert)",
    mineClosed: "(pas ouvert)",
    pushOther: "Ou envoyer une autre adresse",
    pushHelp: "Collez l'adresse d'un bac à sable (ou sa partie après #).",
    pushAddress: "Envoyer cette adresse à tous les élèves",
    pushed: "Envoyée à {n} {n?élève|élèves}.",
    lockControls: "Verrouiller des commandes",
    locksHelp: "Les commandes cochées sont cachées et refusées sur chaque page d'élève (le jeu de données comprend leurs propres points).",
    applyLocks: "Appliquer à la classe",
    locksApplied: "Appliqué à la classe : {n} {n?commande verrouillée|commandes verrouillées}.",
  },
};

export const LANGS = Object.keys(STRINGS);
let current = "en";

/** The language from the hash, else the saved choice, else the browser's. */
export function initialLang(hash) {
  const fromHash = new URLSearchParams(hash || "").get("lang");
  if (fromHash && STRINGS[fromHash]) return fromHash;
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && STRINGS[saved]) return saved;
  } catch {
    /* storage may be disabled: fall through */
  }
  const nav = (navigator.language || "en").toLowerCase();
  return nav.startsWith("fr") ? "fr" : "en";
}

export function getLang() {
  return current;
}

/** Switch language; `remember` keeps the choice in localStorage for the next visit. */
export function setLang(lang, remember = false) {
  if (!STRINGS[lang]) return;
  current = lang;
  document.documentElement.lang = lang;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, lang);
    } catch {
      /* ignore */
    }
  }
}

/**
 * A template's plural forms chosen: `{n?session|sessions}` is the first form where the number
 * `params.n` takes the singular in `lang` (English: 1; French: 0 and 1), else the second.
 */
export function plural(template, params, lang = current) {
  const rules = new Intl.PluralRules(lang);
  return template.replace(/\{(\w+)\?([^|{}]*)\|([^{}]*)\}/g, (_, k, one, other) => {
    const n = Number(params[k]);
    return Number.isFinite(n) && rules.select(n) === "one" ? one : other;
  });
}

/** Whether the number n takes the singular in the current language (French: 0 and 1). */
export function isOne(n) {
  return new Intl.PluralRules(current).select(n) === "one";
}

/** Fill a template: plural forms first (from the raw numbers), then the {name} placeholders. */
export function fill(template, params = {}, lang = current, raw = params) {
  let s = plural(template, raw, lang);
  for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

/** The text of `key` in the current language, with {name} placeholders filled from params. */
export function t(key, params = {}) {
  return fill(STRINGS[current][key] ?? STRINGS.en[key] ?? key, params);
}

/** Fill every data-i18n / data-i18n-aria / data-i18n-title element under root. */
export function applyTranslations(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  // the document's title is its <title data-i18n="..."> (the page's and the teacher's differ)
}

// A setting's or a control's name, as its label on the page says it (the keys above): the
// messages that name a setting (messages.js) and the teacher's locks (config.py's HIDE_NAMES)
// use the words of the control itself.
const LABELS = {
  learningRate: "learningRate", activation: "activation", regularization: "regularization",
  regularizationRate: "regularizationRate", problem: "problem", loss: "loss", numClasses: "numClasses",
  optimizer: "optimizer", view: "view", speed: "speed", stopEpochs: "stopEpochs", stopTestLoss: "stopTestLoss",
  batchSize: "batchSize", noise: "noise", percTrainData: "ratio", dataset: "data", regDataset: "data",
  lang: "language", networkShape: "hiddenLayers", showTestData: "showTestData", discretize: "discretize",
  framework: "exportFlambeau", playButton: "play", stepButton: "step", resetButton: "reset",
  numHiddenLayers: "hiddenLayers",
};

/** The label of the setting or control `name` in the current language; `name` itself if it has none. */
export function settingLabel(name) {
  return Object.hasOwn(LABELS, name) ? t(LABELS[name]) : name;
}
