// Compare 2–4 runs: KPI table with deltas to the first run (units from the units table), overlaid region
// series of any recorded quantity (ECharts), exports as CSV / XLSX / PNG.
import { bucketMeans, formatValue, hoursAxis, pngButton, unitSymbol } from "./exports.js";
import { SankeyPanel, valuesAt, priceAt, legendLayout, quantityLabel, acrossRegions, theme, bucketSteps } from "./charts.js";
import { TwinMap, range, regionName } from "./map.js";

const config = JSON.parse(document.getElementById("compare-config").textContent);
const T = config.i18n;
const lang = document.documentElement.lang;
const $ = (id) => document.getElementById(id);
const MAX_POINTS = 2000; // per series; longer runs are shown as bucket means
const COLOURS = ["#1f4e79", "#c0504d", "#2e8b57", "#b8860b"];

function cell(tag, text, className) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (className) el.className = className;
  return el;
}

function scopeTitle(row, names) {
  if (row.scope === "region") return row.id ? T.region + " · " + ((names || {})[row.id] || row.id) : T.region;
  if ((T.scopes || {})[row.scope]) return T.scopes[row.scope] + (row.id ? " · " + row.id : "");
  const kind = (T.actor_types || {})[row.type] || row.type;
  return (row.scope === "agent" ? T.scope_agent : T.scope_contract) + " · " + row.id + (kind ? " (" + kind + ")" : "");
}

function renderTable(data, names) {
  const table = document.createElement("table");
  table.className = "compare";
  const head = table.createTHead().insertRow();
  head.append(cell("th", T.kpi), cell("th", T.unit));
  data.runs.forEach((r, i) => {
    head.append(cell("th", r.label, "num"));
    if (i > 0) head.append(cell("th", "Δ " + (i + 1), "num"));
  });
  const body = table.createTBody();
  let scope = null;
  for (const row of data.rows) {
    const title = scopeTitle(row, names);
    if (title !== scope) {
      scope = title;
      const tr = body.insertRow();
      tr.className = "scope-head";
      const th = cell("th", title);
      th.colSpan = 2 + 2 * data.runs.length - 1;
      tr.append(th);
    }
    const unit = data.units[row.kpi];
    const tr = body.insertRow();
    tr.dataset.kpi = row.kpi;
    tr.dataset.scope = row.scope;
    if (row.id) tr.dataset.id = row.id;
    const name = cell("th", row.label || (T.kpi_labels || {})[row.kpi] || row.kpi);
    name.title = row.kpi;
    tr.append(name, cell("td", unitSymbol(unit), "unit"));
    row.values.forEach((v, i) => {
      tr.append(cell("td", formatValue(v, unit, lang), "num"));
      if (i > 0) {
        const d = row.deltas[i];
        const td = cell("td", d === null || d === undefined ? "—" : (d > 0 ? "+" : "") + formatValue(d, unit, lang), "num delta");
        if (d) td.classList.add(d > 0 ? "delta-up" : "delta-down");
        tr.append(td);
      }
    });
  }
  $("compare-table").replaceChildren(table);
}

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(response.status + " " + url);
  return response.json();
}

async function main() {
  if (!$("compare") || config.runs.length < 2) return;
  const query = "?runs=" + config.runs.join(",");
  $("export-csv").href = config.api.compare_csv + query;
  $("export-xlsx").href = config.api.compare_xlsx + query;
  const [table, ...snapshots] = await Promise.all([
    getJson(config.api.compare + query),
    ...config.runs.map((id) => getJson(config.api.snapshot_template.replace("00000000-0000-0000-0000-000000000000", id))),
  ]);
  const names = Object.assign({}, ...snapshots.map((s) => Object.fromEntries(
    [...((s.describe && s.describe.regions) || []), ...((s.describe && s.describe.links) || [])].map((r) => [r.id, regionName(r, lang)]))));
  renderTable(table, names);

  const units = Object.assign({}, ...snapshots.map((s) => (s.describe && s.describe.units) || {}));
  const quantities = [...new Set(snapshots.flatMap((s) => Object.keys(s.region || {})))];
  const seriesT = (T.twin || {}).series || {};
  const select = $("series-quantity");
  for (const q of quantities) {
    const o = document.createElement("option");
    o.value = q;
    o.title = q;
    o.textContent = quantityLabel(q, seriesT, names, T.quantity_labels) + (unitSymbol(units[q]) ? " (" + unitSymbol(units[q]) + ")" : "");
    select.appendChild(o);
  }
  select.value = ["wholesale_price_cny_per_mwh", "price_cny_per_mwh", "load_mw"].find((q) => quantities.includes(q)) || quantities[0];
  const chart = window.echarts.init($("compare-chart"));
  pngButton($("series-png"), chart, "compare-" + select.value, T.download_png);
  window.addEventListener("resize", () => {
    draw();
    chart.resize();
  });

  function draw() {
    const q = select.value;
    const unit = units[q];
    const series = snapshots.map((s, i) => {
      const values = (s.region && s.region[q]) || [];
      const dt = (s.describe && s.describe.dt_h) || 1;
      const factor = bucketSteps(values.length, dt * 3600e3, MAX_POINTS); // an hourly year: daily means
      const means = bucketMeans(values, factor);
      const hours = hoursAxis(means.length, dt * factor);
      return {
        type: "line", name: table.runs[i].label, showSymbol: false, sampling: "lttb",
        lineStyle: { width: 1.5 }, color: COLOURS[i % COLOURS.length],
        data: means.map((v, j) => [hours[j], v]),
      };
    });
    $("series-png").querySelector("button").dataset.png = "compare-" + q;
    const font = theme(false).font;
    const lay = legendLayout(series.map((d) => d.name), $("compare-chart").clientWidth || 800, font, Boolean(unitSymbol(unit)));
    chart.setOption({
      animation: false,
      legend: { top: 0, left: 0, right: 0, type: "plain", itemGap: 10, padding: 5, textStyle: { fontSize: font } },
      tooltip: { trigger: "axis" },
      grid: { left: 64, right: 24, top: lay.top, bottom: 56 },
      xAxis: { type: "value", name: "h", nameLocation: "end", min: 0 },
      yAxis: { type: "value", name: unitSymbol(unit), nameGap: lay.nameGap, nameTextStyle: { align: "right", fontSize: font }, scale: true },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 16, bottom: 8 }],
      series,
    }, { notMerge: true });
  }
  select.addEventListener("change", draw);
  draw();
  await drawTwins(table, snapshots);
  $("compare").dataset.ready = "true";
}

