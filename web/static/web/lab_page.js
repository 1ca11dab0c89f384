// Contract Lab page: pick a scenario, a template and the parties, edit the terms in a form generated from the
// contract type's JSON Schema (@json-editor/json-editor), checked live by the server (its errors on the
// fields), run it (the run's KPIs carry the results against the counterfactual), and draw the results: the
// parties' figures side by side, their cash flows, the ledger with drill-down, the sensitivity sweep, CSV and
// PNG exports. The logic without the DOM is in lab.js.
import {
  bestTemplate, defaultParties, draftFromTemplate, editorErrorList, eligibleActors, fmt, partyCandidates,
  runProgress, splitErrors,
} from "./lab.js";
import { cspSafeTheme, labelControls, useLanguage } from "./jsonform.js";
import { jsonRequest } from "./http.js";
import * as results from "./lab_results.js";

const config = JSON.parse(document.getElementById("lab-config").textContent);
const T = config.i18n;
const $ = (id) => document.getElementById(id);
const csrf = document.querySelector("#lab-form input[name=csrfmiddlewaretoken]").value;
const CHECK_DELAY_MS = 400;
const POLL_MS = 600;

const state = {
  doc: null, // the chosen scenario's document
  template: null,
  parties: {}, // party field → actor id
  editor: null,
  checkSeq: 0,
  checkTimer: null,
  valid: false,
  run: null,
};

const api = (url, options) => jsonRequest(url, csrf, options);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

// ------------------------------------------------------------------ scenario, template, parties

function fillScenarios() {
  const select = $("lab-scenario");
  const mine = config.scenarios.filter((s) => s.owned && !s.demo);
  const demos = config.scenarios.filter((s) => s.demo);
  for (const [label, list] of [[T.my_scenarios, mine], [T.demo_scenarios, demos]]) {
    if (!list.length) continue;
    const group = el("optgroup", { label });
    for (const s of list) group.appendChild(el("option", { value: String(s.id), text: s.name }));
    select.appendChild(group);
  }
  select.addEventListener("change", () => loadScenario(select.value));
}

function fillTemplates() {
  const select = $("lab-template");
  for (const t of config.templates.filter((x) => config.types[x.type])) {
    const kind = config.types[t.type].title;
    select.appendChild(el("option", { value: t.key, text: t.title === kind ? kind : t.title + " · " + kind }));
  }
  select.addEventListener("change", () => chooseTemplate(config.templates.find((t) => t.key === select.value)));
}

let scenarioSeq = 0;
async function loadScenario(id) {
  const seq = ++scenarioSeq;
  const result = await api(config.api.scenario_template.replace("/0/", "/" + id + "/"));
  if (seq !== scenarioSeq) return; // a scenario chosen later is loading: its answer wins, whatever arrives first
  if (!result.ok) return checkMessage(T.request_failed, "error");
  state.doc = result.data.data;
  const fit = state.template && bestTemplate([state.template], config.types, state.doc)
    ? state.template : bestTemplate(config.templates, config.types, state.doc);
  if (fit) $("lab-template").value = fit.key;
  chooseTemplate(fit, { keepTerms: fit === state.template });
}

// The choice in the address (reload, language switch and links keep it).
function remember() {
  let query = "?scenario=" + encodeURIComponent($("lab-scenario").value) + "&template=" + encodeURIComponent($("lab-template").value);
  if (state.run && state.run.done && state.run.ok) query += "&run=" + state.run.id + "&contract=" + encodeURIComponent(state.run.contractId);
  history.replaceState(null, "", location.pathname + query);
  const next = document.querySelector(".langswitch input[name=next]");
  if (next) next.value = location.pathname + query;
}

function chooseTemplate(template, { keepTerms = false } = {}) {
  if (!template) return;
  const previous = keepTerms && state.editor ? state.editor.getValue() : null;
  state.template = template;
  $("lab-template-help").textContent = template.description || "";
  const type = config.types[template.type];
  state.parties = defaultParties(type.parties, partyCandidates(state.doc), state.parties);
  buildParties(type);
  const draft = draftFromTemplate(template, { doc: state.doc, parties: state.parties });
  startEditor(type, previous ? { ...previous, ...state.parties, id: draft.id } : draft);
  remember();
}

function kindsText(kinds) {
  return kinds.map((k) => T.actor_types[k] || k).join(" / ");
}

