// Location picker of the scenario builder: an ECharts scatter of the actors on a lon/lat plane around the
// region (schematic, no tiles, nothing downloaded). Click to place the chosen actor, or drag any actor to
// move it (typed coordinates stay the keyboard way). Can later use map.js's shipped outlines as a background.
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

export function createPicker(element, { onPick, onDrag, typeLabel, regionLabel }) {
  const chart = window.echarts.init(element, null, { renderer: "canvas" });
  let selected = null;
  let drag = null; // {index, seriesIndex, dataIndex, moved, lat, lon} while an actor is dragged
  let swallowClick = false; // the click that ends a drag is not a "place here"

  function render(doc) {
    const w = mapWindow(doc);
    const points = mapPoints(doc, document.documentElement.lang);
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
      cursor: onDrag ? "move" : "pointer",
      label: { show: true, position: "right", formatter: (params) => params.data.name, fontSize: 11 },
      labelLayout: { moveOverlap: "shiftY" }, // actors close together: labels stacked, not on top of each other
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

  // Drag an actor: press on its symbol, move, release inside the plot.
  chart.on("mousedown", (params) => {
    if (!onDrag || !params.data || params.data.index === undefined) return;
    drag = { index: params.data.index, seriesIndex: params.seriesIndex, dataIndex: params.dataIndex, moved: false };
    element.classList.add("dragging");
  });
  const zr = chart.getZr();
  zr.on("mousedown", () => { swallowClick = false; });
  zr.on("mousemove", (event) => {
    if (!drag) return;
    const px = [event.offsetX, event.offsetY];
    if (!chart.containPixel({ gridIndex: 0 }, px)) return;
    const [lon, lat] = chart.convertFromPixel({ gridIndex: 0 }, px);
    drag.moved = true;
    drag.lat = lat;
    drag.lon = lon;
    const series = chart.getOption().series;
    const data = series[drag.seriesIndex].data.slice();
    data[drag.dataIndex] = Object.assign({}, data[drag.dataIndex], { value: [lon, lat] });
    chart.setOption({ series: series.map((s, i) => (i === drag.seriesIndex ? { data } : {})) });
  });
  const endDrag = () => {
    if (!drag) return;
    const done = drag;
    drag = null;
    element.classList.remove("dragging");
    if (done.moved) {
      swallowClick = true; // until the next press
      onDrag(done.index, round(done.lat, 4), round(done.lon, 4));
    }
  };
  zr.on("mouseup", endDrag);
  zr.on("globalout", endDrag);

  zr.on("click", (event) => {
    if (swallowClick) {
      swallowClick = false;
      return;
    }
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
