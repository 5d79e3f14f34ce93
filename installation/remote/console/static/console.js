// The console's page: the same JSON API a script uses (docs/console.md). No libraries: a
// gallery has no internet, and everything is served by the kiosk itself.
"use strict";
let lang = localStorage.getItem("lang") || "ru";
let csrf = null;
let events = null;
const $ = (id) => document.getElementById(id);
const FIELDS = [
  ["scene", "Сцена", "Scene"], ["disc", "Пластинка", "Disc"], ["position", "Позиция, с", "Position, s"],
  ["fps", "Кадров в секунду", "Frames a second"], ["frame_p99_ms", "Кадр p99, мс", "Frame p99, ms"],
  ["underruns", "Пропуски звука", "Sound underruns"], ["sound_device", "Звуковое устройство", "Sound device"],
  ["uptime", "Работает", "Up"], ["display", "Экран", "Display"], ["memory_mb", "Память киоска, МБ", "Kiosk memory, MB"],
  ["sound_memory_mb", "Память звука, МБ", "Sound process memory, MB"], ["selftest", "Самопроверка", "Self-test"],
  ["lathe", "Станок", "Lathe"], ["next_demo", "Следующая демонстрация", "Next demo"],
  ["next_opening", "Открытие", "Next opening"],
  ["problems", "Последние проблемы", "Last problems"],
];

const REFUSALS = {
  400: "Запрос не понят", 401: "Неверный пароль или вход просрочен", 403: "Отказано",
  404: "Не найдено", 409: "Такая уже есть", 413: "Слишком большой файл: остановлено при загрузке",
  422: "Не принято: вот что сказала проверка", 429: "Слишком много попыток: подождите минуту",
  503: "Киоск занят или эта возможность выключена",
};
const PANELS = ["now", "gallery", "discs", "cuts", "schedule", "log", "add", "logout"];
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

function demoRow(d = {}) {
  const row = el("div", { className: "demo" });
  row.kept = { ...d };  // what the form does not show (duration, side) is kept as it was
  for (const [key, hint] of [["when", "sat 15:00"], ["performer", "Анна Петрова"], ["title", "Буги на плёнке"]]) {
    row.append(el("input", { name: key, value: d[key] || "", placeholder: hint }));
  }
  row.append(Object.assign(el("button", { type: "button", className: "quiet-inline", textContent: "×" }),
    { onclick: () => row.remove() }));
  return row;
}

async function loadSchedule() {
  const s = await api("GET", "/api/schedule");
  const form = $("schedule-form");
  form.hours_enabled.checked = s.opening_hours.enabled;
  $("days").replaceChildren(...DAYS.map((day) => el("label", {}, el("span", { className: "dim", textContent: day }),
    el("input", { name: `day_${day}`, value: s.opening_hours[day] }))));
  $("closures").value = s.opening_hours.closures.join(", ");
  $("demo-rows").replaceChildren(...s.demos.events.map(demoRow));
}
const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

async function edit(id, changes) {
  try { await api("POST", `/api/discs/${encodeURIComponent(id)}/edit`, changes); setTimeout(refresh, 300); }
  catch (err) { alert(`${err.message}\n${(err.problems || []).join("\n")}`); }
}

// The texts of a disc, in both languages, edited in place (written into its disc.yaml).
function editor(d) {
  const box = el("details", { className: "editor" }, el("summary", { textContent: lang === "ru" ? "Тексты" : "Texts" }));
  const fields = {};
  for (const key of ["title", "artist", "caption", "story"]) {
    for (const l of ["ru", "en"]) {
      const input = el(key === "caption" || key === "story" ? "textarea" : "input", { value: d[key][l] || "" });
      input.dataset.key = `${key}.${l}`;
      fields[`${key}.${l}`] = input;
      box.append(el("label", { className: "dim", textContent: `${key} · ${l}` }), input);
    }
  }
  const order = el("input", { type: "number", step: "1", value: d.order });
  order.dataset.key = "order";
  box.append(el("label", { className: "dim", textContent: lang === "ru" ? "порядок (меньше — раньше)" : "order (lower comes first)" }), order);
  box.append(Object.assign(el("button", { type: "button", textContent: lang === "ru" ? "Сохранить" : "Save" }), {
    onclick: () => {
      const changes = {};
      for (const [k, input] of Object.entries(fields)) {
        const [key, l] = k.split(".");
        if (key === "story" && !d.story.ru && !input.value) continue;
        (changes[key] = changes[key] || {})[l] = input.value;
      }
      if (Number(order.value) !== d.order) changes.order = Math.round(Number(order.value));
      edit(d.id, changes);
    } }));
  return box;
}

