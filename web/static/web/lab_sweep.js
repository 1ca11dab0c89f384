// The Contract Lab's sensitivity panel: two sweeps on the workers (POST /api/sweeps/, docs/sweeps.md) — the main
// terms one at a time (a tornado of a party's NPV) and a price × volume grid (a heatmap) — their progress, and
// the two charts with PNG buttons.
import { fmt, heatmapCells, partyKpi, sweepBodies, tornadoBars } from "./lab.js";
import { formatValue, pngButton } from "./exports.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 800;
let ctx = null;
let prepared = null; // {result, names, run, doc, bodies}
let finished = { tornado: null, grid: null }; // results of the sweeps
let seq = 0;
const charts = {};

export function init(context) {
  ctx = context;
  $("lab-sweep").addEventListener("click", start);
  $("lab-sens-party").addEventListener("change", draw);
}

export function clear() {
  prepared = null;
  finished = { tornado: null, grid: null };
  seq += 1;
  $("lab-sweep-status").textContent = "";
}

function chartOf(id) {
  if (!window.echarts) return null;
  if (!charts[id]) {
    charts[id] = window.echarts.init($(id), null, { renderer: "canvas" });
    window.addEventListener("resize", () => charts[id].resize());
  }
  return charts[id];
}

export function prepare({ result, names, run, doc }) {
  const T = ctx.T;
  const type = ctx.config.types[run.draft.type] || { parties: {}, terms: {} };
  const bodies = sweepBodies({ doc, draft: run.draft, type, seed: run.seed,
    parties: result.parties.map((p) => p.id), name: run.draft.id });
  prepared = { result, names, run, doc, bodies };
  const select = $("lab-sens-party");
  select.replaceChildren(...result.parties.map((p) => {
    const o = document.createElement("option");
    o.value = p.id;
    o.textContent = names[p.id] || p.id;
    return o;
  }));
  $("lab-sens-card").hidden = false;
  $("lab-sweep").disabled = !ctx.config.api.sweeps || (!bodies.tornado && !bodies.grid);
  $("lab-sweep-status").textContent = ctx.config.api.sweeps ? "" : T.sweep_unavailable;
  $("lab-heatmap-caption").textContent = bodies.grid ? "" : T.no_heatmap;
  $("lab-tornado-caption").textContent = "";
  for (const id of ["lab-tornado", "lab-heatmap"]) {
    const chart = chartOf(id);
    if (chart) chart.clear();
  }
}

async function start() {
  if (!prepared || !ctx.config.api.sweeps) return;
  const T = ctx.T;
  const mine = ++seq;
  finished = { tornado: null, grid: null };
  $("lab-sweep").disabled = true;
  const created = {};
  for (const key of ["tornado", "grid"]) {
    const body = prepared.bodies[key];
    if (!body) continue;
    const answer = await ctx.api(ctx.config.api.sweeps, { method: "POST", body }).catch(() => null);
    if (!answer || !answer.ok) {
      const errors = (answer && answer.data && answer.data.errors) || [];
      $("lab-sweep-status").textContent = errors.length
        ? errors.map((e) => (e.loc ? e.loc + ": " : "") + e.msg).join(" · ")
        : (answer && answer.data && answer.data.detail) || T.request_failed;
      $("lab-sweep").disabled = false;
      return;
    }
    created[key] = answer.data;
  }
  poll(mine, created);
}

async function poll(mine, created) {
  if (mine !== seq) return;
  const T = ctx.T;
  let done = 0;
  let total = 0;
  let all = true;
  for (const [key, sweep] of Object.entries(created)) {
    const answer = await ctx.api(sweep.links.self).catch(() => null);
    if (mine !== seq) return;
    const s = answer && answer.ok ? answer.data : sweep;
    created[key] = s;
    done += s.progress ? s.progress.finished : 0;
    total += s.total_runs || (s.progress ? s.progress.total : 0);
    const over = ["succeeded", "failed", "cancelled"].includes(s.status);
    if (over && !finished[key]) {
      const results = await ctx.api(s.links.results).catch(() => null);
      if (results && results.ok) finished[key] = results.data;
    }
    if (!over) all = false;
  }
  $("lab-sweep-status").textContent = all ? T.sweep_done : fmt(T.sweep_progress, { done, total });
  draw();
  if (!all) setTimeout(() => poll(mine, created), POLL_MS);
  else $("lab-sweep").disabled = false;
}

