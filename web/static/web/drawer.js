// The agent drawer: one agent's parameters (from the run's scenario snapshot), its state at the selected
// step, its own series and decisions (recorded series of a finished run from the API; during a run the
// per-frame states the page has seen), and its contracts.
import { fmtNum } from "./charts.js";
import { localName, pageLang } from "./names.js";

/** Contracts of an agent (describe.contracts) with its role in each. */
export function agentContracts(contracts, id) {
  return (contracts || [])
    .filter((c) => c.seller_id === id || c.buyer_id === id)
    .map((c) => ({ ...c, role: c.seller_id === id ? "seller" : "buyer", other: c.seller_id === id ? c.buyer_id : c.seller_id }));
}

/** Series of one agent from what the stream saw: {step: [...], power_mw: [...], heat_mw: [...]}. */
export function seenSeries(stream, index) {
  const out = { step: [], power_mw: [], heat_mw: [] };
  for (const s of stream.agentSteps) {
    const a = stream.agentHistory.get(s) || {};
    out.step.push(s);
    out.power_mw.push(a.power_mw ? a.power_mw[index] : null);
    out.heat_mw.push(a.heat_mw ? a.heat_mw[index] : null);
  }
  return out;
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  if (text !== undefined) e.textContent = text;
  return e;
}

