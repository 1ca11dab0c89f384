// Panels of the live twin: supply stack by technology, price, heat supply by source, a sankey of energy at
// the selected step, KPI cards. Pure helpers (aggregation, stack, sankey, cards) are exported for
// `node --test`; the ECharts glue takes the global `echarts` the page loads before the modules. Units come
// from the core's units table (describe.units: name → {unit, kind}); nothing here reads a name's suffix.
import { unitSymbol } from "./exports.js";
import { localName, pageLang } from "./names.js";

export const MAX_POINTS = 1500; // points per series on screen; more are aggregated by day or week
const HOUR_MS = 3600e3;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/** Steps per bucket so that `visibleSteps` show as at most `maxPoints`: 1 step, a day, a week, 4 weeks, …. */
export function bucketSteps(visibleSteps, stepMs, maxPoints = MAX_POINTS) {
  for (const ms of [stepMs, DAY_MS, WEEK_MS, 4 * WEEK_MS]) {
    const b = Math.max(1, Math.round(ms / stepMs));
    if (visibleSteps / b <= maxPoints) return b;
  }
  return Math.max(1, Math.ceil(visibleSteps / maxPoints));
}

/**
 * [[t_ms, mean], …] of values[0..n) in buckets of `bucket` steps aligned to step 0, each at its middle
 * (a bucket of one step is the value itself, at its step). Null values are skipped; an all-null bucket
 * gives null (a gap in the line).
 */
export function aggregate(values, n, bucket, startMs, stepMs) {
  const out = [];
  const len = Math.min(n, values ? values.length : 0);
  if (bucket <= 1) {
    for (let i = 0; i < len; i++) out.push([startMs + i * stepMs, values[i]]);
    return out;
  }
  for (let b = 0; b < len; b += bucket) {
    let sum = 0;
    let cnt = 0;
    const end = Math.min(len, b + bucket);
    for (let i = b; i < end; i++) {
      const v = values[i];
      if (v !== null && v !== undefined && Number.isFinite(v)) {
        sum += v;
        cnt += 1;
      }
    }
    out.push([startMs + (b + (end - b - 1) / 2) * stepMs, cnt ? sum / cnt : null]);
  }
  return out;
}

// Series of each time panel: region quantity, label key in the strings (T), colour, stacked or line.
export const PANELS = {
  power: [
    { q: "renewable_mw", key: "renewable", color: "#2e8b57", stack: "supply" },
    { q: "generation_mw", key: "thermal", color: "#6b6f76", stack: "supply" },
    { q: "import_mw", key: "import", color: "#b8860b", stack: "supply" },
    { q: "storage_discharge_mw", key: "storage", color: "#6a5acd", stack: "supply" },
    { q: "backup_mw", key: "backup", color: "#a0522d", stack: "supply" },
    { q: "unserved_mw", key: "unserved", color: "#d62728", stack: "supply" },
    { q: "load_mw", key: "load", color: "#1f4e79" },
  ],
  price: [
    { q: "wholesale_price_cny_per_mwh", key: "price_wholesale", color: "#8b3a3a", step: true },
    { q: "retail_price_cny_per_mwh", key: "price_retail", color: "#4f6d8f", step: true },
    { q: "price_cny_per_mwh", key: "price", color: "#8b3a3a", step: true }, // runs recorded before the split
  ],
  heat: [
    { q: "heat_from_dc_mw", key: "heat_from_dc", color: "#c0504d", stack: "heat" },
    { q: "heat_produced_mw", key: "heat_produced", color: "#e3a857", stack: "heat" },
    { q: "heat_unserved_mw", key: "heat_unserved", color: "#7d3c98", stack: "heat" },
    { q: "heat_recovered_mw", key: "heat_recovered", color: "#ff7f50", dashed: true },
    { q: "heat_demand_mw", key: "heat_demand", color: "#4d4d4d" },
  ],
};

// ------------------------------------------------------------------------------- several regions

/**
 * The series of one region of a multi-region run: every `<region id>.<quantity>` as `<quantity>` (the same
 * arrays, not copies). Without a region id (a single-region run) the series as they are.
 */