$("demo-add").addEventListener("click", () => $("demo-rows").append(demoRow()));
$("schedule-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = $("schedule-form");
  const hours = { enabled: form.hours_enabled.checked,
    closures: $("closures").value.split(",").map((x) => x.trim()).filter(Boolean) };
  for (const day of DAYS) hours[day] = form[`day_${day}`].value.trim();
  const events = [...$("demo-rows").children].map((row) => {
    const d = { ...row.kept };
    for (const input of row.querySelectorAll("input")) {
      if (input.value.trim()) d[input.name] = input.value.trim(); else delete d[input.name];
    }
    return d;
  }).filter((d) => d.when);
  try {
    await api("POST", "/api/schedule", { opening_hours: hours, demos: { events } });
    $("schedule-result").textContent = lang === "ru" ? "Сохранено, действует сразу" : "Saved, in force now";
  } catch (err) { $("schedule-result").textContent = `${err.message}\n${(err.problems || []).join("\n")}`; }
});

async function refresh() {
  const [discs, cuts, log, plays] = await Promise.all([api("GET", "/api/discs"), api("GET", "/api/cuts"),
    api("GET", `/api/log?lines=60&contains=${encodeURIComponent($("log-filter").value)}`), api("GET", "/api/plays")])
    .catch(() => [[], [], { lines: [] }, { hours: new Array(24).fill(0) }]);
  bars($("plays-chart"), plays.hours);
  const most = Math.max(1, ...discs.map((d) => d.plays));
  $("disc-list").replaceChildren(...discs.map((d) => el("li", { className: "card" },
    el("img", { src: d.scan, alt: "", loading: "lazy" }),
    el("div", {}, el("strong", { textContent: d.title[lang] || d.title.ru }),
      el("span", { textContent: ` · ${d.artist[lang] || d.artist.ru}, ${d.year}` }),
      el("div", { className: "dim", textContent: `${lang === "ru" ? "прослушиваний" : "plays"}: ${d.plays} · ${d.id}` }),
      el("div", { className: "meter" }, el("span", { style: `width: ${(100 * d.plays) / most}%` })),
      (() => { const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
        svg.setAttribute("viewBox", "0 0 240 24"); svg.setAttribute("class", "spark"); bars(svg, d.today, false);
        return svg; })(),
      Object.assign(el("button", { type: "button", textContent: lang === "ru" ? "Играть сейчас" : "Play now" }),
        { onclick: () => api("POST", "/api/actions/disc", { id: d.id }) }),
      Object.assign(el("button", { type: "button", className: "quiet-inline",
        textContent: d.hidden ? (lang === "ru" ? "Показать" : "Show") : (lang === "ru" ? "Скрыть" : "Hide") }),
      { onclick: () => edit(d.id, { hidden: !d.hidden }) }),
      d.hidden ? el("span", { className: "dim", textContent: lang === "ru" ? " скрыта" : " hidden" }) : "",
      editor(d)))));
  $("cut-list").replaceChildren(...(cuts.length ? cuts.map((c) => el("li", {},
    el("div", { textContent: `${c.started} · ${c.performer} · ${c.title} · ${c.outcome} · ${c.seconds} s` }),
    c.audio ? el("audio", { controls: true, preload: "none", src: c.audio }) : el("span"),
    c.audio ? el("a", { href: c.audio, download: "", textContent: "WAV" }) : el("span"),
    Object.assign(el("button", { type: "button", className: "quiet", textContent: lang === "ru" ? "Удалить" : "Delete" }),
      { onclick: async () => {
        if (!confirm(lang === "ru" ? `Удалить запись ${c.name} навсегда?` : `Delete the cut ${c.name} for good?`)) return;
        await api("POST", `/api/cuts/${encodeURIComponent(c.name)}/delete`, { confirm: c.name }); refresh();
      } })))
    : [el("li", { className: "dim", textContent: lang === "ru" ? "Пока нет" : "None yet" })]));
  $("log-lines").textContent = log.lines.join("\n");
}

