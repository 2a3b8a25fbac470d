// The server's error messages in the page's language. The server sends {code, params, field}
// (flambeau/playground/errors.py: its table ERROR_CODES lists every code and its parameters);
// each code has its text here, in English and French, with {name} placeholders filled from the
// params. The server's English `message` is never shown: a code missing here reads as the
// generic "invalid" text (tests check, in the browser, that every code of the table and every
// kind of EXPECT_KINDS has a text of its own in both languages).

import { fill, getLang, settingLabel, t } from "./i18n.js";

const MESSAGES = {
  en: {
    invalid: "This request was refused.",
    internal: "Something went wrong on the server (the details are in its log). Reload the page if it persists.",
    bad_value: "{key}: “{value}” does not fit; {expect}.",
    unknown_setting: "Unknown setting “{key}”.",
    not_settings: "A configuration must be a list of settings and their values.",
    classes_need_cross_entropy: "{n} classes need the cross-entropy loss (a softmax output); {loss} works with 2 classes.",
    moons_two_classes: "The moons data set has 2 classes only; 3 and 4 classes exist for circle, xor, gauss, spiral and your own data.",
    hash_too_long: "The address is too long ({n} {n?character|characters}, at most {max}).",
    bad_field: "{name}: {expect}.",
    missing_field: "The request lacks “{name}”.",
    too_many_changes: "Too many settings at once ({n}, at most {max}).",
    not_json: "The server received a message it cannot read.",
    unknown_message: "The server does not know this request.",
    bad_node_id: "No such neuron.",
    bad_weight: "A weight or a bias must be a number of at most {max} in absolute value.",
    bad_points: "The points in this link are damaged or for another problem: the data set is empty.",
    label_not_number: "The label “{value}” is not a number.",
    label_too_large: "The label {value} is too large (at most {max} in absolute value).",
    label_not_class: "{value} is not a class: {classes}.",
    too_many_points: "The data set already has {max} {max?point|points}, the most it can hold.",
    csv_not_number: "Row {row}: the {column} “{value}” is not a number.",
    csv_number_too_large: "Row {row}: the {column} “{value}” is too large (at most {max} in absolute value).",
    csv_too_large: "The CSV file is too large ({n} {n?character|characters}, at most {max}).",
    csv_unreadable: "The CSV file cannot be read at line {row} (a quote or a line break out of place?).",
    csv_empty: "The CSV file has no points (expected rows of x,y,label).",
    csv_too_many_points: "The CSV file has {n} {n?point|points}; at most {max} {max?is|are} allowed.",
    csv_columns: "Row {row}: expected 3 columns (x,y,label) or 4 (x,y,label,split), found {n}.",
    csv_label: "Row {row}: {value} is not a class: {classes}.",
    csv_label_classes: "Row {row}: {value} is not a class with {k} classes. The file's labels 0 to {last} make {suggest} classes: choose {suggest} classes, then upload it again.",
    csv_label_regression: "Row {row}: {value} is not a class. The file's labels are numbers: choose the regression problem, then upload it again.",
    csv_split: "The split column must say train or test on every row.",
    custom_export: "Your own points can only be exported from the page that holds them.",
    custom_labels_misfit: "Your points' labels do not fit this problem ({problem}); clear them or choose another data set.",
    config_file_too_large: "The experiment file is too large (at most {max} {max?character|characters}).",
    config_file_not_json: "This is not an experiment file (a JSON object of settings).",
    weights_not_file: "This is not a weights file (.safetensors).",
    weights_too_large: "The weights file is too large (at most {max_mb} MB).",
    weights_other_network: "These weights are for another network: this one has {layers} {layers?layer|layers} of weights.",
    weights_shape: "These weights are for another network: {name} is {shape} in the file, {needed} here.",
    weights_not_finite: "The weights file holds values that are not numbers ({name}).",
    session_full: "The server is full (at most {max} {max?session|sessions} at once). This page will try again by itself; or ask the teacher.",
    locked: "The teacher has locked this control ({name}).",
    no_teacher_tab: "Open your own playground first (the link on this page), set up the experiment there, then push it.",
    // what a setting accepts (bad_value, bad_field)
    "expect-int_range": "expected a whole number from {low} to {high}",
    "expect-number_range": "expected a number from {low} to {high}",
    "expect-percent_range": "expected a percentage from {low} to {high}",
    "expect-choice": "expected one of {options}",
    "expect-bool": "expected true or false",
    "expect-shape": "expected up to {max_layers} layer sizes from 1 to {max_neurons}, separated by commas, such as 4,2",
    "expect-positive": "expected a positive number",
    "expect-non_negative": "expected a number of at least 0",
    "expect-seed": "expected letters, digits, '.', '_' or '-' (at most {max}), or a number",
    "expect-name": "expected a short name of letters, digits, '.', '_' or '-'",
    "expect-int": "expected a whole number",
    "expect-number": "expected a number",
    "expect-str": "expected a text",
    "expect-dict": "expected a list of settings",
    "expect-any": "expected a value",
    "classes-2": "use +1 (blue) or −1 (orange)",
    "classes-k": "use 0 to {last}",
  },
  fr: {
    invalid: "Cette demande a été refusée.",
    internal: "Un problème est survenu sur le serveur (les détails sont dans son journal). Rechargez la page s'il persiste.",
    bad_value: "{key} : « {value} » ne convient pas ; {expect}.",
    unknown_setting: "Réglage inconnu « {key} ».",
    not_settings: "Une configuration doit être une liste de réglages et de leurs valeurs.",
    classes_need_cross_entropy: "{n} classes demandent la perte d'entropie croisée (une sortie softmax) ; {loss} ne va qu'avec 2 classes.",
    moons_two_classes: "Le jeu de données des lunes n'a que 2 classes ; 3 et 4 classes existent pour cercle, ou exclusif, gaussiennes, spirale et vos données.",
    hash_too_long: "L'adresse est trop longue ({n} {n?caractère|caractères}, au plus {max}).",
    bad_field: "{name} : {expect}.",
    missing_field: "Il manque « {name} » à la demande.",
    too_many_changes: "Trop de réglages à la fois ({n}, au plus {max}).",
    not_json: "Le serveur a reçu un message illisible.",
    unknown_message: "Le serveur ne connaît pas cette demande.",
    bad_node_id: "Ce neurone n'existe pas.",
    bad_weight: "Un poids ou un biais doit être un nombre d'au plus {max} en valeur absolue.",
    bad_points: "Les points de ce lien sont abîmés ou d'un autre problème : le jeu de données est vide.",
    label_not_number: "L'étiquette « {value} » n'est pas un nombre.",
    label_too_large: "L'étiquette {value} est trop grande (au plus {max} en valeur absolue).",
    label_not_class: "{value} n'est pas une classe : {classes}.",
    too_many_points: "Le jeu de données a déjà {max} {max?point|points}, le plus qu'il puisse contenir.",
    csv_not_number: "Ligne {row} : la valeur {column} « {value} » n'est pas un nombre.",
    csv_number_too_large: "Ligne {row} : la valeur {column} « {value} » est trop grande (au plus {max} en valeur absolue).",
    csv_too_large: "Le fichier CSV est trop gros ({n} {n?caractère|caractères}, au plus {max}).",
    csv_unreadable: "Le fichier CSV est illisible à la ligne {row} (un guillemet ou un saut de ligne mal placé ?).",
    csv_empty: "Le fichier CSV n'a aucun point (des lignes x,y,label sont attendues).",
    csv_too_many_points: "Le fichier CSV a {n} {n?point|points} ; {max} au plus {max?est accepté|sont acceptés}.",
    csv_columns: "Ligne {row} : 3 colonnes (x,y,label) ou 4 (x,y,label,split) sont attendues, il y en a {n}.",
    csv_label: "Ligne {row} : {value} n'est pas une classe : {classes}.",
    csv_label_classes: "Ligne {row} : {value} n'est pas une classe quand il y en a {k}. Les étiquettes 0 à {last} du fichier font {suggest} classes : choisissez {suggest} classes, puis importez-le de nouveau.",
    csv_label_regression: "Ligne {row} : {value} n'est pas une classe. Les étiquettes du fichier sont des nombres : choisissez le problème de régression, puis importez-le de nouveau.",
    csv_split: "La colonne split doit dire train ou test à chaque ligne.",
    custom_export: "Vos propres points ne s'exportent que depuis la page qui les contient.",
    custom_labels_misfit: "Les étiquettes de vos points ne vont pas avec ce problème ({problem}) ; effacez-les ou choisissez un autre jeu de données.",
    config_file_too_large: "Le fichier d'expérience est trop gros (au plus {max} {max?caractère|caractères}).",
    config_file_not_json: "Ce n'est pas un fichier d'expérience (un objet JSON de réglages).",
    weights_not_file: "Ce n'est pas un fichier de poids (.safetensors).",
    weights_too_large: "Le fichier de poids est trop gros (au plus {max_mb} Mo).",
    weights_other_network: "Ces poids sont ceux d'un autre réseau : celui-ci a {layers} {layers?couche|couches} de poids.",
    weights_shape: "Ces poids sont ceux d'un autre réseau : {name} est {shape} dans le fichier, {needed} ici.",
    weights_not_finite: "Le fichier de poids contient des valeurs qui ne sont pas des nombres ({name}).",
    session_full: "Le serveur est plein (au plus {max} {max?session|sessions} à la fois). Cette page réessaiera d'elle-même ; sinon, demandez à l'enseignant.",
    locked: "L'enseignant a verrouillé cette commande ({name}).",
    no_teacher_tab: "Ouvrez d'abord votre propre bac à sable (le lien de cette page), préparez-y l'expérience, puis envoyez-la.",
    "expect-int_range": "un nombre entier de {low} à {high} est attendu",
    "expect-number_range": "un nombre de {low} à {high} est attendu",
    "expect-percent_range": "un pourcentage de {low} à {high} est attendu",
    "expect-choice": "une de ces valeurs est attendue : {options}",
    "expect-bool": "vrai (true) ou faux (false) est attendu",
    "expect-shape": "jusqu'à {max_layers} tailles de couche de 1 à {max_neurons}, séparées par des virgules, sont attendues, comme 4,2",
    "expect-positive": "un nombre positif est attendu",
    "expect-non_negative": "un nombre d'au moins 0 est attendu",
    "expect-seed": "des lettres, chiffres, « . », « _ » ou « - » (au plus {max}), ou un nombre, sont attendus",
    "expect-name": "un nom court de lettres, chiffres, « . », « _ » ou « - » est attendu",
    "expect-int": "un nombre entier est attendu",
    "expect-number": "un nombre est attendu",
    "expect-str": "un texte est attendu",
    "expect-dict": "une liste de réglages est attendue",
    "expect-any": "une valeur est attendue",
    "classes-2": "utilisez +1 (bleu) ou −1 (orange)",
    "classes-k": "utilisez 0 à {last}",
  },
};

