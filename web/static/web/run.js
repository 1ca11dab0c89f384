// The live twin of a run (run page and big screen): the stream (stream.js) feeds the map (map.js), the
// panels (charts.js), the timeline (timeline.js) and the agent drawer (drawer.js); the controls call the
// REST API. Texts come translated from the server (json_script "run-config").
import { RunStream, TERMINAL } from "./stream.js";
import { TimePanels, SankeyPanel, kpiCards, valuesAt, priceAt, fmtNum, unitOf, PANEL_UNIT_KEYS, regionSeries, acrossRegions } from "./charts.js";
import { downloadPng } from "./exports.js";
import { TwinMap, range, regionName } from "./map.js";
import { localName, pageLang } from "./names.js";
import { Timeline, stepLabel } from "./timeline.js";
import { outageBlocks } from "./outages.js";
import { AgentDrawer } from "./drawer.js";
import { DecisionPanel } from "./decisions.js";

const config = JSON.parse(document.getElementById("run-config").textContent);
const T = config.i18n;
const el = (id) => document.getElementById(id);
const echarts = window.echarts;
const dark = !!config.big;

// Decision points: the panel shows while the run waits; after a submit the stream brings the new status.
const decisionPanel = new DecisionPanel({
  root: el("decisions"), url: config.api.decisions, canDecide: !!config.can_decide, strings: T.decisions || {},
  csrfToken, onSubmitted: () => { stream.mergeRun({ status: "queued" }); scheduleDraw(); },
});

