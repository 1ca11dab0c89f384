// The offline map of the twin: ECharts `geo` on a GeoJSON outline shipped in fixtures/geo (or the user's
// own), agents as symbols by type sized by capacity and coloured by their state at the selected step,
// animated lines for power flows (plants and imports → grid) and heat flows (data center → heat utility,
// along the heat contracts). Pure helpers are exported for `node --test`.

export const TYPES = ["data_center", "heat_utility", "power_plant", "renewable_plant", "storage", "grid_operator", "aggregator"];
export const SYMBOLS = {
  data_center: "roundRect", heat_utility: "diamond", power_plant: "triangle", renewable_plant: "circle",
  storage: "rect", grid_operator: "pin", aggregator: "arrow",
};
export const BASE_COLORS = {
  data_center: "#1f77b4", heat_utility: "#d62728", power_plant: "#555b63", renewable_plant: "#2ca02c",
  storage: "#9467bd", grid_operator: "#1f4e79", aggregator: "#8c564b",
};
export const SIZE_MIN_PX = 7;
export const SIZE_MAX_PX = 30;

/** Symbol size [px]: area proportional to capacity, between SIZE_MIN_PX and SIZE_MAX_PX. */
export function symbolSize(capacity, maxCapacity, scale = 1) {
  if (!(capacity > 0) || !(maxCapacity > 0)) return SIZE_MIN_PX * scale;
  const f = Math.sqrt(Math.min(1, capacity / maxCapacity));
  return (SIZE_MIN_PX + (SIZE_MAX_PX - SIZE_MIN_PX) * f) * scale;
}

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Mix a colour with white: f = 0 → pale, 1 → the full colour. */
export function shade(hex, f) {
  const k = 0.25 + 0.75 * Math.max(0, Math.min(1, f));
  const [r, g, b] = hexToRgb(hex);
  const m = (c) => Math.round(255 - (255 - c) * k);
  return `rgb(${m(r)}, ${m(g)}, ${m(b)})`;
}

/**
 * Utilisation of an agent at a step, 0…1, from its power (consumption +, generation −) and heat [MW]:
 * data centers load / IT capacity, plants output / capacity, heat utilities heat delivered / capacity,
 * storage |power| / power capacity. null when unknown.
 */
export function utilisation(type, powerMw, heatMw, capacityMw) {
  if (!(capacityMw > 0)) return null;
  let v = null;
  if (type === "heat_utility") v = heatMw;
  else if (type === "power_plant" || type === "renewable_plant") v = powerMw === null || powerMw === undefined ? null : -powerMw;
  else if (powerMw !== null && powerMw !== undefined) v = Math.abs(powerMw);
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  return Math.max(0, Math.min(1, v / capacityMw));
}

/** Colour of an agent: storage blue when charging, orange when discharging; others its type's hue by use. */
export function agentColor(type, powerMw, heatMw, capacityMw) {
  if (type === "storage" && powerMw !== null && powerMw !== undefined && Math.abs(powerMw) > 1e-6) {
    return shade(powerMw > 0 ? "#1f77b4" : "#ff7f0e", utilisation(type, powerMw, heatMw, capacityMw) ?? 1);
  }
  const u = utilisation(type, powerMw, heatMw, capacityMw);
  return shade(BASE_COLORS[type] || "#777777", u === null ? 0.6 : u);
}

/** Price [CNY/MWh] → a fill for the region: cool below the tariff's flat price, warm above. */
export function priceFill(price, lo, hi, dark) {
  if (price === null || price === undefined || !Number.isFinite(price) || !(hi > lo)) return dark ? "#1b2a3a" : "#e9eef4";
  const f = Math.max(0, Math.min(1, (price - lo) / (hi - lo)));
  const a = dark ? [27, 52, 80] : [221, 233, 245];
  const b = dark ? [110, 48, 40] : [248, 214, 196];
  const c = a.map((x, i) => Math.round(x + (b[i] - x) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** [min, max] of the finite values in an array (null for none). */
export function range(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values || []) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Bounding box [minLon, minLat, maxLon, maxLat] of a GeoJSON FeatureCollection. */
export function bbox(geojson) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === "number") {
      b[0] = Math.min(b[0], c[0]);
      b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]);
      b[3] = Math.max(b[3], c[1]);
    } else for (const x of c) walk(x);
  };
  for (const f of (geojson && geojson.features) || []) if (f.geometry) walk(f.geometry.coordinates);
  return b[0] <= b[2] ? b : null;
}

/**
 * The view of the map: the agents' bounding box with a margin (30 %, at least `minDeg` degrees), as ECharts
 * geo.boundingCoords [[west, north], [east, south]]; the outline's box when there are no agents.
 */
export function viewCoords(agents, outlineBox, minDeg = 0.25) {
  const pts = (agents || []).filter((a) => Number.isFinite(a.lat) && Number.isFinite(a.lon));
  if (!pts.length) return outlineBox ? [[outlineBox[0], outlineBox[3]], [outlineBox[2], outlineBox[1]]] : null;
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const a of pts) {
    w = Math.min(w, a.lon);
    e = Math.max(e, a.lon);
    s = Math.min(s, a.lat);
    n = Math.max(n, a.lat);
  }
  const mx = Math.max(minDeg, (e - w) * 0.3);
  const my = Math.max(minDeg, (n - s) * 0.3);
  return [[w - mx, n + my], [e + mx, s - my]];
}

