// The review page: every change is sent at once and shown only once the server has stored it;
// the page asks every few seconds what changed elsewhere (another tab, another TA).
"use strict";
const main = document.getElementById("review");
const api = main.dataset.api;
const answers = [...document.querySelectorAll("section.answer")];
const status = document.getElementById("status");
const pending = new Set();  // "submission:item" ticks on their way: the poll leaves them alone
let current = 0;

function say(text, bad) {
  status.textContent = text;
  status.className = bad ? "bad" : "ok";
}

async function send(path, payload, method = "POST") {
  const response = await fetch(`${api}/${path}`, {
    method, headers: {"Content-Type": "application/json"},
    body: payload === undefined ? undefined : JSON.stringify(payload)});
  const data = await response.json().catch(() => ({error: `the server answered ${response.status}`}));
  if (!response.ok) throw new Error(data.error || `the server answered ${response.status}`);
  return data;
}

function show(section, state) {
  section.classList.toggle("graded", state.graded);
  section.querySelector(".score").textContent =
    state.score === null ? "not graded" : `${state.score} / ${main.dataset.points}`;
  section.querySelector(".changed").hidden = !state.changed_since_graded;
  section.querySelectorAll("input[data-item]").forEach(box => {
    const key = `${section.dataset.submission}:${box.dataset.item}`;
    if (!pending.has(key)) box.checked = state.ticked.includes(Number(box.dataset.item));
  });
  const active = document.activeElement;
  for (const [cls, key] of [["comment", "comment"], ["adjustment", "adjustment"], ["reason", "reason"]]) {
    const field = section.querySelector(`.${cls}`);
    if (field !== active && !field.dataset.dirty) field.value = state[key];
  }
}

function progress(p) {
  document.getElementById("progress").textContent = `${p.graded} of ${p.of} graded`;
}

async function change(section, path, payload) {
  try {
    const data = await send(path, {submission: section.dataset.submission, ...payload});
    show(section, data.answer);
    progress(data.progress);
    say("saved");
    return true;
  } catch (err) {
    say(`not saved: ${err.message}`, true);
    return false;
  }
}

async function tick(section, box) {
  const key = `${section.dataset.submission}:${box.dataset.item}`;
  pending.add(key);
  const ok = await change(section, "tick", {item: Number(box.dataset.item), ticked: box.checked});
  pending.delete(key);
  if (!ok) box.checked = !box.checked;
}

// Only the notes typed in are sent: another tab's change to a different note of the answer stays.
function dirtyNotes(section) {
  const payload = {};
  for (const field of section.querySelectorAll(".comment[data-dirty], .adjustment[data-dirty], .reason[data-dirty]")) {
    const key = field.classList.contains("comment") ? "comment" : field.classList.contains("adjustment") ? "adjustment" : "reason";
    payload[key] = key === "adjustment" ? Number(field.value || 0) : field.value;
  }
  return payload;
}

const timers = new Map();
function noteLater(section, field) {
  field.dataset.dirty = "1";
  clearTimeout(timers.get(section));
  timers.set(section, setTimeout(async () => {
    const payload = dirtyNotes(section);
    const adjustment = Number(section.querySelector(".adjustment").value || 0);
    if (adjustment && !section.querySelector(".reason").value.trim()) { say("an adjustment needs a reason", true); return; }
    if (await change(section, "note", payload))
      Object.keys(payload).forEach(key => delete section.querySelector(`.${key}`).dataset.dirty);
  }, 500));
}

function focusAnswer(index) {
  current = Math.max(0, Math.min(answers.length - 1, index));
  answers.forEach((s, i) => s.classList.toggle("current", i === current));
  answers[current].focus({preventScroll: true});
  answers[current].scrollIntoView({block: "start", behavior: "instant"});
}

let shownSaved = null;
function renderSaved(saved) {
  const list = document.getElementById("saved-list");
  const key = JSON.stringify(saved);
  if (key === shownSaved) return;  // unchanged: leave the buttons alone (one may be under the mouse)
  shownSaved = key;
  list.replaceChildren(...saved.map(c => {
    const li = document.createElement("li");
    const insert = Object.assign(document.createElement("button"), {type: "button", className: "insert", textContent: c.text});
    const forget = Object.assign(document.createElement("button"), {type: "button", className: "forget", textContent: "×", title: "forget"});
    insert.dataset.id = forget.dataset.id = c.id;
    li.append(insert, " ", forget);
    return li;
  }));
}

answers.forEach((section, index) => {
  section.addEventListener("focusin", () => { current = index; answers.forEach((s, i) => s.classList.toggle("current", i === index)); });
  section.querySelectorAll("input[data-item]").forEach(box => box.addEventListener("change", () => tick(section, box)));
  section.querySelectorAll(".comment, .adjustment, .reason").forEach(f => f.addEventListener("input", () => noteLater(section, f)));
  section.querySelector(".zero").addEventListener("click", () => change(section, "zero", {}));
  section.querySelector(".ungrade").addEventListener("click", () => change(section, "ungrade", {}));
  section.querySelector(".keep").addEventListener("click", async () => {
    try { renderSaved((await send("saved-comments", {text: section.querySelector(".comment").value})).saved); say("comment kept for reuse"); }
    catch (err) { say(`not kept: ${err.message}`, true); }
  });
});

document.getElementById("saved-list").addEventListener("click", async event => {
  const button = event.target.closest("button");
  if (!button) return;
  if (button.classList.contains("forget")) {
    try { renderSaved((await send(`saved-comments/${button.dataset.id}`, undefined, "DELETE")).saved); }
    catch (err) { say(`not forgotten: ${err.message}`, true); }
    return;
  }
  const section = answers[current];
  const comment = section.querySelector(".comment");
  comment.value = comment.value ? `${comment.value}\n${button.textContent}` : button.textContent;
  noteLater(section, comment);
});

document.addEventListener("keydown", event => {
  const typing = event.target.matches("textarea, input[type=text], input[type=number]");
  if (event.key === "Escape" && typing) { event.target.blur(); answers[current].focus({preventScroll: true}); return; }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const section = answers[current];
  if (event.key === "j" || event.key === "ArrowDown") focusAnswer(current + 1);
  else if (event.key === "k" || event.key === "ArrowUp") focusAnswer(current - 1);
  else if (event.key === "u") {
    const next = answers.findIndex((s, i) => i > current && !s.classList.contains("graded"));
    const first = answers.findIndex(s => !s.classList.contains("graded"));
    if (next >= 0 || first >= 0) focusAnswer(next >= 0 ? next : first); else say("every answer is graded");
  } else if (event.key === "0") change(section, "zero", {});
  else if (/^[1-9]$/.test(event.key)) {
    const box = section.querySelector(`input[data-item="${Number(event.key) - 1}"]`);
    if (box) { box.checked = !box.checked; tick(section, box); }
  } else return;
  event.preventDefault();
});

async function poll() {
  try {
    const data = await send("state", undefined, "GET");
    answers.forEach(section => {
      const state = data.answers[section.dataset.submission];
      if (state) show(section, state);
    });
    progress(data.progress);
    renderSaved(data.saved);
  } catch (err) {
    say(`cannot reach the server: ${err.message}`, true);
  }
}
setInterval(poll, Number(main.dataset.poll) * 1000);
if (answers.length) focusAnswer(0);
