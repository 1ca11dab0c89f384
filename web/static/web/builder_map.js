// Location picker of the scenario builder: an ECharts scatter of the actors on a lon/lat plane around the
// region (schematic, no tiles, nothing downloaded). Click to place the chosen actor. Can later use map.js's
// shipped outlines as a background.
import { mapPoints, mapWindow, round } from "./builder.js";

const COLOURS = {
  data_center: "#1f4e79", heat_utility: "#c0504d", grid_operator: "#7f7f7f", renewable_plant: "#2e8b57",
  power_plant: "#5b4a3f", storage: "#8064a2",
};
const SYMBOLS = {
  data_center: "rect", heat_utility: "triangle", grid_operator: "diamond", renewable_plant: "circle",
  power_plant: "roundRect", storage: "pin",
};

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export function createPicker(element, { onPick, typeLabel, regionLabel }) {
  const chart = window.echarts.init(element, null, { renderer: "canvas" });
  let selected = null;

  function render(doc) {
    const w = mapWindow(doc);
    const points = mapPoints(doc);
    const byType = new Map();
    for (const p of points) {
      if (!byType.has(p.type)) byType.set(p.type, []);
      byType.get(p.type).push(p);
    }
    const series = [...byType].map(([type, list]) => ({
      type: "scatter",
      name: typeLabel(type),
      symbol: SYMBOLS[type] || "circle",
      symbolSize: (v, params) => (params.data.id === selected ? 20 : 13),
      itemStyle: { color: COLOURS[type] || "#444", borderColor: "#fff", borderWidth: 1 },
      label: { show: true, position: "right", formatter: (params) => params.data.name, fontSize: 11 },
      data: list.map((p) => ({ value: [p.lon, p.lat], id: p.id, name: p.name, index: p.index })),
      z: 3,
    }));
    const region = (doc && doc.region) || {};
    if (Number.isFinite(region.lat) && Number.isFinite(region.lon)) {
      series.push({
        type: "scatter", name: regionLabel, symbol: "emptyCircle", symbolSize: 24, silent: true, z: 1,
        itemStyle: { color: "#999" }, data: [{ value: [region.lon, region.lat], name: region.name || "" }],
      });
    }
    chart.setOption({
      animation: false,
      grid: { left: 58, right: 22, top: 14, bottom: 58 },
      legend: { bottom: 0, type: "scroll", textStyle: { fontSize: 11 }, itemWidth: 14, itemHeight: 10 },
      tooltip: { trigger: "item", formatter: (p) => escapeHtml(p.data.name) + "<br>" + p.value[1].toFixed(4) + "°N, " + p.value[0].toFixed(4) + "°E" },
      xAxis: { type: "value", min: round(w.lonMin, 3), max: round(w.lonMax, 3), scale: true, splitNumber: 4,
        splitLine: { lineStyle: { color: "#eee" } }, axisLabel: { formatter: (v) => v.toFixed(2) + "°E", showMinLabel: false, showMaxLabel: false, fontSize: 10 } },
      yAxis: { type: "value", min: round(w.latMin, 3), max: round(w.latMax, 3), scale: true, splitNumber: 4,
        splitLine: { lineStyle: { color: "#eee" } }, axisLabel: { formatter: (v) => v.toFixed(2) + "°N", showMinLabel: false, showMaxLabel: false, fontSize: 10 } },
      series,
    }, { notMerge: true });
  }

  chart.getZr().on("click", (event) => {
    if (!chart.containPixel({ gridIndex: 0 }, [event.offsetX, event.offsetY])) return;
    const [lon, lat] = chart.convertFromPixel({ gridIndex: 0 }, [event.offsetX, event.offsetY]);
    onPick(round(lat, 4), round(lon, 4));
  });
  window.addEventListener("resize", () => chart.resize());

  return {
    chart,
    render,
    select(id) { selected = id; },
  };
}
