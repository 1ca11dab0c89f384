// The Contract Lab's results panels: the parties' figures side by side, their cash flows (ECharts), the ledger
// with drill-down, the comparison as CSV and every chart as PNG. The sensitivity panel is lab_sweep.js.
import { cashFlowSeries, comparisonCsv, contractResult, figureRows, fmt, irrNoteText, ledgerRows } from "./lab.js";
import { formatValue, pngButton, unitSymbol } from "./exports.js";
import * as sweep from "./lab_sweep.js";
import { localName } from "./names.js";

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
  for (const a of (doc && doc.actors) || []) names[a.id] = localName(a, ctx.config.lang);
  for (const a of (doc && doc.demand_response && doc.demand_response.aggregators) || []) names[a.id] = localName(a, ctx.config.lang);
  names.external = ctx.T.external;
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
  if (result.evaluated) drawCashFlows(result, names, T);
  else $("lab-cash-card").hidden = true;
  drawLedger(result, names, T);
  sweep.prepare({ result, names, run, doc });
}

function unitOf(key) {
  return ctx.config.units[key] || { unit: "", kind: "" };
}

function money(v) {
  return formatValue(v, unitOf("npv_cny"), ctx.config.lang);
}

// Axis labels of large sums: compact (1.5M, 1.5亿) in the page's language.
function compact(v) {
  return new Intl.NumberFormat(ctx.config.lang, { notation: "compact", maximumFractionDigits: 1 }).format(v);
}

function drawSummary(result, names, T) {
  const lang = ctx.config.lang;
  const table = el("table", { class: "table lab-table", id: "lab-summary-table" });
  const head = el("tr", {}, el("th", { scope: "col", text: T.figure }));
  for (const p of result.parties) {
    head.appendChild(el("th", { scope: "col", "data-party": p.id },
      names[p.id] || p.id, el("br"), el("span", { class: "muted small", text: (T.roles[p.role] || p.role || "") + " · " + p.id })));
  }
  table.appendChild(el("thead", {}, head));
  const body = el("tbody");
  for (const row of figureRows(result)) {
    const unit = unitSymbol(unitOf(row.key));
    const tr = el("tr", { "data-figure": row.key }, el("th", { scope: "row", text: T[row.label] + (unit ? " (" + unit + ")" : "") }));
    for (const [i, cell] of row.cells.entries()) {
      const has = cell.value !== null && cell.value !== undefined;
      const td = el("td", { class: "num", "data-party": result.parties[i].id });
      if (has) {
        td.textContent = formatValue(cell.value, unitOf(row.key), lang);
        if (row.key === "npv_cny") td.classList.add(cell.value >= 0 ? "pos" : "neg");
      } else {
        td.textContent = "—";
        const note = !result.evaluated ? "" : row.key === "irr_pu" ? irrNoteText(cell.note, T)
          : row.key.endsWith("payback_years") ? T.never : "";
        if (note) td.appendChild(el("span", { class: "note small muted", text: " " + note }));
      }
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  table.appendChild(body);
  $("lab-summary").replaceChildren(table);
  const notes = [];
  if (!result.evaluated) notes.push(T.not_evaluated);
  if (result.ratePu !== null) notes.push(T.discount_rate + ": " + formatValue(result.ratePu, { unit: "", kind: "share" }, lang) + " %");
  if (result.termYears) notes.push(result.termYears + " " + T.years);
  $("lab-summary-note").textContent = notes.join(" · ");
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
  $("lab-cash-caption").textContent = T.cash_flow + " (" + unitOf("npv_cny").unit + "; " + T.year + " 0 = " + T.capex + ")";
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
    grid: { left: 8, right: 20, top: 40, bottom: 30, containLabel: true },
    legend: { top: 0, type: "scroll" },
    tooltip: { trigger: "axis", valueFormatter: (v) => money(v) + " " + unitOf("npv_cny").unit },
    xAxis: { type: "category", data: flows.years.map(String), name: T.year, nameLocation: "middle", nameGap: 26 },
    yAxis: { type: "value", axisLabel: { formatter: compact } },
    series,
  }, true);
  chart.resize();
  const holder = $("lab-cash-png");
  if (!holder.firstChild) pngButton(holder, chart, "contract-cash-flows.png", T.download_png);
  holder.firstChild.dataset.png = "contract-" + (current.contractId || "lab") + "-cash-flows.png";
}

// The ledger side by side: a row per category (a column per party, + received / − paid), each with a button
// that shows its line items (payer → payee) and, for demand response, the measured events.
function drawLedger(result, names, T) {
  const lang = ctx.config.lang;

  const rows = ledgerRows(result);
  const table = el("table", { class: "table lab-table", id: "lab-ledger-table" });
  const head = el("tr", {}, el("th", { scope: "col", text: T.category }));
  for (const p of result.parties) head.appendChild(el("th", { scope: "col", text: (names[p.id] || p.id) + " (" + unitOf("net_cny").unit + ")" }));
  table.appendChild(el("thead", {}, head));
  rows.forEach((row, ri) => {
    const label = T.categories[row.category] || row.category;
    const drill = row.items.length > 0 || (row.events && row.events.length > 0);
    const first = drill
      ? el("button", { type: "button", class: "linklike", "aria-expanded": "false", "aria-controls": "lab-items-" + ri,
        "aria-label": fmt(T.show_items, { what: label }), text: label })
      : document.createTextNode(label);
    const tr = el("tr", { "data-category": row.category }, el("td", {}, first));
    for (const v of row.totals) tr.appendChild(el("td", { class: "num", text: money(v) }));
    table.appendChild(el("tbody", {}, tr));
    if (!drill) return;
    const items = el("tbody", { id: "lab-items-" + ri, class: "lab-items-group", hidden: "" });
    for (const item of row.items) {
      const r = el("tr", { class: "lab-items" }, el("td", { text: (names[item.payer] || item.payer) + " → " + (names[item.payee] || item.payee) }));
      for (const v of item.signed) r.appendChild(el("td", { class: "num", text: v === null ? "" : money(v) }));
      items.appendChild(r);
    }
    for (const e of row.events || []) {
      const r = el("tr", { class: "lab-items" }, el("td", { text: fmt(T.event_line, { start: e.start_step, end: e.end_step,
        committed: formatValue(e.committed_mwh, unitOf("committed_mwh"), lang) + " " + unitOf("committed_mwh").unit,
        response: formatValue(e.response_mwh, unitOf("response_mwh"), lang) + " " + unitOf("response_mwh").unit }) }));
      r.firstChild.colSpan = 1 + result.parties.length;
      items.appendChild(r);
    }
    table.appendChild(items);
    first.addEventListener("click", () => {
      const open = first.getAttribute("aria-expanded") !== "true";
      first.setAttribute("aria-expanded", String(open));
      items.hidden = !open;
    });
  });
  const total = el("tr", {}, el("th", { scope: "row", text: T.total }));
  for (const p of result.parties) total.appendChild(el("td", { class: "num", text: p.netCny === null ? "—" : money(p.netCny) }));
  table.appendChild(el("tbody", {}, total));
  $("lab-ledger").replaceChildren(table);
  $("lab-ledger-note").textContent = T.ledger_note;
  $("lab-ledger-card").hidden = false;
}

function downloadCsv() {
  if (!current) return;
  const text = comparisonCsv(current.result, current.names, ctx.config.units);
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