export class AgentDrawer {
  constructor(node, opts) {
    this.node = node;
    this.opts = opts; // {stream, T, params, seriesUrl(id), echarts, dark, names}
    this.T = opts.T;
    this.id = null;
    this.opener = null;
    this.series = null; // fetched series of the agent (finished runs)
    this.chart = null;
    node.querySelector("[data-close]").addEventListener("click", () => this.close());
    node.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") this.close();
    });
  }

  get open() {
    return !this.node.hidden;
  }

  show(id, step) {
    const agents = (this.opts.stream.describe && this.opts.stream.describe.agents) || [];
    const index = agents.findIndex((a) => a.id === id);
    if (index < 0) return;
    this.opener = document.activeElement;
    this.id = id;
    this.index = index;
    this.series = null;
    this.node.hidden = false;
    this.render(step);
    this.node.querySelector("[data-close]").focus();
    if (this.opts.stream.run.status === "succeeded") this.fetchSeries(id, step);
  }

  close() {
    this.node.hidden = true;
    this.id = null;
    if (this.chart) {
      this.chart.dispose();
      this.chart = null;
    }
    if (this.opener && this.opener.focus) this.opener.focus();
  }

  fetchSeries(id, step) {
    fetch(this.opts.seriesUrl(id), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then((data) => {
        if (this.id !== id) return;
        this.series = data;
        this.render(step);
      })
      .catch(() => {});
  }

  render(step) {
    if (this.id === null) return;
    const T = this.T;
    const stream = this.opts.stream;
    const agent = stream.describe.agents[this.index];
    const body = this.node.querySelector("[data-body]");
    this.node.querySelector("[data-title]").textContent = localName(agent, pageLang());
    const sub = this.node.querySelector("[data-subtitle]");
    sub.textContent = ((T.actor_types || {})[agent.type] || agent.type) + " · " + agent.id;
    body.replaceChildren();

    // State at the selected step (the nearest state the page has, or the recorded series).
    const state = el("section", { class: "drawer-section" });
    state.append(el("h3", {}, T.drawer.state));
    const dl = el("dl", { class: "facts compact" });
    const at = this.valuesAt(step);
    for (const [q, v] of Object.entries(at)) {
      const row = el("div");
      row.append(el("dt", {}, (T.quantities && T.quantities[q]) || q), el("dd", { class: "num" }, fmtNum(v)));
      dl.append(row);
    }
    state.append(dl);
    body.append(state);

    // Its own series.
    const chartBox = el("section", { class: "drawer-section" });
    chartBox.append(el("h3", {}, T.drawer.series));
    const chartNode = el("div", { class: "drawer-chart", "data-testid": "drawer-chart" });
    chartBox.append(chartNode);
    if (!this.series) chartBox.append(el("p", { class: "muted small" }, stream.run.status === "succeeded" ? T.drawer.loading : T.drawer.seen_only));
    body.append(chartBox);

    // Parameters.
    const params = (this.opts.params || {})[agent.id] || {};
    const ps = el("section", { class: "drawer-section" });
    ps.append(el("h3", {}, T.drawer.parameters));
    const table = el("table", { class: "table drawer-params" });
    const tb = table.createTBody();
    for (const [k, v] of Object.entries(params)) {
      const tr = tb.insertRow();
      tr.append(el("th", { scope: "row", title: k }, (T.param_labels || {})[k] || k), el("td", { class: "num" }, typeof v === "number" ? fmtNum(v) : String(v)));
    }
    ps.append(table);
    body.append(ps);

    // Contracts.
    const cs = el("section", { class: "drawer-section" });
    cs.append(el("h3", {}, T.drawer.contracts));
    const list = agentContracts(stream.describe.contracts, agent.id);
    if (!list.length) cs.append(el("p", { class: "muted" }, T.drawer.no_contracts));
    else {
      const ul = el("ul", { class: "plain" });
      const names = Object.fromEntries(stream.describe.agents.map((a) => [a.id, localName(a, pageLang())]));
      for (const c of list) ul.append(el("li", {}, `${(T.contract_types || {})[c.type] || c.type} · ${T.drawer[c.role]} → ${names[c.other] || c.other} (${c.id})`));
      cs.append(ul);
    }
    body.append(cs);
    this.drawChart(chartNode, step);
  }

  valuesAt(step) {
    const out = {};
    const got = this.opts.stream.agentsAt(step);
    for (const q of ["power_mw", "heat_mw"]) out[q] = got && got.agents[q] ? got.agents[q][this.index] : null;
    if (this.series && this.series.quantities) {
      const i = this.series.step.indexOf(step);
      for (const [q, arr] of Object.entries(this.series.quantities)) out[q] = i >= 0 ? arr[i] : null;
    }
    return out;
  }

  drawChart(node, step) {
    if (this.chart) this.chart.dispose();
    const echarts = this.opts.echarts;
    if (!echarts) return;
    const s = this.opts.stream;
    let steps;
    let quantities;
    if (this.series && this.series.quantities) {
      steps = this.series.step;
      quantities = this.series.quantities;
    } else {
      const seen = seenSeries(s, this.index);
      steps = seen.step;
      quantities = { power_mw: seen.power_mw, heat_mw: seen.heat_mw };
    }
    const colors = ["#1f4e79", "#c0504d", "#2e8b57", "#b8860b", "#6a5acd", "#7f7f7f"];
    this.chart = echarts.init(node, null, { renderer: "canvas" });
    this.chart.setOption({
      animation: false, useUTC: true,
      grid: { left: 50, right: 10, top: 30, bottom: 24 },
      legend: { top: 0, left: 0, type: "scroll", textStyle: { fontSize: 11, color: this.opts.dark ? "#e8eef5" : "#1d2733" } },
      tooltip: { trigger: "axis", valueFormatter: (v) => fmtNum(v) },
      xAxis: { type: "time", axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", axisLabel: { formatter: (v) => fmtNum(v) } },
      series: Object.entries(quantities).map(([q, arr], k) => ({
        name: (this.T.quantities && this.T.quantities[q]) || q, type: "line", showSymbol: false, color: colors[k % colors.length],
        data: steps.map((st, i) => [s.startMs + st * s.stepMs, arr[i]]),
        markLine: k === 0 && step >= 0 ? { symbol: "none", silent: true, label: { show: false }, data: [{ xAxis: s.startMs + step * s.stepMs }] } : undefined,
      })),
    });
  }
}
