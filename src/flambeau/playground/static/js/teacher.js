// The teacher's page: the students' address and QR code, who is connected and how far they
// trained, the experiment pushed to every page, the controls locked for the class. Every call
// carries the teacher's token (this page's own ?token=...). "My playground" opens the teacher's
// own tab (/?teacher=KEY: the server knows it), whose experiment one click pushes to the class.
//
// Its words are the student page's (i18n.js: one table, the same language switch, the same
// remembered choice); the server's refusals are worded by messages.js from their codes, and a
// control's name by the label the students' page gives it. What the page shows is kept as data
// (the last status, the last answers) and drawn again in the new language when it changes.

import { applyTranslations, getLang, initialLang, setLang, settingLabel, t } from "./i18n.js";
import { errorText } from "./messages.js";
import { formatLoss } from "./format.js";

const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.search).get("token") || "";
const teacherKey = token || "1"; // a loopback server has no token: any key marks the teacher's tab
const api = (path) => `/api/teacher/${path}${token ? `?token=${encodeURIComponent(token)}` : ""}`;

const shown = {
  status: null, // the server's last /api/teacher/status
  push: null, // the last push's answer: [ok, body]
  locks: null, // the last locks' answer: [ok, body]
};

/** POST a JSON body; [ok, the answer's JSON] (an answer that is not JSON reads as a refusal). */
async function post(path, body) {
  try {
    const r = await fetch(api(path), { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    return [r.ok, await r.json()];
  } catch {
    return [false, { code: "invalid" }];
  }
}

/** A control's name as the students' page labels it, with a capital. */
function lockLabel(name) {
  const text = settingLabel(name);
  return text.charAt(0).toLocaleUpperCase(getLang()) + text.slice(1);
}

function buildLocks(s) {
  for (const name of s.lockable) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = name;
    box.id = `lock-${name}`;
    box.checked = s.locks.includes(name);
    const text = document.createElement("span");
    text.className = "lock-name";
    text.dataset.lock = name;
    label.append(box, " ", text);
    $("locks").appendChild(label);
  }
  if (s.experiment) $("experiment").value = s.experiment;
}

/** Draw everything from what the page knows, in the current language. */
function draw() {
  for (const el of document.querySelectorAll(".lock-name")) el.textContent = lockLabel(el.dataset.lock);
  const [pushOk, pushed] = shown.push || [true, null];
  $("push-result").textContent = !pushed ? "" : pushOk ? t("pushed", { n: pushed.students }) : errorText(pushed);
  const [lockOk, locked] = shown.locks || [true, null];
  $("locks-result").textContent = !locked ? "" : lockOk ? t("locksApplied", { n: locked.locks.length }) : errorText(locked);
  const s = shown.status;
  if (!s) return;
  $("connected").textContent = s.connected;
  $("max-sessions").textContent = s.max_sessions;
  $("mine-state").textContent = s.teacher_tab ? t("mineOpen") : t("mineClosed");
  $("student-url").textContent = s.student_url;
  $("student-url").href = s.student_url;
  const body = $("students").tBodies[0];
  body.textContent = "";
  for (const st of s.students) {
    const row = body.insertRow();
    for (const v of [st.n, st.epoch, st.loss_test === null ? "–" : formatLoss(st.loss_test), st.playing ? t("yes") : ""]) {
      row.insertCell().textContent = v;
    }
  }
}

async function refresh() {
  let s;
  try {
    const r = await fetch(api("status"));
    s = r.ok ? await r.json() : null;
  } catch {
    s = null;
  }
  $("unreachable").hidden = s !== null; // the server stopped, or the laptop left the network
  if (!s) return;
  if (!shown.status) buildLocks(s);
  shown.status = s;
  draw();
}

/** Switch language; `remember`: the user chose it (the teacher's own playground opens in it too). */
function changeLanguage(lang, remember) {
  setLang(lang, remember);
  $("lang-switch").value = getLang();
  applyTranslations();
  $("qr").alt = t("studentsAddress");
  draw();
}

function init() {
  changeLanguage(initialLang(location.hash.replace(/^#/, "")), false);
  $("lang-switch").addEventListener("change", (ev) => changeLanguage(ev.target.value, true));
  $("open-mine").href = `/?teacher=${encodeURIComponent(teacherKey)}${token ? `&token=${encodeURIComponent(token)}` : ""}`;
  $("qr").src = api("qr.svg");
  const pushed = (answer) => {
    shown.push = answer;
    draw();
  };
  $("push-mine").addEventListener("click", async () => pushed(await post("experiment", { from: "teacher_tab" })));
  $("push").addEventListener("click", async () => pushed(await post("experiment", { hash: $("experiment").value })));
  $("apply-locks").addEventListener("click", async () => {
    const locks = {};
    for (const box of $("locks").querySelectorAll("input")) locks[box.value] = box.checked;
    shown.locks = await post("locks", { locks });
    draw();
  });
  refresh();
  setInterval(refresh, 1000);
  window.teacher = { refresh, shown };
}

init();