function draw() {
  if (!prepared) return;
  const party = $("lab-sens-party").value;
  const kpi = partyKpi(prepared.run.draft.id, party);
  const name = prepared.names[party] || party;
  if (finished.tornado) drawTornado(tornadoBars(finished.tornado, kpi), name);
  if (finished.grid && prepared.bodies.grid) {
    const [x, y] = prepared.bodies.grid.params.map((p) => p.path);
    drawHeatmap(heatmapCells(finished.grid, x, y, kpi), name, x, y);
  }
}

function money(v) {
  return formatValue(v, ctx.config.units.npv_cny, ctx.config.lang);
}

// Axis labels of large sums: compact (1.5M, 1.5亿) in the page's language.
function compact(v) {
  return new Intl.NumberFormat(ctx.config.lang, { notation: "compact", maximumFractionDigits: 1 }).format(v);
}

function drawTornado({ base, bars }, partyName) {
  const T = ctx.T;
  const chart = chartOf("lab-tornado");
  if (!chart || base === null) return;
  const titles = prepared.bodies.titles;
  const rows = [...bars].reverse();
  const unit = ctx.config.units.npv_cny.unit;
  $("lab-tornado-caption").textContent = fmt(T.tornado, { party: partyName }) + " · " + T.base + " " + money(base) + " " + unit;
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 24, top: 30, bottom: 40, containLabel: true },
    legend: { top: 0, data: [T.low, T.high] },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v) => (v === null ? "—" : money(v) + " " + unit) },
    xAxis: { type: "value", name: "Δ " + T.npv + " (" + unit + ")", nameLocation: "middle", nameGap: 26,
      axisLabel: { formatter: compact } },
    yAxis: { type: "category", data: rows.map((b) => titles[b.path] || b.path), axisLabel: { width: 170, overflow: "truncate" } },
    series: [
      { name: T.low, type: "bar", stack: "low", data: rows.map((b) => b.lowDelta), itemStyle: { color: "#4f6d8f" } },
      { name: T.high, type: "bar", stack: "high", barGap: "-100%", data: rows.map((b) => b.highDelta), itemStyle: { color: "#c0504d" } },
    ],
  }, true);
  chart.resize();
  const holder = $("lab-tornado-png");
  if (!holder.firstChild) pngButton(holder, chart, "contract-tornado.png", T.download_png);
}

function drawHeatmap({ xs, ys, cells, min, max }, partyName, xPath, yPath) {
  const T = ctx.T;
  const chart = chartOf("lab-heatmap");
  if (!chart || !cells.length) return;
  const titles = prepared.bodies.titles;
  const unit = ctx.config.units.npv_cny.unit;
  $("lab-heatmap-caption").textContent = fmt(T.heatmap, { party: partyName }) + " (" + unit + ")";
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 16, top: 30, bottom: 70, containLabel: true },
    tooltip: { formatter: (p) => (titles[xPath] || xPath) + ": " + xs[p.value[0]] + "<br>" + (titles[yPath] || yPath) + ": "
      + ys[p.value[1]] + "<br>" + T.npv + ": " + money(p.value[2]) + " " + unit },
    xAxis: { type: "category", data: xs.map(String), name: titles[xPath] || xPath, nameLocation: "middle", nameGap: 24 },
    yAxis: { type: "category", data: ys.map(String), name: titles[yPath] || yPath, nameLocation: "end",
      nameTextStyle: { align: "left" } },
    visualMap: { min, max: max === min ? min + 1 : max, calculable: false, orient: "horizontal", left: "center", bottom: 0,
      itemHeight: 120, text: [compact(max), compact(min)], inRange: { color: ["#b42318", "#f7f4ea", "#2e7d4f"] } },
    series: [{ type: "heatmap", data: cells, label: { show: true, formatter: (p) => compact(p.value[2]) } }],
  }, true);
  chart.resize();
  const holder = $("lab-heatmap-png");
  if (!holder.firstChild) pngButton(holder, chart, "contract-price-volume.png", T.download_png);
}
