// Scenario builder page: forms generated from the scenario JSON Schema (@json-editor/json-editor), the JSON view
// for experts (kept in sync both ways), live validation by the server's validate API with its errors on the
// matching fields, a map picker for locations, add-entry buttons, versions (list, diff, restore), clone,
// import and export. Without JavaScript the JSON view and its Validate / Save buttons work on their own.
import {
  describeChange, editorErrors, mapPoints, newEntry, partiesOf, round,
} from "./builder.js";
import { createPicker } from "./builder_map.js";
import { cspSafeTheme, labelControls, useLanguage } from "./jsonform.js";
import { jsonRequest } from "./http.js";

const config = JSON.parse(document.getElementById("builder-config").textContent);
const T = config.i18n;
const $ = (id) => document.getElementById(id);
const area = $("id_document");
const form = $("scenario-form");
const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
const VALIDATE_DELAY_MS = 450;

let editor = null;
let picker = null;
let applying = false; // true while the editor is being set from the JSON view (no echo back)
let validateTimer = null;
let validateSeq = 0;
let lastErrors = [];

function status(text, kind) {
  const el = $("builder-status");
  el.textContent = text || "";
  el.dataset.kind = kind || "";
}

function fmt(template, values) {
  return String(template).replace(/%\((\w+)\)s/g, (m, k) => (k in values ? values[k] : m));
}

const api = (url, options) => jsonRequest(url, csrf, options);

// ------------------------------------------------------------------ document ⇄ views

function currentDoc() {
  if (editor && !$("panel-form").hidden) return editor.getValue();
  try {
    return JSON.parse(area.value);
  } catch (err) {
    return editor ? editor.getValue() : null;
  }
}

function setDoc(doc, { fromJson = false } = {}) {
  if (!fromJson) area.value = JSON.stringify(doc, null, 2);
  if (editor) {
    applying = true;
    editor.setValue(doc);
    applying = false;
  }
  refreshPicker(doc);
  scheduleValidate();
}

function onEditorChange() {
  if (applying || !editor) return;
  const doc = editor.getValue();
  area.value = JSON.stringify(doc, null, 2);
  $("json-error").hidden = true;
  refreshPicker(doc);
  scheduleValidate();
}

let jsonTimer = null;
area.addEventListener("input", () => {
  clearTimeout(jsonTimer);
  jsonTimer = setTimeout(() => {
    let doc;
    try {
      doc = JSON.parse(area.value);
    } catch (err) {
      $("json-error").textContent = T.not_json + ": " + err.message;
      $("json-error").hidden = false;
      return;
    }
    $("json-error").hidden = true;
    if (doc && typeof doc === "object" && !Array.isArray(doc)) setDoc(doc, { fromJson: true });
  }, 300);
});

$("format-json").addEventListener("click", () => {
  try {
    area.value = JSON.stringify(JSON.parse(area.value), null, 2);
  } catch (err) {
    area.focus();
  }
});

form.addEventListener("submit", () => {
  if (editor && !$("panel-form").hidden) area.value = JSON.stringify(editor.getValue(), null, 2);
});

// ------------------------------------------------------------------ tabs (arrow keys move between them)

const tabs = [$("tab-form"), $("tab-json")];
function showTab(tab) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
  if (tab.id === "tab-json" && editor) area.value = JSON.stringify(editor.getValue(), null, 2);
}
for (const t of tabs) {
  t.addEventListener("click", () => showTab(t));
  t.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    const next = tabs[(tabs.indexOf(t) + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
    showTab(next);
    next.focus();
  });
}

// ------------------------------------------------------------------ live validation (the server decides)

function scheduleValidate() {
  clearTimeout(validateTimer);
  validateTimer = setTimeout(validateNow, VALIDATE_DELAY_MS);
}

async function validateNow() {
  const doc = currentDoc();
  if (!doc) return;
  const seq = ++validateSeq;
  const result = await api(config.api.validate, { method: "POST", body: doc }).catch(() => null);
  if (seq !== validateSeq) return; // a newer check is under way
  if (!result || !result.ok || !result.data) {
    showErrors([{ loc: "", msg: T.request_failed }]);
    return;
  }
  showErrors(result.data.errors || []);
}