// ---------------------------------------------------------------- stream
const durationState = { s: config.duration_s, at: performance.now() };
const stream = new RunStream({
  run: {
    id: config.run_id, status: config.status, step: config.step, total_steps: config.total_steps,
    steps_per_s: 0, speed_steps_per_s: config.speed_steps_per_s, error: "", eta_s: null,
  },
  wsUrl: (query) => (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + config.ws_path + query,
  snapshotUrl: config.api.snapshot,
  onChange: (kind) => {
    if (kind === "snapshot") onSnapshot();
    scheduleDraw();
  },
  onConn: (state, detail) => setConn(state, detail),
});
window.twinRunState = stream; // for debugging and the browser tests

function setConn(state, detail) {
  const c = el("conn-state");
  if (!c) return;
  const cls = { live: "ok", reconnecting: "warn", resyncing: "warn", not_allowed: "warn" }[state] || "";
  let text = T[state] || state;
  if (state === "reconnecting" && detail && detail.delayMs) {
    const reasons = T.close_reasons || {};
    const reason = (reasons[detail.reason] || reasons.other || "").replace("%(code)s", String(detail.code));
    text = T.retrying
      ? T.retrying.replace("%(reason)s", reason).replace("%(seconds)s", String(Math.round(detail.delayMs / 1000)))
        .replace("%(attempt)s", String(detail.attempt))
      : text + " (" + Math.round(detail.delayMs / 1000) + " " + T.seconds + ")";
  }
  c.textContent = text;
  c.className = "conn " + cls;
}

// ---------------------------------------------------------------- twin views
const panels = echarts ? new TimePanels(echarts, { power: el("chart-power"), price: el("chart-price"), heat: el("chart-heat"), migration: el("chart-migration") }, stream, T, dark) : null;
const sankey = echarts && el("chart-sankey") ? new SankeyPanel(echarts, el("chart-sankey"), T, dark) : null;
const twinMap = echarts && el("twin-map") ? new TwinMap(echarts, el("twin-map"), { T, dark, onAgent: (id) => openDrawer(id) }) : null;
const drawer = el("agent-drawer") ? new AgentDrawer(el("agent-drawer"), {
  stream, T, echarts, dark, params: config.agent_params || {},
  seriesUrl: (id) => config.api.agent_series.replace("__agent__", encodeURIComponent(id)),
}) : null;
const timeline = el("timeline-range") ? new Timeline(
  { range: el("timeline-range"), play: el("timeline-play"), live: el("timeline-live"), speed: el("timeline-speed"), label: el("timeline-label") },
  stream, T, () => scheduleDraw(),
) : null;

let outline = null; // {geojson, name}
let mapReady = false;
let firstPaint = false;
let priceRange = null;
let drawnStep = null;

// A multi-region run (describe.regions): the region the panels, cards and sankey show (#region-select).
let regionId = "";
const regionIds = () => ((stream.describe && stream.describe.regions) || []).map((r) => r.id);
const isMulti = () => regionIds().length > 1;
/** The series of the region shown (a single-region run: all of them). */
const shownSeries = () => (isMulti() ? regionSeries(stream.region, regionId) : stream.region);

/** The region's name in the panels' headings. */
function showRegionName() {
  const sel = el("region-select");
  const name = sel && sel.selectedOptions[0] ? sel.selectedOptions[0].textContent : "";
  for (const node of document.querySelectorAll("[data-region-name]")) node.textContent = "· " + name;
}

function setupRegionSwitch() {
  const sel = el("region-select");
  const ids = regionIds();
  if (!isMulti()) {
    regionId = "";
    if (sel) sel.closest("[data-region-switch]").hidden = true;
    return;
  }
  // "" = the whole system (the region series summed / load-weighted under the single-region names), when
  // the run records them
  const values = "load_mw" in stream.region ? ["", ...ids] : ids;
  if (!values.includes(regionId)) regionId = sel && values.includes(sel.value) ? sel.value : values[0];
  if (sel) {
    const names = Object.fromEntries(stream.describe.regions.map((r) => [r.id, regionName(r, document.documentElement.lang)]));
    const texts = values.map((id) => (id ? names[id] : T.regions_total));
    if ([...sel.options].map((o) => o.value + "\t" + o.text).join("\n") !== values.map((id, i) => id + "\t" + texts[i]).join("\n")) {
      sel.replaceChildren(...values.map((id) => new Option(id ? names[id] : T.regions_total, id)));
    }
    sel.value = regionId;
    sel.closest("[data-region-switch]").hidden = false;
    showRegionName();
  }
  if (panels) panels.regionId = regionId;
}

if (el("region-select")) {
  el("region-select").addEventListener("change", (ev) => {
    regionId = ev.target.value;
    if (panels) panels.setRegion(regionId);
    showRegionName();
    scheduleDraw();
  });
}

function openDrawer(id) {
  if (drawer) drawer.show(id, currentStep());
}

function currentStep() {
  return timeline ? timeline.step : stream.filled - 1;
}

const outlineRequest = config.geo && config.geo.url
  ? fetch(config.geo.url, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
    .then((geojson) => {
      outline = { geojson, name: config.geo.name };
      setupMap();
      scheduleDraw();
    })
    .catch(() => {
      const note = el("map-note");
      if (note) note.textContent = T.map_unavailable;
    })
  : Promise.resolve();

function setupMap() {
  if (!twinMap || !outline || !stream.describe || mapReady) return;
  twinMap.setup(outline.geojson, outline.name, stream.describe, config.capacities || {});
  mapReady = true;
  buildLayerToggles();
}

function buildLayerToggles() {
  const box = el("map-layers");
  if (!box || !twinMap) return;
  const items = box.querySelector("[data-items]");
  items.replaceChildren();
  const layers = twinMap.types.map((t) => ["agents-" + t, (T.layers && T.layers[t]) || t, t]);
  layers.push(["flows-power", T.layers.power_flows, "power"], ["flows-import", T.layers.imports, "import"], ["flows-heat", T.layers.heat_flows, "heat"]);
  if (twinMap.multi) layers.unshift(["regions", T.layers.regions, "region"], ["flows-links", T.layers.links, "link"]);
  for (const [id, label, kind] of layers) {
    const wrap = document.createElement("label");
    wrap.className = "layer layer-" + kind;
    const input = document.createElement("input");
    input.type = "checkbox";
    input.checked = twinMap.visible[id] !== false;
    input.id = "layer-" + id;
    input.addEventListener("change", () => twinMap.setLayer(id, input.checked));
    const swatch = document.createElement("span");
    swatch.className = "swatch swatch-" + kind;
    swatch.setAttribute("aria-hidden", "true");
    wrap.append(input, swatch, document.createTextNode(label));
    items.append(wrap);
  }
}

// The units table of the run: describe().units plus the cards' running totals.
function unitsTable() {
  return Object.assign({}, config.card_units || {}, (stream.describe && stream.describe.units) || {});
}

function drawUnits() {
  const table = unitsTable();
  for (const node of document.querySelectorAll("[data-unit-of]")) node.textContent = unitOf(table, node.dataset.unitOf);
  if (sankey) sankey.unit = unitOf(table, PANEL_UNIT_KEYS.sankey);
  if (twinMap) twinMap.T = Object.assign({}, twinMap.T, { units: table });
}

// Any panel as PNG: the buttons (labelled in the template) name the chart element they export.
const pngCharts = () => ({ "chart-power": panels && panels.charts.power && panels.charts.power.chart,
  "chart-price": panels && panels.charts.price && panels.charts.price.chart,
  "chart-heat": panels && panels.charts.heat && panels.charts.heat.chart,
  "chart-migration": panels && panels.charts.migration && panels.charts.migration.chart,
  "chart-sankey": sankey && sankey.chart, "twin-map": twinMap && twinMap.chart });
for (const button of document.querySelectorAll("button[data-png-of]")) {
  button.addEventListener("click", () => {
    const chart = pngCharts()[button.dataset.pngOf];
    if (chart) downloadPng(chart, button.dataset.pngOf.replace("chart-", "") + "-step-" + currentStep() + "-" + config.run_id.slice(0, 8));
  });
}

function onSnapshot() {
  drawUnits();
  setupRegionSwitch();
  if (panels) panels.init();
  buildAgentTable();
  syncSpeedSelect();
  mapReady = false;
  setupMap();
  if (lastKpis) renderResults(lastKpis);
}

// ---------------------------------------------------------------- agents table (with drawer buttons)
let agentCells = [];
function buildAgentTable() {
  const agents = (stream.describe && stream.describe.agents) || [];
  const section = el("agents");
  const body = el("agent-rows");
  if (!section || !body) return;
  agentCells = [];
  body.replaceChildren();
  section.hidden = agents.length === 0;
  for (const a of agents) {
    const tr = body.insertRow();
    const name = tr.insertCell();
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = "linklike";
    btn.textContent = localName(a, pageLang());
    btn.title = a.id;
    btn.dataset.agent = a.id;
    btn.addEventListener("click", () => openDrawer(a.id));
    name.append(btn);
    const type = tr.insertCell();
    type.textContent = (T.actor_types || {})[a.type] || a.type;
    type.className = "muted";
    const cells = {};
    for (const q of ["power_mw", "heat_mw"]) {
      const td = tr.insertCell();
      td.className = "num";
      td.textContent = "—";
      cells[q] = td;
    }
    agentCells.push(cells);
  }
  const count = el("agent-count");
  if (count) count.textContent = "(" + agents.length + ")";
}

function drawAgents(state) {
  for (const q of ["power_mw", "heat_mw"]) {
    const values = (state && state[q]) || [];
    for (let i = 0; i < agentCells.length; i++) {
      const text = fmtNum(values[i]);
      if (agentCells[i][q].textContent !== text) agentCells[i][q].textContent = text;
    }
  }
}

// ---------------------------------------------------------------- KPI cards at the selected step
function drawCards(step) {
  const box = el("kpi-cards");
  if (!box) return;
  const cards = kpiCards(shownSeries(), step, stream.describe ? stream.describe.dt_h || 1 : 1, unitsTable());
  if (box.children.length !== cards.length) {
    box.replaceChildren();
    for (const c of cards) {
      const card = document.createElement("div");
      card.className = "kpi-card";
      card.dataset.key = c.key;
      const label = document.createElement("div");
      label.className = "kpi-label";
      label.textContent = (T.cards && T.cards[c.key]) || c.key;
      label.title = label.textContent; // the whole label where the card cuts it off
      const value = document.createElement("div");
      value.className = "kpi-value num";
      const unit = document.createElement("span");
      unit.className = "kpi-unit";
      card.append(label, value, unit);
      box.append(card);
    }
  }
  cards.forEach((c, i) => {
    const card = box.children[i];
    const text = fmtNum(c.value);
    card.children[1].textContent = text;
    card.children[2].textContent = c.unit;
    card.classList.toggle("kpi-long", text.length >= 10); // e.g. a year's MWh: a smaller figure keeps its unit beside it
  });
}

// ---------------------------------------------------------------- progress and status
function fmtSeconds(s) {
  return window.TwinFormat ? window.TwinFormat.seconds(s, T) : String(s);
}

function currentDuration() {
  const now = performance.now();
  if (stream.run.status === "running") {
    if (durationState.s === null || durationState.s === undefined) durationState.s = 0;
    else durationState.s += (now - durationState.at) / 1000;
  }
  durationState.at = now;
  return durationState.s;
}

function setText(id, text) {
  const node = el(id);
  if (node && node.textContent !== text) node.textContent = text;
}

function drawProgress() {
  const r = stream.run;
  const total = r.total_steps || 0;
  const frac = total ? Math.min(1, r.step / total) : 0;
  const pct = Math.floor(frac * 100);
  setText("progress-pct", pct + " %");
  setText("progress-steps", r.step + " / " + total);
  const bar = el("progress-bar");
  if (bar) {
    bar.setAttribute("aria-valuenow", String(pct));
    bar.firstElementChild.style.width = pct + "%";
    bar.classList.toggle("done", r.status === "succeeded");
    bar.classList.toggle("stopped", r.status === "failed" || r.status === "cancelled");
  }
  const showRate = (r.status === "running" || r.status === "succeeded") && r.steps_per_s;
  setText("progress-rate", showRate ? fmtNum(r.steps_per_s) + " " + T.steps_per_s : "—");
  setText("progress-eta", r.status === "running" ? fmtSeconds(r.eta_s) : TERMINAL.includes(r.status) ? T.done : "—");
  setText("progress-duration", fmtSeconds(currentDuration()));

  const badge = el("run-status") && el("run-status").querySelector(".badge");
  if (badge) {
    badge.className = "badge status status-" + r.status;
    badge.dataset.status = r.status;
    badge.textContent = T.status[r.status] || r.status;
  }
  const errBox = el("run-error");
  if (errBox) {
    errBox.hidden = !r.error;
    el("run-error-text").textContent = r.error || "";
  }
  const active = !TERMINAL.includes(r.status);
  const dis = (id, v) => {
    if (el(id)) el(id).disabled = v;
  };
  dis("btn-pause", !(r.status === "running" || r.status === "queued"));
  dis("btn-resume", r.status !== "paused");
  dis("btn-cancel", !active);
  dis("btn-speed", !active);
  dis("speed-select", !active);
  if (r.status === "succeeded") showResults();
  decisionPanel.update(r.status, r.step);
}

let lastSpeed = null;
function syncSpeedSelect() {
  const sel = el("speed-select");
  if (!sel) return;
  const v = String(stream.run.speed_steps_per_s || 0).replace(/\.0$/, "");
  if (v === lastSpeed) return;
  lastSpeed = v;
  if (![...sel.options].some((o) => o.value === v)) {
    const o = document.createElement("option");
    o.value = v;
    o.textContent = v + " " + T.steps_per_s;
    sel.appendChild(o);
  }
  sel.value = v;
}

// A finished run's per-agent state at any step, from its recorded series (one request at a time, the
// latest wanted step wins); during a run the map shows the nearest earlier state the frames carried.
let stateWanted = -1;
let stateInFlight = false;
const stateTried = new Set();
function fetchAgentState(step) {
  if (stream.run.status !== "succeeded" || !config.api.agent_state || stateTried.has(step)) return;
  stateWanted = step;
  if (stateInFlight) return;
  stateInFlight = true;
  stateTried.add(step);
  fetch(config.api.agent_state + "?step=" + step, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
    .then((data) => {
      stream.rememberAgents(data.step, { power_mw: data.power_mw, heat_mw: data.heat_mw }, false);
    })
    .catch(() => {})
    .finally(() => {
      stateInFlight = false;
      const again = stateWanted !== step;
      stateWanted = -1;
      scheduleDraw();
      if (again) scheduleDraw();
    });
}

// ---------------------------------------------------------------- drawing
let dirty = false;
function scheduleDraw() {
  if (dirty) return;
  dirty = true;
  window.requestAnimationFrame(() => {
    dirty = false;
    draw();
  });
}

function draw() {
  drawProgress();
  syncSpeedSelect();
  if (!stream.haveSnapshot) return;
  if (panels) panels.draw();
  if (timeline) timeline.sync();
  const step = currentStep();
  const state = stream.agentsAt(step);
  const agents = state ? state.agents : null;
  const at = valuesAt(shownSeries(), step);
  if (panels) panels.setCursor(timeline && !timeline.cursor.live ? step : -1);
  if (sankey) sankey.draw(at);
  drawCards(step);
  drawAgents(agents);
  if (mapReady) {
    if (!priceRange || stream.run.status !== "succeeded") {
      const ids = isMulti() ? regionIds() : null;
      const wholesale = ids ? acrossRegions(stream.region, ids, "wholesale_price_cny_per_mwh") : stream.region.wholesale_price_cny_per_mwh;
      priceRange = range(ids && !wholesale.length ? acrossRegions(stream.region, ids, "price_cny_per_mwh")
        : wholesale || stream.region.price_cny_per_mwh);
    }
    twinMap.draw(agents, priceAt(at), priceRange, at.import_mw, isMulti() ? valuesAt(stream.region, step) : null);
  }
  if (step >= 0 && (!state || state.step !== step)) fetchAgentState(step);
  setText("map-step", step >= 0 && (!state || state.step !== step)
    ? "· " + (state ? T.agents_from_step.replace("%(step)s", String(state.step + 1)) : T.agents_unknown) : "");
  if (drawer && drawer.open && drawnStep !== step) drawer.render(step);
  drawnStep = step;
  if (!firstPaint && (mapReady || !twinMap || !config.geo)) {
    firstPaint = true;
    performance.mark("twin-first-paint");
    window.twinFirstPaintMs = performance.now();
  }
}

// Charts follow their boxes (window resizes, layer toggles and the big screen's grid change them).
function resizeAll() {
  if (panels) panels.resize();
  if (sankey) sankey.resize();
  if (twinMap) twinMap.resize();
}
let resizePending = false;
const resizer = typeof ResizeObserver === "function" ? new ResizeObserver(() => {
  if (resizePending) return;
  resizePending = true;
  window.requestAnimationFrame(() => {
    resizePending = false;
    resizeAll();
  });
}) : null;
for (const id of ["twin-map", "chart-sankey", "chart-power", "chart-price", "chart-heat", "chart-migration"]) if (resizer && el(id)) resizer.observe(el(id));
window.addEventListener("resize", resizeAll);

// ---------------------------------------------------------------- controls
function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}


function post(url, body) {
  const box = el("control-error");
  if (box) box.hidden = true;
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  }).then((r) =>
    r.json().catch(() => ({})).then((data) => {
      if (!r.ok) {
        const detail = data.detail || (data.errors || []).map((e) => (e.loc ? e.loc + ": " : "") + e.msg).join("; ");
        throw new Error(detail || T.request_failed + " (" + r.status + ")");
      }
      return data;
    })
  );
}