// A moment as a person reads it: the time today, the date and time before.
function when(iso) {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return "—";
  const time = t.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return t.toDateString() === new Date().toDateString() ? time : `${t.toLocaleDateString(lang)} ${time}`;
}

// a box's frame and sound figures, leaving out those it has not reported (a box with no screen has no fps)
function figures(s) {
  return [s.fps != null && `${s.fps} fps`, s.frame_p99_ms != null && `p99 ${s.frame_p99_ms} ms`,
    s.underruns != null && `${lang === "ru" ? "пропуски" : "underruns"} ${s.underruns}`].filter(Boolean).join(" · ");
}

// The gallery: a tile per box on the broker (docs/gallery.md), commands to one box or to all.
function screenOf(box) {  // its screen, fetched by this box with the site's token; a new one every 10 s
  const img = el("img", { className: "shot", alt: box, loading: "lazy",
    src: `/api/gallery/${encodeURIComponent(box)}/screen?at=${Math.floor(Date.now() / 10000)}` });
  img.addEventListener("error", () => img.remove());  // a box that shares no screen (no site token)
  return img;
}
async function gallery() {
  const g = await api("GET", "/api/gallery").catch(() => ({ enabled: false, boxes: [] }));
  $("gallery").hidden = !g.enabled;
  if (!g.enabled) return;
  $("gallery-state").textContent = g.connected ? `${g.site} · ${lang === "ru" ? "брокер на связи" : "broker connected"}`
    : (lang === "ru" ? "Брокер недоступен: боксы играют дальше, связь восстанавливается" : "The broker is gone: the boxes play on, reconnecting");
  $("box-list").replaceChildren(...g.boxes.map((b) => {
    const s = b.status || {};
    const state = b.online ? (lang === "ru" ? "на связи" : "online") : (lang === "ru" ? "нет связи" : "offline");
    return el("li", { className: `tile ${b.online ? "" : "off"}` }, el("strong", { textContent: b.box }),
      el("div", { className: "dim", textContent: `${state} · ${lang === "ru" ? "с" : "since"} ${when(b.since)}` }),
      el("div", { textContent: b.online ? `${s.scene || ""} ${s.disc || ""}` : "" }),
      el("div", { className: "dim", textContent: b.online ? figures(s) : "" }),
      el("div", { className: "dim", textContent: b.online ? (s.selftest || "") : "" }),
      ...(b.online && b.box !== g.box ? [screenOf(b.box)] : []));
  }));
  const target = $("gallery-target");
  const chosen = target.value;
  target.replaceChildren(el("option", { value: "all", textContent: lang === "ru" ? "всем" : "all boxes" }),
    ...g.boxes.map((b) => el("option", { value: b.box, textContent: b.box })));
  target.value = [...target.options].some((o) => o.value === chosen) ? chosen : "all";
}
for (const button of document.querySelectorAll("[data-gallery]")) {
  button.addEventListener("click", async () => {
    const action = button.dataset.gallery;
    const body = action === "disc" ? { id: $("gallery-disc").value.trim() } : {};
    try {
      await api("POST", `/api/gallery/${encodeURIComponent($("gallery-target").value)}/${action}`, body);
      $("gallery-result").textContent = `✓ ${button.textContent} → ${$("gallery-target").value}`;
    } catch (err) { $("gallery-result").textContent = err.message; }
  });
}

function translate() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-ru]")) el.textContent = el.dataset[lang];
  $("lang").textContent = lang === "ru" ? "EN" : "RU";
}