function showErrors(errors) {
  lastErrors = errors;
  if (editor) {
    const has = (path) => Boolean(editor.getEditor(path));
    editor.root.showValidationErrors(editorErrors(errors, has));
    labelFields();
  }
  const box = $("live-validation");
  box.replaceChildren();
  const p = document.createElement("p");
  p.className = errors.length ? "alert alert-error" : "alert alert-ok";
  p.textContent = errors.length ? T.invalid : T.valid;
  box.appendChild(p);
  if (!errors.length) return;
  const ul = document.createElement("ul");
  ul.className = "errors";
  for (const e of errors) {
    const li = document.createElement("li");
    li.className = "field-error";
    li.dataset.loc = e.loc || "";
    const code = document.createElement("code");
    code.className = "loc";
    code.textContent = e.loc || "(document)";
    const msg = document.createElement("span");
    msg.className = "err-msg";
    msg.textContent = e.msg;
    const link = document.createElement("button");
    link.type = "button";
    link.className = "linklike";
    link.append(code, msg);
    link.addEventListener("click", () => focusField(e.loc || ""));
    li.appendChild(link);
    ul.appendChild(li);
  }
  box.appendChild(ul);
}

// Bring the field of an error into view in the form (or select its key in the JSON view).
function focusField(loc) {
  if (editor && !$("panel-form").hidden) {
    const parts = loc.split(".").filter(Boolean);
    for (let n = parts.length; n >= 0; n--) {
      const ed = editor.getEditor("root" + (n ? "." + parts.slice(0, n).join(".") : ""));
      if (ed && ed.container) {
        openTabsOf(parts.slice(0, n));
        const input = ed.container.querySelector("input, select, textarea");
        ed.container.scrollIntoView({ block: "center" });
        if (input) input.focus();
        return;
      }
    }
  }
  const key = loc.split(".").filter((p) => !/^\d+$/.test(p)).pop();
  const at = key ? area.value.indexOf('"' + key + '"') : -1;
  area.focus();
  if (at >= 0) area.setSelectionRange(at, at + key.length + 2);
}

// Array editors shown as tabs: activate the tab of an item so its field can be seen.
function openTabsOf(parts) {
  for (let n = 1; n <= parts.length; n++) {
    if (!/^\d+$/.test(parts[n - 1])) continue;
    const arrayEditor = editor.getEditor("root." + parts.slice(0, n - 1).join("."));
    if (arrayEditor && arrayEditor.rows && arrayEditor.rows[+parts[n - 1]] && arrayEditor.rows[+parts[n - 1]].tab) {
      arrayEditor.rows[+parts[n - 1]].tab.click();
    }
  }
}

function labelFields() {
  labelControls($("form-editor"));
}

// ------------------------------------------------------------------ map picker and coordinates

function typeLabel(type) {
  for (const kinds of Object.values(config.kinds)) {
    const k = kinds.find((x) => x.kind === type);
    if (k) return k.title;
  }
  return type;
}

function refreshPicker(doc) {
  const select = $("place-actor");
  const chosen = select.value;
  const points = mapPoints(doc || {}, document.documentElement.lang);
  select.replaceChildren(...points.map((p) => {
    const o = document.createElement("option");
    o.value = String(p.index);
    o.textContent = p.name + " · " + typeLabel(p.type);
    return o;
  }));
  if (points.some((p) => String(p.index) === chosen)) select.value = chosen;
  syncCoordinates(doc);
  if (picker) picker.render(doc || {});
}

function syncCoordinates(doc) {
  const i = $("place-actor").value;
  const actor = i !== "" ? ((doc || currentDoc() || {}).actors || [])[+i] : null;
  $("place-lat").value = actor ? actor.lat : "";
  $("place-lon").value = actor ? actor.lon : "";
  if (picker) picker.select(actor ? actor.id : null);
}

function placeActor(lat, lon) {
  const i = $("place-actor").value;
  if (i === "" || !Number.isFinite(lat) || !Number.isFinite(lon)) {
    status(T.place_hint);
    return;
  }
  const doc = currentDoc();
  const actor = doc.actors[+i];
  actor.lat = round(lat, 4);
  actor.lon = round(lon, 4);
  setDoc(doc);
  status(fmt(T.placed, { name: actor.name || actor.id, lat: actor.lat, lon: actor.lon }));
}