/**
 * Flow lines at a step: plants → grid operator (power they generate), outside → grid operator (imports),
 * grid operator → data centers (power they draw), data center → heat utility for each heat contract (the
 * data center's heat). Each {kind: "power"|"heat", from, to, coords: [[lon,lat],[lon,lat]], mw}.
 */
export function flowLines(agents, contracts, state, importMw, importFrom) {
  const byId = new Map(agents.map((a, i) => [a.id, { a, i }]));
  const grid = agents.find((a) => a.type === "grid_operator");
  const power = (state && state.power_mw) || [];
  const heat = (state && state.heat_mw) || [];
  const out = [];
  if (grid) {
    agents.forEach((a, i) => {
      const p = power[i];
      if (p === null || p === undefined || a.id === grid.id) return;
      if ((a.type === "power_plant" || a.type === "renewable_plant" || a.type === "storage") && p < -1e-6) {
        out.push({ kind: "power", from: a.id, to: grid.id, coords: [[a.lon, a.lat], [grid.lon, grid.lat]], mw: -p });
      } else if (a.type === "data_center" && p > 1e-6) {
        out.push({ kind: "power", from: grid.id, to: a.id, coords: [[grid.lon, grid.lat], [a.lon, a.lat]], mw: p });
      }
    });
    if (importMw > 1e-6 && importFrom) {
      out.push({ kind: "import", from: "", to: grid.id, coords: [importFrom, [grid.lon, grid.lat]], mw: importMw });
    }
  }
  for (const c of contracts || []) {
    if (c.type !== "heat_purchase") continue;
    const s = byId.get(c.seller_id);
    const b = byId.get(c.buyer_id);
    if (!s || !b) continue;
    const h = heat[s.i];
    if (h === null || h === undefined || !(Math.abs(h) > 1e-6)) continue;
    out.push({ kind: "heat", from: s.a.id, to: b.a.id, coords: [[s.a.lon, s.a.lat], [b.a.lon, b.a.lat]], mw: Math.abs(h) });
  }
  return out;
}

/** Line width [px] of a flow, log-scaled to the largest flow. */
export function flowWidth(mw, maxMw, scale = 1) {
  if (!(mw > 0) || !(maxMw > 0)) return 1 * scale;
  return (1 + 5 * Math.log1p(mw) / Math.log1p(maxMw)) * scale;
}

// ------------------------------------------------------------------------------------------- ECharts glue

export class TwinMap {
  /**
   * echarts: the library; node: element; info: {agents (describe, + capacity_mw), contracts, outline name};
   * T: strings; dark: big-screen colours; onAgent(id): click on an agent
   */
  constructor(echarts, node, opts) {
    this.echarts = echarts;
    this.node = node;
    this.opts = opts;
    this.T = opts.T || {};
    this.dark = !!opts.dark;
    this.scale = opts.dark ? 1.5 : 1;
    this.chart = null;
    this.mapName = "";
    this.agents = [];
    this.maxCap = 0;
    this.visible = {}; // layer -> shown
    this.priceRange = null;
  }

  typeLabel(t) {
    return (this.T.actor_types && this.T.actor_types[t]) || t;
  }

  layerName(layer) {
    return (this.T.layers && this.T.layers[layer]) || layer;
  }