function buildParties(type) {
  const box = $("lab-parties");
  box.querySelectorAll(".lab-field").forEach((n) => n.remove());
  const candidates = partyCandidates(state.doc, document.documentElement.lang);
  for (const [field, kinds] of Object.entries(type.parties)) {
    const id = "lab-party-" + field;
    const options = eligibleActors(candidates, kinds);
    const select = el("select", { id, "data-field": field, "aria-describedby": id + "-error" });
    for (const a of options) select.appendChild(el("option", { value: a.id, text: a.name + " (" + a.id + ")" }));
    if (!options.length) select.appendChild(el("option", { value: "", text: fmt(T.no_agent, { types: kindsText(kinds) }) }));
    select.value = state.parties[field] || "";
    select.addEventListener("change", () => {
      state.parties[field] = select.value;
      if (state.editor) {
        const value = { ...state.editor.getValue(), [field]: select.value };
        state.editor.setValue(value);
      }
      scheduleCheck();
    });
    const wrap = el("div", { class: "lab-field" },
      el("label", { for: id, text: (type.party_titles[field] || field) + " · " + kindsText(kinds) }),
      select,
      el("p", { class: "field-error", id: id + "-error", hidden: "" }));
    box.appendChild(wrap);
  }
}

// ------------------------------------------------------------------ the terms form

function startEditor(type, value) {
  const JSONEditor = window.JSONEditor;
  if (state.editor) {
    state.editor.destroy();
    state.editor = null;
  }
  const holder = $("lab-editor");
  holder.replaceChildren();
  state.editor = new JSONEditor(holder, {
    schema: type.schema,
    startval: value,
    theme: "html",
    disable_theme_rules: true, // the CSP forbids inserted <style>; the rules are vendored CSS files
    show_errors: "never", // errors come from the server's check only
    disable_edit_json: true,
    disable_properties: true,
    disable_collapse: true,
    disable_array_delete_all_rows: true,
    disable_array_delete_last_row: true,
    prompt_before_delete: false,
    no_additional_properties: true,
    use_default_values: true,
    keep_oneof_values: false,
  });
  let ready;
  state.editorReady = new Promise((resolve) => { ready = resolve; });
  state.editor.on("ready", () => {
    ready();
    labelControls(holder);
    state.editor.on("change", () => {
      labelControls(holder);
      scheduleCheck();
    });
    checkNow();
  });
}

function currentDraft() {
  return state.editor ? { ...state.editor.getValue(), ...state.parties } : null;
}

// ------------------------------------------------------------------ live check (the server decides)

function scheduleCheck() {
  state.valid = false;
  $("lab-run").disabled = true;
  clearTimeout(state.checkTimer);
  state.checkTimer = setTimeout(checkNow, CHECK_DELAY_MS);
}

function checkMessage(text, kind) {
  const box = $("lab-check");
  box.replaceChildren(el("p", { class: "alert " + (kind === "error" ? "alert-error" : kind === "ok" ? "alert-ok" : "muted"), text }));
  return box;
}

async function checkNow() {
  const draft = currentDraft();
  if (!draft || !state.doc) return;
  const seq = ++state.checkSeq;
  const result = await api(config.api.check, {
    method: "POST", body: { scenario_id: Number($("lab-scenario").value), contract: draft },
  }).catch(() => null);
  if (seq !== state.checkSeq) return;
  if (!result || !result.data) return checkMessage(T.request_failed, "error");
  const errors = result.ok ? result.data.errors : result.data.errors || [{ loc: "", msg: T.request_failed }];
  showErrors(errors, result.ok ? result.data.replaced || [] : []);
}

function showErrors(errors, replaced) {
  const editor = state.editor;
  const has = (path) => Boolean(editor && editor.getEditor(path));
  const { fields, other } = splitErrors(errors, has);
  // Party fields are the page's own selects: their errors go next to them.
  for (const select of $("lab-parties").querySelectorAll("select")) {
    const msgs = fields.get("root." + select.dataset.field) || [];
    fields.delete("root." + select.dataset.field);
    const p = $(select.id + "-error");
    p.textContent = msgs.join(" ");
    p.hidden = !msgs.length;
    select.setAttribute("aria-invalid", msgs.length ? "true" : "false");
  }
  if (editor) {
    editor.root.showValidationErrors(editorErrorList(fields));
    labelControls($("lab-editor"));
  }
  state.valid = !errors.length;
  $("lab-run").disabled = !state.valid || Boolean(state.run && !state.run.done);
  const box = checkMessage(state.valid ? T.valid : T.invalid, state.valid ? "ok" : "error");
  if (replaced.length) box.appendChild(el("p", { class: "muted small", text: fmt(T.replaces, { ids: replaced.join(", ") }) }));
  const rootMsgs = fields.get("root") || [];
  if (other.length || rootMsgs.length) {
    const ul = el("ul", { class: "errors" });
    for (const msg of rootMsgs) ul.appendChild(el("li", { class: "field-error", text: msg }));
    for (const e of other) {
      ul.appendChild(el("li", { class: "field-error" }, el("code", { class: "loc", text: e.loc || "(document)" }), " ",
        el("span", { class: "err-msg", text: e.msg })));
    }
    if (other.length) box.appendChild(el("p", { class: "small", text: T.other_errors }));
    box.appendChild(ul);
  }
}