function showControlError(err) {
  const box = el("control-error");
  if (!box) return;
  box.textContent = err.message || T.request_failed;
  box.hidden = false;
}

function control(action, extra) {
  // The stream is the authority on status and progress: the response may already be older than frames
  // that arrived while the request was in flight, so only the speed setting is taken from it.
  return post(config.api.control, Object.assign({ action }, extra || {}))
    .then((run) => {
      if (run && typeof run.speed_steps_per_s === "number") stream.mergeRun({ speed_steps_per_s: run.speed_steps_per_s });
      scheduleDraw();
    })
    .catch(showControlError);
}

function on(id, fn) {
  if (el(id)) el(id).addEventListener("click", fn);
}
on("btn-pause", () => control("pause"));
on("btn-resume", () => control("resume"));
on("btn-cancel", () => control("cancel"));
on("btn-speed", () => control("speed", { speed_steps_per_s: parseFloat(el("speed-select").value) || 0 }));
on("btn-rerun", () => {
  const seed = parseInt(el("rerun-seed").value, 10);
  post(config.api.rerun, { seed: Number.isFinite(seed) ? seed : 0 })
    .then((run) => {
      window.location.href = config.run_url_template.replace("00000000-0000-0000-0000-000000000000", run.id);
    })
    .catch(showControlError);
});

