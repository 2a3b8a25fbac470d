// The teacher's page: the students' address and QR code, who is connected and how far they
// trained, the experiment pushed to every page, the controls locked for the class. Every call
// carries the teacher's token (this page's own ?token=...).

const TEXTS = {
  en: {
    title: "flambeau playground: teacher", subtitle: "One address for the whole class.",
    address: "The students' address", students: "Students connected", epoch: "Epoch", testLoss: "Test loss",
    playing: "Training", push: "Push an experiment", pushButton: "Push to every student",
    pushHelp: "Paste the address of your own playground tab (or its part after #): every student's page offers to load it.",
    locks: "Lock controls", locksHelp: "The controls ticked are hidden and refused on every student's page (the data set includes their own points).",
    applyLocks: "Apply to the class", pushed: "Sent to {n} students.", yes: "yes", no: "",
    error: "Refused: {why}",
  },
  fr: {
    title: "Bac à sable flambeau : enseignant", subtitle: "Une seule adresse pour toute la classe.",
    address: "L'adresse des élèves", students: "Élèves connectés", epoch: "Époque", testLoss: "Perte de test",
    playing: "Entraînement", push: "Envoyer une expérience", pushButton: "Envoyer à tous les élèves",
    pushHelp: "Collez l'adresse de votre propre onglet du bac à sable (ou sa partie après #) : chaque page d'élève proposera de la charger.",
    locks: "Verrouiller des commandes", locksHelp: "Les commandes cochées sont cachées et refusées sur chaque page d'élève (le jeu de données comprend leurs propres points).",
    applyLocks: "Appliquer à la classe", pushed: "Envoyée à {n} élèves.", yes: "oui", no: "",
    error: "Refusé : {why}",
  },
};
const lang = (navigator.language || "en").toLowerCase().startsWith("fr") ? "fr" : "en";
const t = (key, params = {}) =>
  Object.entries(params).reduce((s, [k, v]) => s.split(`{${k}}`).join(String(v)), TEXTS[lang][key] ?? key);
const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.search).get("token") || "";
const api = (path) => `/api/teacher/${path}${token ? `?token=${encodeURIComponent(token)}` : ""}`;

async function post(path, body) {
  const r = await fetch(api(path), { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  return [r.ok, await r.json()];
}

let locksBuilt = false;
async function refresh() {
  let s;
  try {
    s = await (await fetch(api("status"))).json();
  } catch {
    return;
  }
  $("connected").textContent = s.connected;
  $("max-sessions").textContent = s.max_sessions;
  $("student-url").textContent = s.student_url;
  $("student-url").href = s.student_url;
  const body = $("students").tBodies[0];
  body.textContent = "";
  for (const st of s.students) {
    const row = body.insertRow();
    for (const v of [st.n, st.epoch, st.loss_test === null ? "–" : st.loss_test.toFixed(3), st.playing ? t("yes") : t("no")]) {
      row.insertCell().textContent = v;
    }
  }
  if (!locksBuilt) {
    for (const name of s.lockable) {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = name;
      box.id = `lock-${name}`;
      box.checked = s.locks.includes(name);
      label.append(box, ` ${name}`);
      $("locks").appendChild(label);
    }
    if (s.experiment) $("experiment").value = s.experiment;
    locksBuilt = true;
  }
}

function init() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  document.title = t("title");
  $("qr").src = api("qr.svg");
  $("qr").alt = t("address");
  $("push").addEventListener("click", async () => {
    const [ok, r] = await post("experiment", { hash: $("experiment").value });
    $("push-result").textContent = ok ? t("pushed", { n: r.students }) : t("error", { why: r.code });
  });
  $("apply-locks").addEventListener("click", async () => {
    const locks = {};
    for (const box of $("locks").querySelectorAll("input")) locks[box.value] = box.checked;
    const [ok, r] = await post("locks", { locks });
    $("push-result").textContent = ok ? "" : t("error", { why: r.code });
  });
  refresh();
  setInterval(refresh, 1000);
  window.teacher = { refresh };
}

init();