// Each run's map and sankey side by side at one step (the final step unless one is chosen): agents' state
// from the run's recorded series (owner-checked endpoint), region values from its snapshot.
function stepsOf(s) {
  const region = s.region || {};
  return Math.max(0, ...Object.values(region).map((a) => (a ? a.length : 0)));
}

async function drawTwins(table, snapshots) {
  const row = $("twins-row");
  if (!row || !window.echarts) return;
  const TT = Object.assign({}, T.twin || {}, { actor_types: T.actor_types });
  const cols = [...row.querySelectorAll(".twin-col")];
  const steps = snapshots.map(stepsOf);
  const maxStep = Math.max(0, ...steps) - 1;
  const slider = $("twins-step");
  slider.max = String(Math.max(0, maxStep));
  slider.value = String(Math.max(0, maxStep));
  const twins = await Promise.all(config.twins.map(async (info, i) => {
    const col = cols[i];
    const s = snapshots[i];
    col.querySelector(".twin-col-title").textContent = table.runs[i].label;
    const units = (s.describe && s.describe.units) || {};
    const sankey = new SankeyPanel(window.echarts, col.querySelector("[data-sankey]"), TT, false, unitSymbol(units.load_mw));
    const map = new TwinMap(window.echarts, col.querySelector("[data-map]"), { T: Object.assign({}, TT, { units }) });
    try {
      const geojson = await getJson(info.outline_url);
      map.setup(geojson, info.map_name, s.describe, info.capacities);
    } catch (err) {
      col.querySelector("[data-map]").textContent = TT.map_unavailable || String(err);
    }
    const tools = col.querySelector("[data-tools]");
    if (map.chart) pngButton(tools, map.chart, "map-" + (i + 1), T.map_png).setAttribute("aria-label", T.map_png + " · " + table.runs[i].label);
    if (sankey.chart) pngButton(tools, sankey.chart, "sankey-" + (i + 1), T.sankey_png).setAttribute("aria-label", T.sankey_png + " · " + table.runs[i].label);
    // A multi-region run: one colour scale over every region's price (as on its run page).
    const regionIds = ((s.describe && s.describe.regions) || []).map((r) => r.id);
    const multi = regionIds.length > 1;
    const regionPrices = multi ? acrossRegions(s.region, regionIds, "wholesale_price_cny_per_mwh") : [];
    const prices = multi
      ? (regionPrices.length ? regionPrices : acrossRegions(s.region, regionIds, "price_cny_per_mwh"))
      : (s.region && (s.region.wholesale_price_cny_per_mwh || s.region.price_cny_per_mwh)) || [];
    return { info, s, map, sankey, col, n: steps[i], priceRange: range(prices), states: new Map(), multi };
  }));
  window.addEventListener("resize", () => twins.forEach((t) => { t.map.resize(); t.sankey.resize(); }));

  let wanted = 0;
  async function show(step) {
    const ticket = ++wanted;
    $("twins-step-label").textContent = (T.step || "step") + " " + step;
    await Promise.all(twins.map(async (t) => {
      const k = Math.min(step, t.n - 1);
      if (k < 0) return;
      if (!t.states.has(k)) {
        try {
          t.states.set(k, await getJson(t.info.agent_state + "?step=" + k));
        } catch (err) {
          t.states.set(k, null);
        }
      }
      if (ticket !== wanted) return;
      const at = valuesAt(t.s.region || {}, k);
      t.map.draw(t.states.get(k), priceAt(at), t.priceRange, at.import_mw, t.multi ? at : undefined);
      t.sankey.draw(at);
      t.col.dataset.step = String(k);
    }));
    if (ticket === wanted) $("compare-twins").dataset.step = String(step);
  }
  let timer = null;
  slider.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => show(Number(slider.value)), 120);
  });
  $("twins-final").addEventListener("click", () => {
    slider.value = slider.max;
    show(Number(slider.max));
  });
  await show(Math.max(0, maxStep));
}

main().catch((err) => {
  $("compare-table").replaceChildren(cell("p", String(err), "alert alert-error"));
});