// ---------------------------------------------------------------- own map outline (upload)
const outlineForm = el("outline-form");
if (outlineForm) {
  outlineForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const box = el("outline-error");
    box.hidden = true;
    const file = el("outline-file").files[0];
    if (!file) return;
    const body = new FormData();
    body.append("file", file);
    fetch(config.api.outlines, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json", "X-CSRFToken": csrfToken() }, body })
      .then((r) => r.json().catch(() => ({})).then((data) => {
        if (!r.ok) {
          const detail = data.detail || (data.errors || []).map((e) => (e.loc ? e.loc + ": " : "") + e.msg).join("; ");
          throw new Error(detail || T.request_failed + " (" + r.status + ")");
        }
        const [w, s, e, n] = data.bbox || [];
        const c = config.region_centre || {};
        if (!(c.lon >= w && c.lon <= e && c.lat >= s && c.lat <= n)) throw new Error(T.outline_outside);
        window.location.reload();
      }))
      .catch((err) => {
        box.textContent = err.message;
        box.hidden = false;
      });
  });
}

// ---------------------------------------------------------------- results (KPI tables of a finished run)
let kpisLoaded = false;

// Units come from the core's units table, sent with describe() (describe.units: name → {unit, kind});
// the page never guesses a unit from a name.
function quantityOf(key) {
  return unitsTable()[key] || { unit: "", kind: "" }; // config.card_units too: KPIs may load before describe
}

