// The offline map of the twin: ECharts `geo` on a GeoJSON outline shipped in fixtures/geo (or the user's
// own), agents as symbols by type sized by capacity and coloured by their state at the selected step,
// animated lines for power flows (plants and imports → grid) and heat flows (data center → heat utility,
// along the heat contracts). A multi-region run (describe.regions, describe.links) shows every region (a
// marker and label, its province filled by its price) and the links as animated lines whose width follows
// the work moved at the step (`<link id>.moved_mw`). Pure helpers are exported for `node --test`.

import { localName } from "./names.js";

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


// ------------------------------------------------------------------------------- several regions

/** Agents grouped by their region id (describe.agents[].region): {regionId: [index into agents]}; agents
 * of a single-region run (no `region`) fall in the group "". Order follows the agents. */
export function groupByRegion(agents) {
  const out = {};
  (agents || []).forEach((a, i) => {
    const r = a && a.region ? a.region : "";
    (out[r] = out[r] || []).push(i);
  });
  return out;
}

export const LINK_WIDTH_IDLE_PX = 1.5;
export const LINK_WIDTH_MAX_PX = 10;

/** Line width [px] of a link: LINK_WIDTH_IDLE_PX with nothing moved, growing with the square root of the
 * moved MW over the largest link capacity up to LINK_WIDTH_MAX_PX (a link at its capacity). */
export function linkWidth(movedMw, maxCapacityMw, scale = 1) {
  if (!(movedMw > 0) || !(maxCapacityMw > 0)) return LINK_WIDTH_IDLE_PX * scale;
  const f = Math.sqrt(Math.min(1, movedMw / maxCapacityMw));
  return (LINK_WIDTH_IDLE_PX + (LINK_WIDTH_MAX_PX - LINK_WIDTH_IDLE_PX) * f) * scale;
}

/**
 * The links at a step, from the region values `at` of that step (keys `<link id>.moved_mw`): each
 * {id, name, from, to, coords: [[lon, lat] of from, of to], moved_mw (null when unknown), capacity_mw,
 * latency_class, latency_ms}. Links whose regions have no centre are left out.
 */
export function linkLines(regions, links, at, lang) {
  const pos = new Map((regions || []).filter((r) => Number.isFinite(r.lat) && Number.isFinite(r.lon)).map((r) => [r.id, r]));
  const out = [];
  for (const l of links || []) {
    const a = pos.get(l.from_region);
    const b = pos.get(l.to_region);
    if (!a || !b) continue;
    const v = at ? at[l.id + ".moved_mw"] : null;
    out.push({
      id: l.id, name: localName(l, lang), from: l.from_region, to: l.to_region, coords: [[a.lon, a.lat], [b.lon, b.lat]],
      moved_mw: v === undefined || v === null || !Number.isFinite(v) ? null : v,
      capacity_mw: l.work_capacity_mw, latency_class: l.latency_class, latency_ms: l.latency_ms,
    });
  }
  return out;
}

function ringContains(ring, lon, lat) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The name (`properties[prop]`, default `name`) of the outline feature containing (lon, lat), or null
 * (even-odd rule; holes). */
export function featureAt(geojson, lon, lat, prop = "name") {
  for (const f of (geojson && geojson.features) || []) {
    const g = f.geometry;
    if (!g) continue;
    const polys = g.type === "MultiPolygon" ? g.coordinates : g.type === "Polygon" ? [g.coordinates] : [];
    for (const rings of polys) {
      if (rings.length && ringContains(rings[0], lon, lat) && !rings.slice(1).some((h) => ringContains(h, lon, lat))) {
        return (f.properties && f.properties[prop]) || "";
      }
    }
  }
  return null;
}

/** Flow lines of a multi-region run: flowLines of each region over its own agents, contracts and import
 * (importByRegion: {regionId: MW}; each region's imports come from the north-west of its agents). */
export function regionFlowLines(agents, contracts, state, importByRegion) {
  const groups = groupByRegion(agents);
  const power = (state && state.power_mw) || [];
  const heat = (state && state.heat_mw) || [];
  const out = [];
  for (const [rid, all] of Object.entries(groups)) {
    const idx = all.filter((i) => Number.isFinite(agents[i].lat) && Number.isFinite(agents[i].lon));
    const own = idx.map((i) => agents[i]);
    const located = own;
    const box = located.length ? [Math.min(...located.map((a) => a.lon)), Math.min(...located.map((a) => a.lat)),
      Math.max(...located.map((a) => a.lon)), Math.max(...located.map((a) => a.lat))] : null;
    const from = box ? [box[0] - Math.max(0.3, (box[2] - box[0]) * 0.3), box[3] + Math.max(0.3, (box[3] - box[1]) * 0.3)] : null;
    const sub = { power_mw: idx.map((i) => power[i]), heat_mw: idx.map((i) => heat[i]) };
    const own_contracts = (contracts || []).filter((c) => (c.region || "") === rid);
    out.push(...flowLines(own, own_contracts, sub, (importByRegion || {})[rid] || 0, from).map((f) => ({ ...f, region: rid })));
  }
  return out;
}

