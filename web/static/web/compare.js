// Compare 2–4 runs: KPI table with deltas to the first run (units from the units table), overlaid region
// series of any recorded quantity (ECharts), exports as CSV / XLSX / PNG.
import { bucketMeans, formatValue, hoursAxis, pngButton, unitSymbol } from "./exports.js";

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

function scopeTitle(row) {
  if (row.scope === "region") return T.region;
  const kind = (T.actor_types || {})[row.type] || row.type;
  return (row.scope === "agent" ? T.scope_agent : T.scope_contract) + " · " + row.id + (kind ? " (" + kind + ")" : "");
}

function renderTable(data) {
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
    const title = scopeTitle(row);
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
    const name = cell("th", (T.kpi_labels || {})[row.kpi] || row.kpi);
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
  renderTable(table);

  const units = Object.assign({}, ...snapshots.map((s) => (s.describe && s.describe.units) || {}));
  const quantities = [...new Set(snapshots.flatMap((s) => Object.keys(s.region || {})))];
  const select = $("series-quantity");
  for (const q of quantities) {
    const o = document.createElement("option");
    o.value = q;
    o.textContent = q + (unitSymbol(units[q]) ? " (" + unitSymbol(units[q]) + ")" : "");
    select.appendChild(o);
  }
  select.value = quantities.includes("price_cny_per_mwh") ? "price_cny_per_mwh" : quantities[0];
  const chart = window.echarts.init($("compare-chart"));
  pngButton($("series-png"), chart, "compare-" + select.value, T.download_png);
  window.addEventListener("resize", () => chart.resize());

  function draw() {
    const q = select.value;
    const unit = units[q];
    const series = snapshots.map((s, i) => {
      const values = (s.region && s.region[q]) || [];
      const dt = (s.describe && s.describe.dt_h) || 1;
      const factor = Math.max(1, Math.ceil(values.length / MAX_POINTS));
      const means = bucketMeans(values, factor);
      const hours = hoursAxis(means.length, dt * factor);
      return {
        type: "line", name: table.runs[i].label, showSymbol: false, sampling: "lttb",
        lineStyle: { width: 1.5 }, color: COLOURS[i % COLOURS.length],
        data: means.map((v, j) => [hours[j], v]),
      };
    });
    $("series-png").querySelector("button").dataset.png = "compare-" + q;
    chart.setOption({
      animation: false,
      legend: { top: 0, right: 10, type: "scroll" },
      tooltip: { trigger: "axis" },
      grid: { left: 64, right: 24, top: 40, bottom: 56 },
      xAxis: { type: "value", name: "h", nameLocation: "end", min: 0 },
      yAxis: { type: "value", name: unitSymbol(unit), scale: true },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 16, bottom: 8 }],
      series,
    }, { notMerge: true });
  }
  select.addEventListener("change", draw);
  draw();
  $("compare").dataset.ready = "true";
}

main().catch((err) => {
  $("compare-table").replaceChildren(cell("p", String(err), "alert alert-error"));
});