function kpiRow(key, value) {
  const labels = T.kpi_labels || {};
  const quantity = quantityOf(key);
  const unit = quantity.kind === "share" ? "%" : quantity.unit;
  const shown = quantity.kind === "share" && typeof value === "number" ? value * 100 : value;
  const tr = document.createElement("tr");
  const th = document.createElement("th");
  th.textContent = labels[key] || key;
  th.title = key;
  const td = document.createElement("td");
  td.className = "num";
  td.textContent = typeof shown === "number" ? fmtNum(shown) : String(shown);
  const tu = document.createElement("td");
  tu.className = "unit";
  tu.textContent = unit;
  tr.append(th, td, tu);
  return tr;
}

function kpiTable(entries) {
  const table = document.createElement("table");
  table.className = "table kpis";
  const head = table.createTHead().insertRow();
  for (const h of [T.kpi, T.value, ""]) {
    const th = document.createElement("th");
    th.textContent = h;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const [k, v] of entries) body.appendChild(kpiRow(k, v));
  return table;
}

function cell(row, text, cls) {
  const td = document.createElement(row.parentNode && row.parentNode.tagName === "THEAD" ? "th" : "td");
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
}

function dataCenterTable(agents) {
  const rows = Object.entries(agents || {}).filter(([, v]) => v && v.type === "data_center");
  if (!rows.length) return null;
  const names = {};
  for (const a of (stream.describe && stream.describe.agents) || []) names[a.id] = localName(a, pageLang());
  const cols = Object.keys(T.dc_columns).filter((c) => c !== "name");
  const table = document.createElement("table");
  table.className = "table dc-kpis";
  const head = table.createTHead().insertRow();
  cell(head, T.dc_columns.name);
  for (const c of cols) cell(head, T.dc_columns[c], "num");
  const body = table.createTBody();
  for (const [id, v] of rows) {
    const tr = body.insertRow();
    cell(tr, names[id] || id);
    for (const c of cols) cell(tr, typeof v[c] === "number" ? fmtNum(v[c]) : "—", "num");
  }
  return table;
}