export function regionSeries(series, regionId) {
  if (!regionId) return series || {};
  const prefix = regionId + ".";
  const out = {};
  for (const [k, v] of Object.entries(series || {})) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/** The values of quantity `q` of every region, concatenated (e.g. all regions' prices for one colour scale). */
export function acrossRegions(series, regionIds, q) {
  const out = [];
  for (const r of regionIds || []) {
    const arr = (series || {})[r + "." + q];
    if (arr) for (const v of arr) out.push(v);
  }
  return out;
}

export const LINK_COLORS = ["#e07b00", "#7b3fa0", "#008b8b", "#c71585", "#556b2f", "#4169e1"];

/** Series of the migration panel: the moved MW of each link (`<link id>.moved_mw`), labelled by its name. */
export function linkSeries(links, lang) {
  return (links || []).map((l, i) => ({ q: l.id + ".moved_mw", key: l.id, label: localName(l, lang), color: LINK_COLORS[i % LINK_COLORS.length] }));
}

/**
 * A recorded quantity for reading: its series label from the strings (`seriesT`, keyed like PANELS'
 * `key`), a region's or link's quantity (`<id>.<quantity>`) prefixed by that region's or link's name
 * (`names`: id → name); the quantity's name itself when the strings do not know it.
 */
export function quantityLabel(q, seriesT, names, labels) {
  const dot = q.indexOf(".");
  const owner = dot > 0 ? q.slice(0, dot) : "";
  const base = dot > 0 ? q.slice(dot + 1) : q;
  const entry = Object.values(PANELS).flat().find((d) => d.q === base);
  // labels: the one table of quantity labels (web/labels.py, config quantity_labels) for series outside the panels
  const label = (entry && seriesT && seriesT[entry.key]) || (labels && labels[base]) || base;
  return owner ? ((names && names[owner]) || owner) + " · " + label : label;
}

/** The panel's series that the run records (describe.region_quantities or the snapshot's region). */
export function presentSeries(panel, region) {
  return PANELS[panel].filter((s) => s.q in region);
}

/** True when values[0..n) are all zero or missing (a series nothing flowed in). */
export function allZero(values, n) {
  const len = Math.min(n, values ? values.length : 0);
  for (let i = 0; i < len; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && Number.isFinite(v) && Math.abs(v) > 1e-9) return false;
  }
  return true;
}