// ------------------------------------------------------------------ run and progress

async function startRun(event) {
  event.preventDefault();
  if (!state.valid) return;
  const seedText = $("lab-seed").value.trim();
  const body = { scenario_id: Number($("lab-scenario").value), contract: currentDraft() };
  if (seedText !== "") body.seed = Number(seedText);
  $("lab-run").disabled = true;
  const result = await api(config.api.run, { method: "POST", body }).catch(() => null);
  if (!result || !result.ok) {
    $("lab-run").disabled = false;
    const errors = (result && result.data && result.data.errors) || [{ loc: "", msg: (result && result.data && result.data.detail) || T.request_failed }];
    return showErrors(errors, []);
  }
  state.run = { id: result.data.run.id, seed: result.data.run.seed, contractId: result.data.contract_id, done: false,
    draft: body.contract };
  results.clear();
  $("lab-progress-box").hidden = false;
  const link = $("lab-run-link");
  link.href = config.api.page_template.replace(/0{8}-0{4}-0{4}-0{4}-0{12}/, state.run.id);
  link.hidden = false;
  showProgress(result.data.run);
  poll(state.run.id);
}

function showProgress(run) {
  const p = runProgress(run, T);
  $("lab-progress").value = p.fraction;
  $("lab-progress-text").textContent = p.text;
  $("lab-progress-box").dataset.status = run.status;
  return p;
}

async function poll(runId) {
  if (!state.run || state.run.id !== runId) return;
  const result = await api(config.api.run_template.replace(/0{8}-0{4}-0{4}-0{4}-0{12}/, runId)).catch(() => null);
  if (!state.run || state.run.id !== runId) return;
  if (!result || !result.ok) return setTimeout(() => poll(runId), POLL_MS * 2);
  const p = showProgress(result.data);
  if (!p.done) return setTimeout(() => poll(runId), POLL_MS);
  state.run.done = true;
  state.run.ok = p.ok;
  $("lab-run").disabled = !state.valid;
  if (!p.ok) return;
  remember();
  const kpis = await api(config.api.kpis_template.replace(/0{8}-0{4}-0{4}-0{4}-0{12}/, runId));
  if (!kpis.ok) return checkMessage(T.request_failed, "error");
  results.show({ kpis: kpis.data, run: state.run, doc: state.doc, config, T, api });
}

// A finished run named in the address (after a reload or a language switch): its results again.
async function reopen(asked) {
  const runId = asked.get("run");
  if (!runId || !/^[0-9a-f-]{36}$/.test(runId) || state.run) return;
  const run = await api(config.api.run_template.replace(/0{8}-0{4}-0{4}-0{4}-0{12}/, runId)).catch(() => null);
  if (!run || !run.ok || run.data.status !== "succeeded") return;
  await state.editorReady;
  state.run = { id: runId, seed: run.data.seed, contractId: asked.get("contract") || "", done: true, ok: true,
    draft: currentDraft() };
  $("lab-progress-box").hidden = false;
  showProgress(run.data);
  const link = $("lab-run-link");
  link.href = config.api.page_template.replace(/0{8}-0{4}-0{4}-0{4}-0{12}/, runId);
  link.hidden = false;
  const kpis = await api(config.api.kpis_template.replace(/0{8}-0{4}-0{4}-0{4}-0{12}/, runId));
  if (kpis.ok) results.show({ kpis: kpis.data, run: state.run, doc: state.doc, config, T, api });
  remember();
}

// ------------------------------------------------------------------ start

function main() {
  const JSONEditor = window.JSONEditor;
  cspSafeTheme(JSONEditor);
  useLanguage(JSONEditor);
  fillScenarios();
  fillTemplates();
  $("lab-form").addEventListener("submit", startRun);
  results.init({ config, T, api });
  const asked = new URLSearchParams(location.search);
  const scenarioSelect = $("lab-scenario");
  if ([...scenarioSelect.options].some((o) => o.value === asked.get("scenario"))) scenarioSelect.value = asked.get("scenario");
  state.template = config.templates.find((t) => t.key === asked.get("template")) || null;
  if (scenarioSelect.value) loadScenario(scenarioSelect.value).then(() => reopen(asked));
  $("lab").dataset.ready = "true";
}

main();
