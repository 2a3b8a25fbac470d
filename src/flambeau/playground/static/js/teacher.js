// The teacher's page: the students' address and QR code, who is connected and how far they
// trained, the experiment pushed to every page, the controls locked for the class. Every call
// carries the teacher's token (this page's own ?token=...). "My playground" opens the teacher's
// own tab (/?teacher=KEY: the server knows it), whose experiment one click pushes to the class.
// The server's refusals are worded by the students' page's own table (messages.js).

import { fill, setLang } from "./i18n.js";
import { errorText } from "./messages.js";

const TEXTS = {
  en: {
    title: "flambeau playground: teacher", subtitle: "One address for the whole class.",
    address: "The students' address", students: "Students connected", epoch: "Epoch", testLoss: "Test loss",
    playing: "Training", push: "Push an experiment", pushButton: "Push this address to every student",
    mineHelp: "Set up the experiment in your own playground, then push it: every student's page offers to load it.",
    openMine: "Open my playground", pushMine: "Push my playground's experiment to every student",
    mineOpen: "(open)", mineClosed: "(not open)", pushOther: "Or push another address",
    pushHelp: "Paste a playground address (or its part after #).",
    locks: "Lock controls", locksHelp: "The controls ticked are hidden and refused on every student's page (the data set includes their own points).",
    applyLocks: "Apply to the class", pushed: "Sent to {n} {n?student|students}.", yes: "yes", no: "",
  },
  fr: {
    title: "Bac à sable flambeau : enseignant", subtitle: "Une seule adresse pour toute la classe.",
    address: "L'adresse des élèves", students: "Élèves connectés", epoch: "Époque", testLoss: "Perte de test",
    playing: "Entraînement", push: "Envoyer une expérience", pushButton: "Envoyer cette adresse à tous les élèves",
    mineHelp: "Préparez l'expérience dans votre propre bac à sable, puis envoyez-la : chaque page d'élève proposera de la charger.",
    openMine: "Ouvrir mon bac à sable", pushMine: "Envoyer l'expérience de mon bac à sable à tous les élèves",
    mineOpen: "(ouvert)", mineClosed: "(pas ouvert)", pushOther: "Ou envoyer une autre adresse",
    pushHelp: "Collez l'adresse d'un bac à sable (ou sa partie après #).",
    locks: "Verrouiller des commandes", locksHelp: "Les commandes cochées sont cachées et refusées sur chaque page d'élève (le jeu de données comprend leurs propres points).",
    applyLocks: "Appliquer à la classe", pushed: "Envoyée à {n} {n?élève|élèves}.", yes: "oui", no: "",
  },
};
const lang = (navigator.language || "en").toLowerCase().startsWith("fr") ? "fr" : "en";
setLang(lang);
const t = (key, params = {}) => fill(TEXTS[lang][key] ?? key, params, lang);
const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.search).get("token") || "";
const teacherKey = token || "1"; // a loopback server has no token: any key marks the teacher's tab
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
  $("mine-state").textContent = s.teacher_tab ? t("mineOpen") : t("mineClosed");
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
  for (const el of document.querySelectorAll("[data-t-aria]")) el.setAttribute("aria-label", t(el.dataset.tAria));
  $("open-mine").href = `/?teacher=${encodeURIComponent(teacherKey)}${token ? `&token=${encodeURIComponent(token)}` : ""}`;
  const pushed = ([ok, r]) => {
    $("push-result").textContent = ok ? t("pushed", { n: r.students }) : errorText(r);
  };
  $("push-mine").addEventListener("click", async () => pushed(await post("experiment", { from: "teacher_tab" })));
  document.title = t("title");
  $("qr").src = api("qr.svg");
  $("qr").alt = t("address");
  $("push").addEventListener("click", async () => pushed(await post("experiment", { hash: $("experiment").value })));
  $("apply-locks").addEventListener("click", async () => {
    const locks = {};
    for (const box of $("locks").querySelectorAll("input")) locks[box.value] = box.checked;
    const [ok, r] = await post("locks", { locks });
    $("push-result").textContent = ok ? "" : errorText(r);
  });
  refresh();
  setInterval(refresh, 1000);
  window.teacher = { refresh };
}

init();