function num(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

export const SANKEY_LABEL_MIN = 0.02;

export const SANKEY_COLORS = {
  renewable: "#2e8b57", thermal: "#6b6f76", import: "#b8860b", storage: "#6a5acd", grid: "#1f4e79",
  data_centers: "#1f77b4", other_load: "#7f9bb8", heat_pumps: "#ff7f50", it: "#4a90d9", overhead: "#9fb0c3",
  recovered_heat: "#e4572e", waste_heat: "#c9a38f", district_heating: "#c0504d", boilers: "#e3a857",
};

/**
 * Energy flows [MW] at one step for the sankey: supply → grid → data centers / other load / heat pumps,
 * data centers → IT and overhead, IT → recovered heat → heat pump → district heating, boilers/CHP →
 * district heating. Links of zero or negative value are left out.
 */
export function sankeyFlows(at, T) {
  const label = (k) => (T && T.sankey && T.sankey[k]) || k;
  const facility = num(at.dc_facility_mw);
  const it = Math.min(num(at.dc_it_mw), facility || num(at.dc_it_mw));
  const recovered = num(at.heat_recovered_mw);
  const pump = num(at.dc_heat_pump_mw);
  const links = [
    ["renewable", "grid", num(at.renewable_mw)],
    ["thermal", "grid", num(at.generation_mw)],
    ["import", "grid", num(at.import_mw)],
    ["storage", "grid", num(at.storage_discharge_mw)],
    ["grid", "data_centers", facility],
    ["grid", "other_load", num(at.other_load_mw)],
    ["grid", "heat_pumps", pump],
    ["data_centers", "it", it],
    ["data_centers", "overhead", facility - it],
    ["it", "recovered_heat", Math.min(recovered, it)],
    ["it", "waste_heat", it - Math.min(recovered, it)],
    ["recovered_heat", "heat_pumps", Math.min(recovered, it)],
    ["heat_pumps", "district_heating", num(at.heat_from_dc_mw)],
    ["boilers", "district_heating", num(at.heat_produced_mw)],
  ].filter((l) => l[2] > 1e-9);
  const used = new Set();
  const into = {};
  const out = {};
  for (const [a, b, v] of links) {
    used.add(a);
    used.add(b);
    out[a] = (out[a] || 0) + v;
    into[b] = (into[b] || 0) + v;
  }
  // Nodes thinner than SANKEY_LABEL_MIN of the largest carry no label (their labels would pile up on each
  // other); the tooltip still names them.
  const size = (id) => Math.max(into[id] || 0, out[id] || 0);
  const largest = Math.max(0, ...[...used].map(size));
  return {
    nodes: [...used].map((id) => {
      const node = { name: label(id), id, itemStyle: { color: SANKEY_COLORS[id] || "#8aa0b8" } };
      if (size(id) < SANKEY_LABEL_MIN * largest) node.label = { show: false };
      return node;
    }),
    links: links.map(([a, b, v]) => ({ source: label(a), target: label(b), value: Math.round(v * 1000) / 1000 })),
  };
}

/** Region values of every quantity at a step. */
export function valuesAt(region, step) {
  const out = {};
  for (const [q, arr] of Object.entries(region)) out[q] = arr && step >= 0 && step < arr.length ? arr[step] : null;
  return out;
}

/** The wholesale price of a step [CNY/MWh] (the single price of runs recorded before the retail split). */
export function priceAt(at) {
  const v = at.wholesale_price_cny_per_mwh;
  return v === null || v === undefined ? (at.price_cny_per_mwh === undefined ? null : at.price_cny_per_mwh) : v;
}

/**
 * KPI cards at a step: the step's load, price, renewable share and heat from data centers, and running
 * totals from step 0 through that step (energy = power × dt_h).
 */
// The units-table entry of each card (a share is shown as %).
export const CARD_UNIT_KEYS = {
  load_mw: "load_mw", price_cny_per_mwh: "wholesale_price_cny_per_mwh", renewable_share_pu: "renewable_share_pu",
  heat_from_dc_mw: "heat_from_dc_mw", energy_to_date_mwh: "energy_to_date_mwh", co2_to_date_t: "co2_t",
  renewable_to_date_share: "renewable_to_date_share", heat_from_dc_to_date_share: "heat_from_dc_to_date_share",
};

// Units-table entry for a quantity of a panel's axis.
export const PANEL_UNIT_KEYS = { power: "load_mw", price: "wholesale_price_cny_per_mwh", heat: "heat_demand_mw", sankey: "load_mw", migration: "load_mw" };

/** The unit symbol of `key` in a units table ("" when the table does not know it). */
export function unitOf(units, key) {
  return unitSymbol((units || {})[key]);
}

export function kpiCards(region, step, dtH, units) {
  const at = valuesAt(region, step);
  let energy = 0;
  let co2 = 0;
  let ren = 0;
  let heatDc = 0;
  let heatAll = 0;
  const n = step + 1;
  const get = (q, i) => num(region[q] ? region[q][i] : 0);
  for (let i = 0; i < n; i++) {
    energy += get("load_mw", i) * dtH;
    co2 += get("co2_t", i);
    ren += get("renewable_mw", i) * dtH;
    heatDc += get("heat_from_dc_mw", i) * dtH;
    heatAll += (get("heat_from_dc_mw", i) + get("heat_produced_mw", i)) * dtH;
  }
  const cards = [
    { key: "load_mw", value: at.load_mw },
    { key: "price_cny_per_mwh", value: priceAt(at) },
    { key: "renewable_share_pu", value: at.renewable_share_pu === null || at.renewable_share_pu === undefined ? null : at.renewable_share_pu * 100 },
    { key: "heat_from_dc_mw", value: at.heat_from_dc_mw },
    { key: "energy_to_date_mwh", value: step >= 0 ? energy : null },
    { key: "co2_to_date_t", value: step >= 0 ? co2 : null },
    { key: "renewable_to_date_share", value: step >= 0 && energy > 0 ? (100 * ren) / energy : null },
    { key: "heat_from_dc_to_date_share", value: step >= 0 && heatAll > 0 ? (100 * heatDc) / heatAll : null },
  ];
  for (const c of cards) c.unit = unitOf(units, CARD_UNIT_KEYS[c.key]);
  return cards;
}

export function fmtNum(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  const a = Math.abs(v);
  return v.toLocaleString(undefined, { maximumFractionDigits: a >= 100 ? 0 : a >= 1 ? 2 : 4 });
}

// ------------------------------------------------------------------------------------------- ECharts glue

/**
 * Rows that a wrapping (plain, horizontal) ECharts legend takes for `labels` in `widthPx`: each item is its
 * symbol (`itemWidth`), 5 px, the text (`measure(label, font)` px) and `itemGap` px to the next; the legend
 * has 5 px padding on each side. 0 rows for no labels.
 */
export function legendRows(labels, widthPx, font, measure, itemWidth = 14, itemGap = 10) {
  const avail = Math.max(1, widthPx - 10);
  let rows = 0;
  let x = 0;
  for (const label of labels || []) {
    const w = itemWidth + 5 + measure(String(label), font);
    if (rows === 0 || (x > 0 && x + w > avail)) {
      rows += 1;
      x = 0;
    }
    x += w + itemGap;
  }
  return rows;
}

/**
 * The top of a chart's plot area [px] under `rows` legend rows and, when `hasName`, the unit name above
 * the y axis in a line of its own (so neither covers the other), and the gap of that name above the plot
 * area (ECharts' yAxis.nameGap). One line is `font` + 4 px; legend rows are 10 px apart (its itemGap).
 */
export function topLayout(rows, font, hasName) {
  const line = font + 4;
  const legend = rows > 0 ? 5 + rows * line + (rows - 1) * 10 + 5 : 0;
  const nameGap = 6;
  return { top: legend + (hasName ? line + nameGap : 8) + 2, nameGap };
}

let measureCanvas = null;
/** Width [px] of `text` in `font` px sans-serif (ECharts' default family), measured on a canvas. */
export function textWidth(text, font) {
  if (typeof document === "undefined") return String(text).length * font * 0.6;
  measureCanvas = measureCanvas || document.createElement("canvas").getContext("2d");
  measureCanvas.font = font + "px sans-serif";
  return measureCanvas.measureText(String(text)).width;
}

/** Intervals of a y axis `plotPx` high so that its labels (`font` px) keep apart: 2…5. */
export function ySplits(plotPx, font) {
  return Math.max(2, Math.min(5, Math.floor(plotPx / (2.2 * (font + 4)))));
}

/** grid.top, yAxis.nameGap and the legend of a chart `widthPx` wide: a wrapping legend above, the unit under it. */
export function legendLayout(labels, widthPx, font, hasName, measure = textWidth) {
  const rows = legendRows(labels, widthPx, font, measure);
  return Object.assign({ rows }, topLayout(rows, font, hasName));
}

/** Colours of the light page and of the dark big screen. */
export function theme(dark) {
  return dark
    ? { text: "#e8eef5", muted: "#9fb0c3", split: "#2a3a4d", bg: "transparent", cursor: "#ffd166", font: 16 }
    : { text: "#1d2733", muted: "#5b6b7c", split: "#eceff3", bg: "transparent", cursor: "#c0504d", font: 12 };
}

export class TimePanels {
  /** charts: {panel: element}; stream: RunStream; T: strings; dark: big-screen colours */
  constructor(echarts, elements, stream, T, dark) {
    this.echarts = echarts;
    this.elements = elements;
    this.stream = stream;
    this.T = T;
    this.th = theme(dark);
    this.charts = {};
    this.bucket = 1;
    this.zoom = null; // [startMs, endMs] of the visible window, null = all
    this.cursor = -1;
    this.regionId = ""; // multi-region run: the region the supply, price and heat panels show
  }

  /** The series a panel draws from: the selected region's (the migration panel: the links', unprefixed). */
  seriesOf(panel) {
    const all = this.stream.region;
    return panel === "migration" || !this.regionId ? all : regionSeries(all, this.regionId);
  }

  /** Show another region of a multi-region run (the visible time window is kept). */
  setRegion(regionId) {
    if (regionId === this.regionId) return;
    this.regionId = regionId || "";
    const zoom = this.zoom;
    this.init();
    if (zoom) {
      for (const c of Object.values(this.charts)) c.chart.dispatchAction({ type: "dataZoom", startValue: zoom[0], endValue: zoom[1] });
      this.zoom = zoom;
    }
    this.draw();
  }

  /** Legend rows, plot top and y-axis intervals of a panel at its element's size. */
  layoutOf(panel, series, name) {
    const node = this.elements[panel];
    const width = (node && node.clientWidth) || 600;
    const lay = legendLayout(series.map((d) => this.seriesName(d)), width, this.th.font, Boolean(name));
    const bottom = panel === "power" ? 50 : 28;
    lay.bottom = bottom;
    lay.splitNumber = ySplits(((node && node.clientHeight) || 240) - lay.top - bottom, this.th.font);
    return lay;
  }

  seriesName(d) {
    return d.label || (this.T.series && this.T.series[d.key]) || d.key;
  }

  option(panel, series) {
    const s = this.stream;
    const th = this.th;
    const name = unitOf(s.describe && s.describe.units, panel === "migration" && series.length ? series[0].q : PANEL_UNIT_KEYS[panel]);
    const lay = this.layoutOf(panel, series, name);
    const zoom = [{ type: "inside", filterMode: "none" }];
    const slider = panel === "power";
    if (slider) zoom.push({ type: "slider", filterMode: "none", height: 16, bottom: 6, brushSelect: false, labelFormatter: "", textStyle: { color: th.muted } });
    return {
      backgroundColor: th.bg,
      dataZoom: zoom,
      animation: false,
      useUTC: true,
      textStyle: { color: th.text, fontSize: th.font },
      grid: { left: 62, right: 18, top: lay.top, bottom: lay.bottom },
      tooltip: { trigger: "axis", axisPointer: { type: "line" }, valueFormatter: (v) => fmtNum(v) },
      legend: { type: "plain", top: 0, left: 0, right: 0, itemWidth: 14, itemHeight: 8, itemGap: 10, padding: 5, textStyle: { fontSize: th.font, color: th.text } },
      xAxis: {
        type: "time", axisLabel: { hideOverlap: true, color: th.muted, fontSize: th.font },
        min: s.startMs, max: s.startMs + s.stepMs * Math.max(1, s.run.total_steps),
      },
      yAxis: { type: "value", name, nameGap: lay.nameGap, splitNumber: lay.splitNumber, nameTextStyle: { color: th.muted, fontSize: th.font, align: "right", lineHeight: th.font + 4 },
        splitLine: { lineStyle: { color: th.split } }, axisLabel: { formatter: (v) => fmtNum(v), color: th.muted, fontSize: th.font } },
      series: series.map((d, i) => ({
        name: this.seriesName(d), type: "line", showSymbol: false,
        step: d.step ? "end" : false, stack: d.stack, connectNulls: false,
        lineStyle: { width: d.stack ? 0.6 : 1.6, color: d.color, type: d.dashed ? "dashed" : "solid" },
        itemStyle: { color: d.color },
        areaStyle: d.stack ? { opacity: 0.55 } : undefined, data: [],
        markLine: i === 0 ? { symbol: "none", silent: true, animation: false, lineStyle: { color: th.cursor, width: 1.5 }, label: { show: false }, data: [] } : undefined,
      })),
    };
  }

  init() {
    for (const c of Object.values(this.charts)) c.chart.dispose();
    this.charts = {};
    for (const [panel, node] of Object.entries(this.elements)) {
      if (!node) continue;
      const series = panel === "migration"
        ? linkSeries(this.stream.describe && this.stream.describe.links, pageLang()).filter((d) => d.q in this.stream.region)
        : presentSeries(panel, this.seriesOf(panel));
      const chart = this.echarts.init(node, null, { renderer: "canvas" });
      chart.setOption(this.option(panel, series));
      chart.group = "twin-time";
      chart.on("datazoom", () => this.onZoom(chart));
      this.charts[panel] = { chart, series, panel };
    }
    this.echarts.connect("twin-time"); // zooming one chart zooms all (same time axis)
  }

  onZoom(chart) {
    const opt = chart.getOption();
    const z = (opt.dataZoom || [])[0] || {};
    const s = this.stream;
    const span = s.stepMs * Math.max(1, s.run.total_steps);
    let start = typeof z.startValue === "number" ? z.startValue : s.startMs + (span * (z.start || 0)) / 100;
    let end = typeof z.endValue === "number" ? z.endValue : s.startMs + (span * (z.end === undefined ? 100 : z.end)) / 100;
    this.zoom = [start, end];
    const bucket = bucketSteps(Math.max(1, (end - start) / s.stepMs), s.stepMs);
    if (bucket !== this.bucket) {
      this.bucket = bucket;
      this.draw();
    }
  }

  /** Bucket for the visible window (all of the horizon when not zoomed). */
  currentBucket() {
    const s = this.stream;
    const visible = this.zoom ? (this.zoom[1] - this.zoom[0]) / s.stepMs : Math.max(s.run.total_steps, s.filled);
    return bucketSteps(Math.max(1, visible), s.stepMs);
  }

  draw() {
    const s = this.stream;
    this.bucket = this.currentBucket();
    for (const c of Object.values(this.charts)) {
      const values = this.seriesOf(c.panel);
      // A panel whose every series is zero so far (e.g. heat in a region without a heat network) says so
      // instead of showing an empty plot.
      const zero = s.filled > 0 && c.series.length > 0 && c.series.every((d) => allZero(values[d.q], s.filled));
      c.chart.setOption({
        series: c.series.map((d) => ({ data: aggregate(values[d.q], s.filled, this.bucket, s.startMs, s.stepMs) })),
        title: { show: zero, text: (this.T && this.T.panel_all_zero) || "0", left: "center", top: "middle",
          textStyle: { color: this.th.muted, fontSize: this.th.font, fontWeight: "normal" } },
      });
    }
    this.drawCursor();
  }

  setCursor(step) {
    this.cursor = step;
    this.drawCursor();
  }

  drawCursor() {
    const s = this.stream;
    const live = this.cursor < 0 || this.cursor >= s.filled - 1;
    const data = live ? [] : [{ xAxis: s.startMs + this.cursor * s.stepMs }];
    for (const c of Object.values(this.charts)) {
      if (!c.series.length) continue;
      c.chart.setOption({ series: [{ markLine: { data } }] });
    }
  }

  resize() {
    for (const c of Object.values(this.charts)) {
      const name = c.chart.getOption().yAxis[0].name;
      const lay = this.layoutOf(c.panel, c.series, name);
      c.chart.setOption({ grid: { top: lay.top }, yAxis: { nameGap: lay.nameGap, splitNumber: lay.splitNumber } });
      c.chart.resize();
    }
  }
}

export class SankeyPanel {
  /** unit: the symbol of its flows from the units table (describe.units), e.g. of load_mw */
  constructor(echarts, node, T, dark, unit) {
    this.T = T;
    this.unit = unit || "";
    this.th = theme(dark);
    this.chart = node ? echarts.init(node, null, { renderer: "canvas" }) : null;
    this.last = "";
    if (this.chart) {
      this.chart.setOption({
        animation: false,
        tooltip: { trigger: "item", valueFormatter: (v) => fmtNum(v) + (this.unit ? " " + this.unit : "") },
        series: [{
          type: "sankey", left: 8, right: dark ? 190 : 140, top: 10, bottom: 10, nodeGap: 12, nodeWidth: 16, draggable: false,
          emphasis: { focus: "adjacency" }, lineStyle: { color: "source", opacity: 0.3 },
          label: { color: this.th.text, fontSize: this.th.font }, data: [], links: [],
        }],
      });
    }
  }

  draw(at) {
    if (!this.chart) return;
    const flows = sankeyFlows(at, this.T);
    const key = JSON.stringify(flows);
    if (key === this.last) return;
    this.last = key;
    this.chart.setOption({ series: [{ data: flows.nodes.map((n) => ({ name: n.name, itemStyle: n.itemStyle, label: n.label || { show: true } })), links: flows.links }] });
  }

  resize() {
    if (this.chart) this.chart.resize();
  }
}
