// The Contract Lab's results panels: the parties' figures side by side, their cash flows (ECharts), the ledger
// with drill-down, the comparison as CSV and every chart as PNG. The sensitivity panel is lab_sweep.js.
import { cashFlowSeries, comparisonCsv, contractResult, figureRows, fmt, ledgerGroups } from "./lab.js";
import { formatValue, pngButton } from "./exports.js";
import * as sweep from "./lab_sweep.js";

const $ = (id) => document.getElementById(id);
const COLORS = ["#1f4e79", "#c0504d", "#2e8b57", "#b8860b"];
let ctx = null;
let current = null; // {result, names, contractId}
const charts = {};

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

export function init(context) {
  ctx = context;
  $("lab-csv").addEventListener("click", downloadCsv);
  sweep.init(context);
}

export function clear() {
  current = null;
  for (const id of ["lab-summary-card", "lab-cash-card", "lab-ledger-card", "lab-sens-card"]) $(id).hidden = true;
  $("lab-empty").hidden = false;
  sweep.clear();
}

function partyNames(doc) {
  const names = {};
  for (const a of (doc && doc.actors) || []) names[a.id] = a.name || a.id;
  for (const a of (doc && doc.demand_response && doc.demand_response.aggregators) || []) names[a.id] = a.name || a.id;
  return names;
}

export function show({ kpis, run, doc, T }) {
  const result = contractResult(kpis, run.contractId);
  if (!result) {
    $("lab-empty").hidden = false;
    $("lab-empty").textContent = T.no_results;
    return;
  }
  const names = partyNames(doc);
  current = { result, names, contractId: run.contractId, run };
  $("lab-empty").hidden = true;
  drawSummary(result, names, T);
  drawCashFlows(result, names, T);
  drawLedger(result, names, T);
  sweep.prepare({ result, names, run, doc });
}

function unitOf(row) {
  return row.kind === "share" ? { unit: "", kind: "share" } : { unit: row.unit, kind: row.kind };
}

