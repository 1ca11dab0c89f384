// Printable run report: four charts of the region series (units from describe().units), PNG export of each,
// and a Print button (the print stylesheet in builder.css lays the page out for A4).
import { bucketMeans, hoursAxis, pngButton, unitSymbol } from "./exports.js";
import { bucketSteps, legendLayout, quantityLabel, theme } from "./charts.js";

const config = JSON.parse(document.getElementById("report-config").textContent);
const T = config.i18n;
const MAX_POINTS = 1500;
const CHARTS = {
  "report-chart-power": ["load_mw", "renewable_mw", "import_mw"],
  "report-chart-price": ["wholesale_price_cny_per_mwh", "retail_price_cny_per_mwh", "price_cny_per_mwh"],
  "report-chart-heat": ["heat_demand_mw", "heat_produced_mw", "heat_from_dc_mw"],
  "report-chart-co2": ["carbon_intensity_kgco2_per_kwh"],
};
const COLOURS = ["#1f4e79", "#2e8b57", "#b8860b", "#c0504d"];

// A quantity's legend label: its series label from the twin's strings, else its KPI label, else its name.
function label(q) {
  const shown = quantityLabel(q, (T.twin || {}).series);
  return shown !== q ? shown : (T.report_series || {})[q] || (T.quantity_labels || {})[q] || (T.kpi_labels || {})[q] || q;
}

document.getElementById("btn-print").addEventListener("click", () => window.print());

async function main() {
  const response = await fetch(config.api.snapshot, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const snap = await response.json();
  const units = (snap.describe && snap.describe.units) || {};
  const dt = (snap.describe && snap.describe.dt_h) || 1;
  const charts = [];
  for (const [id, quantities] of Object.entries(CHARTS)) {
    const element = document.getElementById(id);
    const present = quantities.filter((q) => (snap.region || {})[q]);
    if (!present.length) continue;
    const chart = window.echarts.init(element);
    charts.push(chart);
    const n = snap.region[present[0]].length;
    const factor = bucketSteps(n, dt * 3600e3, MAX_POINTS); // an hourly year: daily means, not a solid block
    const names = present.map(label);
    const unit = unitSymbol(units[present[0]]);
    const font = theme(false).font;
    const lay = legendLayout(names, element.clientWidth || 600, font, Boolean(unit));
    chart.setOption({
      animation: false,
      legend: { top: 0, left: 0, right: 0, type: "plain", itemGap: 10, padding: 5, textStyle: { fontSize: font } },
      grid: { left: 56, right: 12, top: lay.top, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", name: "h", min: 0 },
      yAxis: { type: "value", name: unit, nameGap: lay.nameGap, nameTextStyle: { align: "right", fontSize: font }, scale: true },
      series: present.map((q, i) => {
        const means = bucketMeans(snap.region[q], factor);
        const hours = hoursAxis(means.length, dt * factor);
        return { type: "line", name: names[i], showSymbol: false, color: COLOURS[i % COLOURS.length],
          lineStyle: { width: 1.2 }, data: means.map((v, j) => [hours[j], v]) };
      }),
    });
    pngButton(element.previousElementSibling, chart, "run-" + config.run_id + "-" + id.replace("report-chart-", ""), T.download_png);
  }
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  // Charts fit the paper when printing.
  window.matchMedia("print").addEventListener("change", () => charts.forEach((c) => c.resize()));
  document.getElementById("report").dataset.ready = "true";
}

main();