// An actor dragged on the map: it becomes the chosen one (its typed coordinates follow) and moves there.
function dragActor(index, lat, lon) {
  $("place-actor").value = String(index);
  syncCoordinates();
  placeActor(lat, lon);
}

$("place-actor").addEventListener("change", () => {
  syncCoordinates();
  if (picker) picker.render(currentDoc() || {});
});
$("place-apply").addEventListener("click", () => placeActor(parseFloat($("place-lat").value), parseFloat($("place-lon").value)));

// ------------------------------------------------------------------ add actors, contracts, events

function buildAddBar() {
  const bar = $("add-bar");
  for (const [field, kinds] of Object.entries(config.kinds)) {
    const title = (config.schema.properties[field] || {}).title || field;
    const id = "add-" + field;
    const wrap = document.createElement("div");
    wrap.className = "add-group";
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = title;
    const select = document.createElement("select");
    select.id = id;
    for (const k of kinds) {
      const o = document.createElement("option");
      o.value = k.kind;
      o.textContent = k.title;
      select.appendChild(o);
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-small";
    button.id = id + "-btn";
    button.textContent = T.add + " · " + title;
    button.addEventListener("click", () => addEntry(field, select.value));
    wrap.append(label, select, button);
    bar.appendChild(wrap);
  }
}

function addEntry(field, kind) {
  const doc = currentDoc();
  const templates = (config.templates[field] || {});
  const template = templates[kind];
  const templateDoc = { actors: Object.values(config.templates.actors || {}) };
  const region = doc.region || {};
  const located = mapPoints(doc).length;
  const at = Number.isFinite(region.lat)
    ? { lat: region.lat + 0.02 * ((located % 5) - 2), lon: region.lon + 0.03 * (1 + (located % 3)) }
    : null;
  const entry = newEntry(template, { kind, doc, at, parties: field === "actors" ? {} : partiesOf(template, templateDoc) });
  doc[field] = [...(doc[field] || []), entry];
  setDoc(doc);
  if (field === "actors" && "lat" in entry) {
    $("place-actor").value = String(doc.actors.length - 1);
    syncCoordinates(doc);
    picker && picker.render(doc);
    status(T.place_hint);
  }
  const arrayEditor = editor && editor.getEditor("root." + field);
  const rows = arrayEditor && arrayEditor.rows;
  if (rows && rows.length && rows[rows.length - 1].tab) rows[rows.length - 1].tab.click();
}

// ------------------------------------------------------------------ start from, versions, clone, import

const start = $("start-from");
if (start) {
  start.addEventListener("change", async () => {
    if (start.value === "empty") {
      setDoc(JSON.parse(JSON.stringify(config.empty)));
    } else if (start.value) {
      const result = await api(config.api.detail_template.replace("/0/", "/" + start.value + "/"));
      if (result.ok) setDoc(result.data.data);
      else status(T.request_failed, "error");
    }
  });
}

async function loadVersions() {
  const list = $("version-list");
  if (!list || !config.api.versions) return;
  const result = await api(config.api.versions);
  if (!result.ok) return;
  const versions = result.data;
  const latest = versions.length ? versions[0].number : null;
  list.replaceChildren(...versions.map((v) => {
    const li = document.createElement("li");
    li.className = "version";
    li.dataset.number = v.number;
    const head = document.createElement("span");
    head.className = "version-head";
    head.textContent = "v" + v.number + (v.number === latest ? " (" + T.current + ")" : "") + " · " +
      v.created_at.slice(0, 16).replace("T", " ") + (v.note ? " · " + v.note : "");
    li.appendChild(head);
    if (v.number !== latest) {
      const diff = document.createElement("button");
      diff.type = "button";
      diff.className = "btn btn-small btn-ghost";
      diff.textContent = T.diff;
      diff.setAttribute("aria-label", T.diff + " v" + v.number + " → v" + latest);
      diff.addEventListener("click", () => showDiff(v.number, latest));
      li.appendChild(diff);
      if (config.scenario.owned) {
        const restore = document.createElement("button");
        restore.type = "button";
        restore.className = "btn btn-small";
        restore.textContent = T.restore;
        restore.setAttribute("aria-label", T.restore + " v" + v.number);
        restore.addEventListener("click", () => restoreVersion(v.number));
        li.appendChild(restore);
      }
    }
    return li;
  }));
}

async function showDiff(from, to) {
  const result = await api(config.api.diff + "?from=" + from + "&to=" + to);
  const box = $("diff-view");
  box.replaceChildren();
  if (!result.ok) return status(T.request_failed, "error");
  const h = document.createElement("h3");
  h.textContent = T.diff + ": v" + from + " → v" + to;
  box.appendChild(h);
  if (!result.data.changes.length) {
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent = T.no_changes;
    box.appendChild(p);
    return;
  }
  const ul = document.createElement("ul");
  for (const c of result.data.changes) {
    const li = document.createElement("li");
    li.className = "change change-" + c.op;
    li.textContent = describeChange(c, T);
    ul.appendChild(li);
  }
  box.appendChild(ul);
}

async function restoreVersion(number) {
  const result = await api(config.api.restore_template.replace("/versions/0/", "/versions/" + number + "/"), { method: "POST" });
  if (!result.ok) return status((result.data && result.data.detail) || T.request_failed, "error");
  setDoc(result.data.data);
  status(fmt(T.restored, { n: number }), "ok");
  loadVersions();
}

function goToScenario(id) {
  window.location.href = config.api.edit_template.replace("/0/", "/" + id + "/");
}

const cloneButton = $("btn-clone");
if (cloneButton) {
  cloneButton.addEventListener("click", async () => {
    const result = await api(config.api.clone, { method: "POST", body: {} });
    if (!result.ok) return status(T.request_failed, "error");
    status(fmt(T.cloned, { name: result.data.name }), "ok");
    goToScenario(result.data.id);
  });
}

$("import-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  let document_;
  try {
    document_ = JSON.parse(await file.text());
  } catch (err) {
    return status(T.not_json + ": " + err.message, "error");
  }
  const result = await api(config.api.import, { method: "POST", body: { document: document_ } });
  if (!result.ok) {
    const errors = (result.data && result.data.errors) || [{ loc: "", msg: T.request_failed }];
    showErrors(errors);
    return status(T.invalid, "error");
  }
  status(fmt(T.imported, { name: result.data.name }), "ok");
  goToScenario(result.data.id);
});