// A multi-region run's KPIs: one column per region and the totals (kpis.regions, kpis.region), then the
// work moved on each link and in all (kpis.migration).
function regionsKpiTable(kpis) {
  const regions = (stream.describe && stream.describe.regions) || [];
  const ids = regions.map((r) => r.id).filter((id) => kpis.regions && kpis.regions[id]);
  const names = Object.fromEntries(regions.map((r) => [r.id, regionName(r, document.documentElement.lang)]));
  const keys = [];
  for (const block of [kpis.region || {}, ...ids.map((id) => kpis.regions[id])]) {
    for (const [k, v] of Object.entries(block)) if (k !== "steps" && typeof v === "number" && !keys.includes(k)) keys.push(k);
  }
  const labels = T.kpi_labels || {};
  const table = document.createElement("table");
  table.className = "table kpis kpis-regions";
  const head = table.createTHead().insertRow();
  cell(head, T.kpi);
  for (const id of ids) cell(head, names[id], "num");
  cell(head, T.regions_total, "num");
  cell(head, "");
  const body = table.createTBody();
  for (const k of keys) {
    const q = quantityOf(k);
    const share = q.kind === "share";
    const show = (v) => (typeof v === "number" ? fmtNum(share ? v * 100 : v) : "—");
    const tr = body.insertRow();
    const th = document.createElement("th");
    th.textContent = labels[k] || k;
    th.title = k;
    tr.appendChild(th);
    for (const id of ids) cell(tr, show(kpis.regions[id][k]), "num");
    cell(tr, show((kpis.region || {})[k]), "num total");
    cell(tr, share ? "%" : q.unit, "unit");
  }
  const wrap = document.createElement("div");
  wrap.className = "table-scroll";
  wrap.appendChild(table);
  return wrap;
}