// ------------------------------------------------------------------------------------------- ECharts glue

/** The feature property that names the outline's areas on this page: `name_zh` on Chinese pages when every
 * feature has one (Shanghai's districts, China's provinces), else `name`. */
export function outlineNameProperty(geojson, lang) {
  const features = (geojson && geojson.features) || [];
  const zh = String(lang || "").toLowerCase().startsWith("zh");
  return zh && features.length && features.every((f) => f.properties && f.properties.name_zh) ? "name_zh" : "name";
}

/** A region's name in the page's language: its `name_zh` on Chinese pages when the scenario gives one. */
export function regionName(r, lang) {
  return localName(r, lang);
}

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
    this.lang = opts.lang || (typeof document !== "undefined" && document.documentElement ? document.documentElement.lang : "");
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
    this.regions = ((describe && describe.regions) || []).filter((r) => Number.isFinite(r.lat) && Number.isFinite(r.lon));
    this.links = (describe && describe.links) || [];
    this.multi = this.regions.length > 1;
    this.maxLinkCap = Math.max(0, ...this.links.map((l) => l.work_capacity_mw || 0));
    // the outline's feature (province) of each region, filled by that region's price
    this.regionArea = {};
    this.nameProperty = outlineNameProperty(geojson, this.lang);
    for (const r of this.regions) this.regionArea[r.id] = featureAt(geojson, r.lon, r.lat, this.nameProperty);
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
    if (this.multi) {
      series.push({
        id: "flows-links", name: this.layerName("links"), type: "lines", coordinateSystem: "geo", z: 5, polyline: false,
        effect: { show: true, period: 2.5, trailLength: 0.35, symbol: "arrow", symbolSize: 8 * this.scale, color: "#f2a900" },
        lineStyle: { color: "#e07b00", opacity: 0.85, curveness: 0.18 },
        emphasis: { lineStyle: { opacity: 1 } }, data: [],
      }, {
        id: "flows-links-idle", name: this.layerName("links"), type: "lines", coordinateSystem: "geo", z: 5, polyline: false,
        effect: { show: false },
        lineStyle: { color: this.dark ? "#9fb0c3" : "#7b8794", opacity: 0.8, curveness: 0.18, type: "dashed" }, data: [],
      }, {
        id: "regions", name: this.layerName("regions"), type: "scatter", coordinateSystem: "geo", z: 6,
        symbol: "circle", symbolSize: 16 * this.scale,
        itemStyle: { color: "rgba(0,0,0,0)", borderColor: this.dark ? "#ffd166" : "#1d2733", borderWidth: 2.5 * this.scale },
        label: { show: true, position: "right", distance: 8, formatter: (p) => p.name, color: th.text,
          fontSize: 13 * this.scale, fontWeight: "bold", backgroundColor: this.dark ? "rgba(13,23,34,0.75)" : "rgba(255,255,255,0.8)",
          padding: [2, 4], borderRadius: 3 },
        data: [],
      });
    }
    this.chart.setOption({
      animation: false,
      tooltip: { trigger: "item", confine: true, formatter: (p) => this.tooltip(p) },
      geo: {
        map: mapName, nameProperty: this.nameProperty, roam: true, zoom: 1, scaleLimit: { min: 0.3, max: 40 },
        boundingCoords: viewCoords(this.multi ? this.agents.concat(this.regions) : this.agents, this.box),
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
    const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
    const u = (q) => { const x = (this.T.units || {})[q]; return x && x.unit ? " " + esc(x.unit) : ""; };
    const fmt = (v) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(1));
    const M = this.T.map || {};
    if (d.linkId) {
      const cls = (this.T.latency_classes || {})[d.latency_class] || d.latency_class || "";
      const mw = u(d.linkId + ".moved_mw"); // the link's series' unit (describe.units), also its capacity's
      return [`<b>${esc(d.name)}</b>`,
        `${esc(M.moved || "Work moved")}: ${fmt(d.moved_mw)}${mw}`,
        `${esc(M.capacity || "Capacity")}: ${fmt(d.capacity_mw)}${mw}`,
        `${esc(M.latency_class || "Latency class")}: ${esc(cls)}${Number.isFinite(d.latency_ms) ? ` (${d.latency_ms} ms)` : ""}`].join("<br>");
    }
    if (d.regionId) {
      return [`<b>${esc(d.name)}</b>`, `${esc(M.load || "Load")}: ${fmt(d.load)}${u("load_mw")}`,
        `${esc(M.price || "Price")}: ${fmt(d.price)}${u("wholesale_price_cny_per_mwh")}`].join("<br>");
    }
    if (!d.agentId) return p.name || "";
    const parts = [`<b>${esc(d.name)}</b>`, esc(this.typeLabel(d.type))];
    if (d.power !== null && d.power !== undefined) parts.push(`${esc(this.T.power || "Power")}: ${d.power.toFixed(1)}${u("power_mw")}`);
    if (d.heat) parts.push(`${esc(this.T.heat || "Heat")}: ${d.heat.toFixed(1)}${u("heat_mw")}`);
    return parts.join("<br>");
  }

  /** Show or hide a layer (a series id: "agents-<type>", "flows-power", "flows-import", "flows-heat"). */
  setLayer(id, shown) {
    this.visible[id] = shown;
    if (id === "flows-links") this.visible["flows-links-idle"] = shown; // one layer, two series (same name)
    this.applyVisibility();
  }

  applyVisibility() {
    if (!this.chart) return;
    const opt = this.chart.getOption();
    const selected = {};
    for (const s of opt.series || []) selected[s.name] = this.visible[s.id] !== false;
    this.chart.setOption({ legend: { show: false, selected } });
  }

  /** Draw the state at a step: agents' power/heat, the region's price and import at that step; in a
   * multi-region run `at` holds every region's and link's values of the step (`<id>.<quantity>`). */
  draw(state, price, priceRange, importMw, at) {
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
        name: localName(a, this.lang), value: [a.lon, a.lat, cap], agentId: a.id, type: a.type, power: p, heat: h,
        symbolSize: symbolSize(cap, this.maxCap, this.scale),
        itemStyle: { color: agentColor(a.type, p, h, cap) },
      });
    }
    const box = this.box;
    const importFrom = box ? [box[0] - (box[2] - box[0]) * 0.02, box[3] + (box[3] - box[1]) * 0.02] : null;
    const vals = at || {};
    const flows = this.multi
      ? regionFlowLines(this.allAgents, this.contracts, { power_mw: power, heat_mw: heat },
        Object.fromEntries(this.regions.map((r) => [r.id, vals[r.id + ".import_mw"]])))
      : flowLines(this.allAgents.filter((a) => Number.isFinite(a.lat) && Number.isFinite(a.lon)), this.contracts,
        { power_mw: this.allAgents.map((a, i) => power[i]), heat_mw: this.allAgents.map((a, i) => heat[i]) }, importMw || 0, importFrom);
    const maxMw = Math.max(0, ...flows.map((f) => f.mw));
    const lines = { power: [], import: [], heat: [] };
    for (const f of flows) lines[f.kind].push({ coords: f.coords, lineStyle: { width: flowWidth(f.mw, maxMw, this.scale) }, value: f.mw });
    const series = this.types.map((t) => ({ id: "agents-" + t, data: byType[t] || [] }));
    for (const k of Object.keys(lines)) series.push({ id: "flows-" + k, data: lines[k] });
    if (this.multi) {
      const regionPrice = (r) => {
        const w = vals[r.id + ".wholesale_price_cny_per_mwh"];
        return w === null || w === undefined ? vals[r.id + ".price_cny_per_mwh"] : w;
      };
      const live = [];
      const idle = [];
      for (const l of linkLines(this.regions, this.links, vals, this.lang)) {
        const item = { name: l.name, coords: l.coords, linkId: l.id, moved_mw: l.moved_mw, capacity_mw: l.capacity_mw,
          latency_class: l.latency_class, latency_ms: l.latency_ms, value: l.moved_mw,
          lineStyle: { width: linkWidth(l.moved_mw, this.maxLinkCap, this.scale) } };
        (l.moved_mw > 1e-6 ? live : idle).push(item);
      }
      series.push({ id: "flows-links", data: live }, { id: "flows-links-idle", data: idle });
      series.push({ id: "regions", data: this.regions.map((r) => ({ name: regionName(r, this.lang), regionId: r.id, value: [r.lon, r.lat],
        load: vals[r.id + ".load_mw"], price: regionPrice(r) })) });
      const lo = priceRange ? priceRange[0] : 0;
      const hi = priceRange ? priceRange[1] : 0;
      const regions = this.regions.filter((r) => this.regionArea[r.id]).map((r) => ({
        name: this.regionArea[r.id], itemStyle: { areaColor: priceFill(regionPrice(r), lo, hi, this.dark) },
      }));
      this.chart.setOption({ geo: { regions }, series });
      return;
    }
    const fill = priceFill(price, priceRange ? priceRange[0] : 0, priceRange ? priceRange[1] : 0, this.dark);
    this.chart.setOption({ geo: { itemStyle: { areaColor: fill } }, series });
  }

  resize() {
    if (this.chart) this.chart.resize();
  }
}