function uptime(seconds) {
  const s = Math.floor(seconds || 0);
  return `${Math.floor(s / 86400)}d ${Math.floor(s / 3600) % 24}h ${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
}

function show(status) {
  const dl = $("facts");
  dl.replaceChildren();
  for (const [key, ru, en] of FIELDS) {
    if (!(key in status)) continue;
    let value = status[key];
    if (key === "uptime") value = uptime(value);
    else if (key === "position") value = Number(value).toFixed(1);
    else if (Array.isArray(value)) value = value.length ? value.join("\n") : "—";
    const dt = document.createElement("dt"); dt.textContent = lang === "ru" ? ru : en; dt.dataset.key = key;
    const dd = document.createElement("dd"); dd.textContent = value === "" ? "—" : String(value);
    dd.id = `now-${key}`; dd.style.whiteSpace = "pre-line";
    dl.append(dt, dd);
  }
}

async function api(method, path, body) {
  const headers = {};
  if (csrf && method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined && !(body instanceof FormData)) { headers["Content-Type"] = "application/json"; body = JSON.stringify(body); }
  const response = await fetch(path, { method, headers, body, credentials: "same-origin" });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const said = data.error || response.statusText;  // the server's words are English; in Russian, what they mean first
    const message = lang === "ru" && REFUSALS[response.status] ? `${REFUSALS[response.status]} (${said})` : said;
    throw Object.assign(new Error(message), { status: response.status, problems: data.problems });
  }
  return data;
}

function loggedIn(token) {
  csrf = token;
  $("login").hidden = true;
  for (const id of PANELS) $(id).hidden = false;
  refresh();
  gallery();
  clearInterval(window.galleryTimer);
  window.galleryTimer = setInterval(() => { if (csrf && !document.hidden) gallery(); }, 2000);
  loadSchedule().catch((err) => { $("schedule-result").textContent = err.message; });
  if (events) events.close();
  events = new EventSource("/api/events");
  events.onmessage = (e) => show(JSON.parse(e.data));
  clearInterval(window.screenTimer);  // the picture of the screen, every two seconds while logged in
  const picture = () => { if (csrf && !document.hidden) $("screen").src = `/api/screen?t=${Date.now()}`; };
  picture();
  window.screenTimer = setInterval(picture, 2000);
  api("GET", "/api/status").then(show).catch(() => {});
}

function loggedOut() {
  csrf = null;
  clearInterval(window.screenTimer);
  clearInterval(window.galleryTimer);
  if (events) { events.close(); events = null; }
  for (const id of PANELS) $(id).hidden = true;
  $("login").hidden = false;
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("login-error").textContent = "";
  try {
    const data = await api("POST", "/api/login", new FormData($("login-form")));
    $("password").value = "";
    loggedIn(data.csrf);
  } catch (err) { $("login-error").textContent = err.message; }
});

$("restart").addEventListener("click", async () => {
  if (!confirm(lang === "ru" ? "Перезапустить киоск? Экран погаснет на несколько секунд." : "Restart the kiosk? The screen goes dark for a few seconds.")) return;
  try { await api("POST", "/api/actions/restart", {}); $("action-result").textContent = lang === "ru" ? "Перезапуск…" : "Restarting…"; }
  catch (err) { $("action-result").textContent = err.message; }
});
for (const button of document.querySelectorAll("[data-action]")) {
  button.addEventListener("click", async () => {
    try { await api("POST", `/api/actions/${button.dataset.action}`, {}); $("action-result").textContent = "✓ " + button.textContent; }
    catch (err) { $("action-result").textContent = err.message; }
  });
}
$("volume").addEventListener("change", async (e) => {
  try { await api("POST", "/api/actions/volume", { level: Number(e.target.value) }); } catch (err) { $("action-result").textContent = err.message; }
});
// The disc.yaml a curator would write, from the form's fields (docs/console.md).
function discYaml(f) {
  const q = (text) => JSON.stringify(String(text).trim());  // a JSON string is a YAML string
  const pair = (key, ru, en) => `${key}:\n  ru: ${q(f.get(ru))}\n  en: ${q(f.get(en))}\n`;
  return "# Added in the console. `python -m installation check` validates it.\n" +
    pair("title", "title_ru", "title_en") + pair("artist", "artist_ru", "artist_en") +
    `year: ${Number(f.get("year"))}\n` + pair("city", "city_ru", "city_en") +
    pair("body_part", "body_ru", "body_en") + pair("caption", "caption_ru", "caption_en");
}

// Bars, one per value, scaled to the largest (an SVG: no chart library on a box with no internet).
function bars(svg, values, labels = true) {
  const ns = "http://www.w3.org/2000/svg";
  const [w, h] = [240, labels ? 68 : 24];
  const top = Math.max(1, ...values);
  const width = w / values.length;
  svg.replaceChildren(...values.flatMap((v, i) => {
    const rect = document.createElementNS(ns, "rect");
    const height = (v / top) * (h - 2);
    Object.entries({ x: i * width + 1, y: h - height, width: width - 2, height, class: "bar" })
      .forEach(([k, x]) => rect.setAttribute(k, x));
    const tip = document.createElementNS(ns, "title");
    tip.textContent = `${String(i).padStart(2, "0")}:00 · ${v}`;
    rect.append(tip);
    if (!labels || i % 6) return [rect];
    const text = document.createElementNS(ns, "text");
    Object.entries({ x: i * width + 1, y: 79, class: "axis" }).forEach(([k, x]) => text.setAttribute(k, x));
    text.textContent = String(i).padStart(2, "0");
    return [rect, text];
  }));
  svg.dataset.total = values.reduce((a, b) => a + b, 0);
}

let staged = null;  // the upload kept aside for its preview
function previewShown(p) {
  staged = p;
  $("preview").hidden = !p;
  if (!p) return;
  $("preview-picture").src = p.picture;
  $("preview-sound").src = p.sound;
}

$("add-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const publish = (e.submitter && e.submitter.value) || "yes";
  const f = new FormData($("add-form"));
  const body = new FormData();
  body.append("id", f.get("id"));
  body.append("publish", publish);
  body.append("scan", f.get("scan"));
  body.append("audio", f.get("audio"));
  body.append("yaml", new Blob([discYaml(f)], { type: "text/yaml" }), "disc.yaml");
  $("add-result").textContent = lang === "ru" ? "Загружается…" : "Uploading…";
  try {
    const done = await api("POST", "/api/discs", body);
    if (publish === "no") {
      $("add-result").textContent = (lang === "ru" ? "Ещё не в показе: " : "Not in the show yet: ") + done.id;
      previewShown(done);
      return;
    }
    $("add-result").textContent = (lang === "ru" ? "Добавлена: " : "Added: ") + done.id;
    $("add-form").reset();
    setTimeout(refresh, 1500);  // (the kiosk's loop takes it in at its next frame)
  } catch (err) {
    const lines = (err.problems || []).join("\n");
    $("add-result").textContent = `${err.message}${lines ? "\n" + lines : ""}`;
  }
});
$("preview-publish").addEventListener("click", async () => {
  try {
    const done = await api("POST", staged.publish);
    $("add-result").textContent = (lang === "ru" ? "Добавлена: " : "Added: ") + done.id;
    previewShown(null);
    $("add-form").reset();
    setTimeout(refresh, 1500);
  } catch (err) { $("add-result").textContent = `${err.message}\n${(err.problems || []).join("\n")}`; }
});
$("preview-discard").addEventListener("click", async () => {
  await api("POST", staged.discard).catch(() => {});
  $("add-result").textContent = lang === "ru" ? "Отменено" : "Discarded";
  previewShown(null);
});

$("logout").addEventListener("click", async () => { await api("POST", "/api/logout").catch(() => {}); loggedOut(); });
$("lang").addEventListener("click", () => {
  lang = lang === "ru" ? "en" : "ru"; localStorage.setItem("lang", lang); translate(); if (csrf) refresh();
});
$("log-filter").addEventListener("input", () => refresh());

translate();
api("GET", "/api/session").then((d) => (d.csrf ? loggedIn(d.csrf) : loggedOut())).catch(loggedOut);