// ------------------------------------------------------------------ start

function startEditor(doc) {
  const JSONEditor = window.JSONEditor;
  cspSafeTheme(JSONEditor);
  useLanguage(JSONEditor);
  editor = new JSONEditor($("form-editor"), {
    schema: config.schema,
    startval: doc,
    theme: "html",
    disable_theme_rules: true, // the CSP forbids inserted <style>; the rules are vendored CSS files
    show_errors: "never", // errors come from the server's validation only
    disable_edit_json: true, // the JSON view is the page's own tab
    disable_properties: true,
    disable_array_delete_all_rows: true,
    disable_array_delete_last_row: true,
    prompt_before_delete: false,
    no_additional_properties: true,
    keep_oneof_values: false,
    use_default_values: true,
    array_controls_top: true,
    disable_collapse: true,
  });
  editor.on("ready", () => {
    labelFields();
    editor.on("change", () => {
      labelFields();
      onEditorChange();
    });
    validateNow();
  });
}

function main() {
  let doc = null;
  try {
    doc = JSON.parse(area.value);
  } catch (err) {
    doc = null; // bad JSON posted back: stay in the JSON view with the server's message
  }
  buildAddBar();
  if (window.echarts) {
    picker = createPicker($("builder-map"), { onPick: placeActor, onDrag: dragActor, typeLabel, regionLabel: T.region });
  }
  refreshPicker(doc || {});
  if (doc && window.JSONEditor) {
    startEditor(doc);
    if (!form.querySelector(".validation .field-error")) showTab($("tab-form"));
  }
  loadVersions();
  form.dataset.ready = "true"; // the builder has chosen its first view (tests wait for this)
}

main();