  /** Register the outline and draw the base map with the agents; `describe` from the snapshot. */
  setup(geojson, mapName, describe, capacities) {
    this.mapName = mapName;
    this.echarts.registerMap(mapName, geojson);
    this.box = bbox(geojson);
    this.agents = ((describe && describe.agents) || []).filter((a) => Number.isFinite(a.lat) && Number.isFinite(a.lon));
    this.allAgents = (describe && describe.agents) || [];
    this.contracts = (describe && describe.contracts) || [];
    this.capacity = capacities || {};
    this.maxCap = Math.max(0, ...this.allAgents.map((a) => this.capacity[a.id] || 0));
    this.types = TYPES.filter((t) => this.agents.some((a) => a.type === t));
    const th = this.dark
      ? { area: "#1b2a3a", border: "#5f7ea3", text: "#e8eef5", emph: "#2c4a6b" }
      : { area: "#e9eef4", border: "#8aa0b8", text: "#1d2733", emph: "#cfe0f1" };
    this.th = th;
    if (!this.chart) {
      this.chart = this.echarts.init(this.node, null, { renderer: "canvas" });
      this.chart.on("click", (p) => {
        if (p.data && p.data.agentId && this.opts.onAgent) this.opts.onAgent(p.data.agentId);
      });
    }
    const series = this.types.map((t) => ({
      id: "agents-" + t, name: this.layerName(t), type: "scatter", coordinateSystem: "geo", symbol: SYMBOLS[t] || "circle",
      z: 4, itemStyle: { borderColor: this.dark ? "#0d1722" : "#ffffff", borderWidth: 1 },
      emphasis: { scale: 1.4, label: { show: true, formatter: (p) => p.name, color: th.text } },
      data: [],
    }));
    for (const kind of ["power", "import", "heat"]) {
      series.push({
        id: "flows-" + kind, name: this.layerName(kind === "heat" ? "heat_flows" : kind === "import" ? "imports" : "power_flows"),
        type: "lines", coordinateSystem: "geo", z: 3, silent: true, polyline: false,
        effect: { show: true, period: 3, trailLength: 0.2, symbol: "arrow", symbolSize: 5 * this.scale, color: kind === "heat" ? "#ff5a36" : kind === "import" ? "#d4a017" : "#4a90d9" },
        lineStyle: { color: kind === "heat" ? "#e4572e" : kind === "import" ? "#b8860b" : "#3a78c2", opacity: 0.55, curveness: kind === "heat" ? 0.25 : 0.12 },
        data: [],
      });
    }
    this.chart.setOption({
      animation: false,
      tooltip: { trigger: "item", confine: true, formatter: (p) => this.tooltip(p) },
      geo: {
        map: mapName, roam: true, zoom: 1, scaleLimit: { min: 0.3, max: 40 },
        boundingCoords: viewCoords(this.agents, this.box),
        label: { show: false }, itemStyle: { areaColor: th.area, borderColor: th.border, borderWidth: 0.8 },
        emphasis: { itemStyle: { areaColor: th.emph }, label: { show: true, color: th.text } },
        select: { disabled: true }, regions: [],
      },
      series,
    }, true);
    for (const id of series.map((s) => s.id)) if (!(id in this.visible)) this.visible[id] = true;
    this.applyVisibility();
  }

  tooltip(p) {
    const d = p.data || {};
    if (!d.agentId) return p.name || "";
    const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
    const parts = [`<b>${esc(d.name)}</b>`, esc(this.typeLabel(d.type))];
    const u = (q) => { const x = (this.T.units || {})[q]; return x && x.unit ? " " + esc(x.unit) : ""; };
    if (d.power !== null && d.power !== undefined) parts.push(`${esc(this.T.power || "Power")}: ${d.power.toFixed(1)}${u("power_mw")}`);
    if (d.heat) parts.push(`${esc(this.T.heat || "Heat")}: ${d.heat.toFixed(1)}${u("heat_mw")}`);
    return parts.join("<br>");
  }

  /** Show or hide a layer (a series id: "agents-<type>", "flows-power", "flows-import", "flows-heat"). */
  setLayer(id, shown) {
    this.visible[id] = shown;
    this.applyVisibility();
  }

  applyVisibility() {
    if (!this.chart) return;
    const opt = this.chart.getOption();
    const selected = {};
    for (const s of opt.series || []) selected[s.name] = this.visible[s.id] !== false;
    this.chart.setOption({ legend: { show: false, selected } });
  }

  /** Draw the state at a step: agents' power/heat, the region's price and import at that step. */
  draw(state, price, priceRange, importMw) {
    if (!this.chart || !this.mapName) return;
    const idx = new Map(this.allAgents.map((a, i) => [a.id, i]));
    const power = (state && state.power_mw) || [];
    const heat = (state && state.heat_mw) || [];
    const byType = {};
    for (const a of this.agents) {
      const i = idx.get(a.id);
      const cap = this.capacity[a.id] || 0;
      const p = power[i];
      const h = heat[i];
      (byType[a.type] = byType[a.type] || []).push({
        name: a.name || a.id, value: [a.lon, a.lat, cap], agentId: a.id, type: a.type, power: p, heat: h,
        symbolSize: symbolSize(cap, this.maxCap, this.scale),
        itemStyle: { color: agentColor(a.type, p, h, cap) },
      });
    }
    const box = this.box;
    const importFrom = box ? [box[0] - (box[2] - box[0]) * 0.02, box[3] + (box[3] - box[1]) * 0.02] : null;
    const flows = flowLines(this.allAgents.filter((a) => Number.isFinite(a.lat) && Number.isFinite(a.lon)), this.contracts,
      { power_mw: this.allAgents.map((a, i) => power[i]), heat_mw: this.allAgents.map((a, i) => heat[i]) }, importMw || 0, importFrom);
    const maxMw = Math.max(0, ...flows.map((f) => f.mw));
    const lines = { power: [], import: [], heat: [] };
    for (const f of flows) lines[f.kind].push({ coords: f.coords, lineStyle: { width: flowWidth(f.mw, maxMw, this.scale) }, value: f.mw });
    const series = this.types.map((t) => ({ id: "agents-" + t, data: byType[t] || [] }));
    for (const k of Object.keys(lines)) series.push({ id: "flows-" + k, data: lines[k] });
    const fill = priceFill(price, priceRange ? priceRange[0] : 0, priceRange ? priceRange[1] : 0, this.dark);
    this.chart.setOption({ geo: { itemStyle: { areaColor: fill } }, series });
  }

  resize() {
    if (this.chart) this.chart.resize();
  }
}