function drawSummary(result, names, T) {
  const lang = ctx.config.lang;
  const table = el("table", { class: "table lab-table", id: "lab-summary-table" });
  const head = el("tr", {}, el("th", { scope: "col", text: T.figure }));
  for (const p of result.parties) {
    head.appendChild(el("th", { scope: "col", "data-party": p.id },
      names[p.id] || p.id, el("br"), el("span", { class: "muted small", text: p.role || p.id })));
  }
  table.appendChild(el("thead", {}, head));
  const body = el("tbody");
  for (const row of figureRows(result)) {
    const unit = row.kind === "share" ? "%" : row.unit;
    const tr = el("tr", { "data-figure": row.key }, el("th", { scope: "row", text: T[row.label] + (unit ? " (" + unit + ")" : "") }));
    for (const [i, cell] of row.cells.entries()) {
      const has = cell.value !== null && cell.value !== undefined;
      const td = el("td", { class: "num", "data-party": result.parties[i].id });
      if (has) {
        td.textContent = formatValue(cell.value, unitOf(row), lang);
        if (row.key === "npv_cny") td.classList.add(cell.value >= 0 ? "pos" : "neg");
      } else {
        td.textContent = "—";
        const note = row.key === "irr_pu" ? (cell.note || T.irr_none) : row.key.startsWith("payback") ? T.never : "";
        if (note) td.appendChild(el("span", { class: "note small muted", text: " " + note }));
      }
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  table.appendChild(body);
  $("lab-summary").replaceChildren(table);
  $("lab-summary-note").textContent = result.ratePu !== null && result.ratePu !== undefined
    ? T.discount_rate + ": " + formatValue(result.ratePu, { unit: "", kind: "share" }, lang) + " %" : "";
  $("lab-summary-card").hidden = false;
}

function chartOf(id) {
  if (!window.echarts) return null;
  if (!charts[id]) {
    charts[id] = window.echarts.init($(id), null, { renderer: "canvas" });
    window.addEventListener("resize", () => charts[id].resize());
  }
  return charts[id];
}

function drawCashFlows(result, names, T) {
  $("lab-cash-card").hidden = false;
  const chart = chartOf("lab-cash-chart");
  if (!chart) return;
  const flows = cashFlowSeries(result);
  const series = [];
  flows.parties.forEach((p, i) => {
    const name = names[p.id] || p.id;
    series.push({ name, type: "bar", data: p.bars, itemStyle: { color: COLORS[i % COLORS.length] } });
    series.push({ name: name + " · " + T.cumulative, type: "line", data: p.cumulative, symbol: "none",
      lineStyle: { type: "dashed", color: COLORS[i % COLORS.length] }, itemStyle: { color: COLORS[i % COLORS.length] } });
  });
  chart.setOption({
    animation: false,
    grid: { left: 70, right: 20, top: 40, bottom: 40 },
    legend: { top: 0, type: "scroll" },
    tooltip: { trigger: "axis", valueFormatter: (v) => formatValue(v, { unit: "CNY", kind: "money" }, ctx.config.lang) + " CNY" },
    xAxis: { type: "category", data: flows.years.map(String), name: T.year, nameLocation: "middle", nameGap: 26 },
    yAxis: { type: "value", name: "CNY", axisLabel: { formatter: (v) => formatValue(v, { unit: "CNY", kind: "money" }, ctx.config.lang) } },
    series,
  }, true);
  chart.resize();
  const holder = $("lab-cash-png");
  if (!holder.firstChild) pngButton(holder, chart, "contract-cash-flows.png", T.download_png);
  holder.firstChild.dataset.png = "contract-" + (current.contractId || "lab") + "-cash-flows.png";
}

function drawLedger(result, names, T) {
  const lang = ctx.config.lang;
  const box = $("lab-ledger");
  box.replaceChildren();
  let any = false;
  result.parties.forEach((p, pi) => {
    const groups = ledgerGroups(p.items);
    if (!groups.length) return;
    any = true;
    const table = el("table", { class: "table lab-table" });
    table.appendChild(el("thead", {}, el("tr", {}, el("th", { scope: "col", text: T.category }),
      el("th", { scope: "col", text: T.amount + " (CNY)" }))));
    let total = 0;
    groups.forEach((g, gi) => {
      total += g.totalCny;
      const rowsId = "lab-items-" + pi + "-" + gi;
      const button = el("button", { type: "button", class: "linklike", "aria-expanded": "false", "aria-controls": rowsId,
        "aria-label": fmt(T.show_items, { what: g.category }), text: g.category + " (" + g.items.length + ")" });
      table.appendChild(el("tbody", {}, el("tr", { "data-category": g.category }, el("td", {}, button),
        el("td", { class: "num", text: formatValue(g.totalCny, { unit: "CNY", kind: "money" }, lang) }))));
      const items = el("tbody", { id: rowsId, class: "lab-items-group", hidden: "" });
      for (const item of g.items) {
        items.appendChild(el("tr", { class: "lab-items" },
          el("td", { text: String(item.item || item.name || item.label || "") + (item.counterparty ? " ↔ " + (names[item.counterparty] || item.counterparty) : "") }),
          el("td", { class: "num", text: formatValue(item.amount_cny, { unit: "CNY", kind: "money" }, lang) })));
      }
      table.appendChild(items);
      button.addEventListener("click", () => {
        const open = button.getAttribute("aria-expanded") !== "true";
        button.setAttribute("aria-expanded", String(open));
        items.hidden = !open;
      });
    });
    const body = el("tbody", {}, el("tr", {}, el("th", { scope: "row", text: T.total }),
      el("td", { class: "num", text: formatValue(total, { unit: "CNY", kind: "money" }, lang) })));
    table.appendChild(body);
    box.appendChild(el("div", { class: "lab-ledger-party", "data-party": p.id },
      el("h3", { text: (names[p.id] || p.id) + (p.role ? " · " + p.role : "") }), table));
  });
  $("lab-ledger-card").hidden = !any;
}

function downloadCsv() {
  if (!current) return;
  const text = comparisonCsv(current.result, current.names, ctx.T);
  const blob = new Blob(["\ufeff" + text], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = "contract-" + (current.contractId || "lab") + "-comparison.csv";
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