/** The text of `key` with params; `raw`: the numbers before formatting, for plural forms. */
function text(key, params, raw = params) {
  const table = MESSAGES[getLang()] || MESSAGES.en;
  return fill(table[key] ?? MESSAGES.en[key] ?? table.invalid, params, getLang(), raw);
}

/** Every code this page words (for the tests). */
export const MESSAGE_CODES = Object.keys(MESSAGES.en);

/** The text of an error message {code, params, field} in the page's language. */
export function errorText(msg) {
  const code = typeof msg.code === "string" && MESSAGES.en[msg.code] ? msg.code : "invalid";
  const raw = { ...(msg.params || {}) };
  const p = { ...raw };
  // a setting's name as its control says it (i18n.js)
  if (p.key !== undefined) p.key = settingLabel(p.key);
  if (p.name !== undefined) p.name = settingLabel(p.name);
  if (Array.isArray(p.options)) p.options = p.options.filter((o) => o !== "").join(", "); // "": the default
  if (p.expect !== undefined) p.expect = text(`expect-${p.expect}`, p);
  if (p.k !== undefined) p.last = Number(p.k) - 1;
  if (p.suggest !== undefined) p.last = Number(p.suggest) - 1;
  if (code === "label_not_class" || code === "csv_label") {
    p.classes = Number(p.k) > 2 ? text("classes-k", { last: Number(p.k) - 1 }) : text("classes-2", {});
  }
  if (p.problem !== undefined) p.problem = t(p.problem);
  if (p.loss !== undefined) p.loss = t({ playground: "lossPlayground", bce: "lossBce", cross_entropy: "lossCrossEntropy" }[p.loss] || p.loss);
  if (p.column !== undefined && getLang() === "fr") p.column = { label: "label", x: "x", y: "y" }[p.column] || p.column;
  for (const k of ["max", "n"]) if (typeof p[k] === "number") p[k] = p[k].toLocaleString(getLang());
  return text(code, p, { ...raw, last: p.last });
}