function migrationTable(migration) {
  const cols = T.migration_columns || {};
  const links = Object.fromEntries(((stream.describe && stream.describe.links) || []).map((l) => [l.id, l]));
  const regionNames = Object.fromEntries(((stream.describe && stream.describe.regions) || []).map((r) => [r.id, regionName(r, document.documentElement.lang)]));
  const table = document.createElement("table");
  table.className = "table kpis migration-kpis";
  const head = table.createTHead().insertRow();
  cell(head, cols.link || "link");
  const columns = Object.keys(config.migration_units || {});
  const share = (c) => (config.migration_units[c] || {}).kind === "share";
  for (const c of columns) {
    const u = share(c) ? "%" : (config.migration_units[c] || {}).unit;
    cell(head, (cols[c] || c) + (u ? " [" + u + "]" : ""), "num");
  }
  const body = table.createTBody();
  const row = (label, title, v) => {
    const tr = body.insertRow();
    const th = document.createElement("th");
    th.textContent = label;
    if (title) th.title = title;
    tr.appendChild(th);
    for (const c of columns) {
      const x = v[c];
      cell(tr, typeof x === "number" ? fmtNum(share(c) ? x * 100 : x) : "—", "num");
    }
    return tr;
  };
  for (const [id, v] of Object.entries(migration.links || {})) {
    const l = links[id] || {};
    row(l.id ? localName(l, pageLang()) : id, (regionNames[v.from_region] || v.from_region) + " → " + (regionNames[v.to_region] || v.to_region), v);
  }
  row(T.links_total, "", migration).className = "total";
  const wrap = document.createElement("div");
  wrap.className = "table-scroll";
  wrap.appendChild(table);
  if (migration.strategy) {
    const p = document.createElement("p");
    p.className = "muted small";
    p.textContent = (T.migration_strategy || "%(strategy)s").replace("%(strategy)s", (T.migration_kinds || {})[migration.strategy] || migration.strategy);
    wrap.prepend(p);
  }
  return wrap;
}

// Grid outages (kpis.outages): per event a caption (start, hours off the grid) and a row per data center.
function outageTable(outages) {
  const names = {};
  for (const a of (stream.describe && stream.describe.agents) || []) names[a.id] = localName(a, pageLang());
  const columns = Object.keys(T.outage_columns || {});
  const wrap = document.createElement("div");
  wrap.className = "table-scroll";
  for (const block of outageBlocks(outages, names, columns)) {
    const table = document.createElement("table");
    table.className = "table kpis outage-kpis";
    const caption = table.createCaption();
    const when = block.startStep === null || !Number.isFinite(stream.startMs) ? "—"
      : stepLabel(stream.startMs, stream.stepMs, block.startStep);
    caption.textContent = (T.outage_event || "%(n)s").replace("%(n)s", String(block.n)).replace("%(time)s", when)
      .replace("%(hours)s", block.hours === null ? "—" : fmtNum(block.hours));
    const head = table.createTHead().insertRow();
    cell(head, T.outage_site || "");
    for (const c of columns) {
      const u = quantityOf(c).unit;
      cell(head, T.outage_columns[c] + (u ? " [" + u + "]" : ""), "num");
    }
    const body = table.createTBody();
    const row = (label, values) => {
      const tr = body.insertRow();
      cell(tr, label);
      for (const c of columns) cell(tr, values[c] === null ? "—" : fmtNum(values[c]), "num");
      return tr;
    };
    for (const site of block.sites) row(site.name, site.values);
    if (block.sites.length > 1) row(T.outage_total || "", block.total).className = "total";
    wrap.appendChild(table);
  }
  return wrap;
}

function section(title, content, cls) {
  const div = document.createElement("div");
  div.className = cls;
  const h = document.createElement("h3");
  h.textContent = title;
  div.append(h, content);
  return div;
}

function showResults() {
  const box = el("results");
  if (!box) return;
  box.hidden = false;
  if (kpisLoaded) return;
  kpisLoaded = true;
  fetch(config.api.kpis, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(T.request_failed + " (" + r.status + ")"))))
    .then((kpis) => {
      lastKpis = kpis;
      renderResults(kpis);
    })
    .catch((err) => {
      el("kpi-table").textContent = err.message;
    });
}

// The KPI tables; drawn again when a snapshot arrives after them (a multi-region run's table takes its
// region columns and names from the snapshot's describe).
let lastKpis = null;
function renderResults(kpis) {
  const region = Object.entries(kpis.region || {}).filter(
    ([k, v]) => k !== "steps" && (typeof v === "number" || typeof v === "string")
  );
  const half = Math.ceil(region.length / 2);
  const cols = document.createElement("div");
  cols.className = "kpi-cols";
  cols.append(kpiTable(region.slice(0, half)), kpiTable(region.slice(half)));
  const parts = kpis.regions
    ? [section(T.regions_kpis, regionsKpiTable(kpis), "kpi-section")]
    : [section(T.region_kpis, cols, "kpi-section")];
  if (kpis.migration) parts.push(section(T.migration_kpis, migrationTable(kpis.migration), "kpi-section"));
  if (kpis.outages && kpis.outages.events_count) parts.push(section(T.outage_kpis, outageTable(kpis.outages), "kpi-section"));
  const dcs = dataCenterTable(kpis.agents);
  if (dcs) {
    const wrap = document.createElement("div");
    wrap.className = "table-scroll";
    wrap.appendChild(dcs);
    parts.push(section(T.dc_kpis, wrap, "kpi-section"));
  }
  el("kpi-table").replaceChildren(...parts);
}

// ---------------------------------------------------------------- start
drawProgress();
syncSpeedSelect();
stream.connect();
void outlineRequest;
window.setInterval(() => {
  if (stream.run.status === "running") setText("progress-duration", fmtSeconds(currentDuration()));
}, 1000);
