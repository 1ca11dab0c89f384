// Map helpers: symbol sizes, colours by state, flow lines along the grid and the heat contracts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  symbolSize, utilisation, agentColor, flowLines, flowWidth, bbox, range, priceFill, viewCoords, featureAt,
  outlineNameProperty, SIZE_MIN_PX, SIZE_MAX_PX,
} from "../../web/static/web/map.js";

const GEO = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/geo");

test("symbol area grows with capacity, within bounds", () => {
  assert.equal(symbolSize(1000, 1000), SIZE_MAX_PX);
  assert.equal(symbolSize(0, 1000), SIZE_MIN_PX);
  const quarter = symbolSize(250, 1000) - SIZE_MIN_PX;
  const full = SIZE_MAX_PX - SIZE_MIN_PX;
  assert.ok(Math.abs(quarter - full / 2) < 1e-9); // sqrt: a quarter of the capacity, half the size step
  assert.equal(symbolSize(1000, 1000, 1.5), SIZE_MAX_PX * 1.5);
});

test("utilisation per type: generation is negative power, heat utilities by heat", () => {
  assert.equal(utilisation("power_plant", -300, 0, 600), 0.5);
  assert.equal(utilisation("data_center", 9, 0, 18), 0.5);
  assert.equal(utilisation("heat_utility", 0, 45, 90), 0.5);
  assert.equal(utilisation("storage", -200, 0, 100), 1);
  assert.equal(utilisation("power_plant", -1, 0, 0), null);
  assert.equal(utilisation("power_plant", null, 0, 10), null);
});

test("storage colours: blue charging, orange discharging; idle plants pale, busy plants full", () => {
  assert.notEqual(agentColor("storage", 50, 0, 100), agentColor("storage", -50, 0, 100));
  assert.equal(agentColor("power_plant", -600, 0, 600), "rgb(85, 91, 99)");
  assert.notEqual(agentColor("power_plant", 0, 0, 600), agentColor("power_plant", -600, 0, 600));
});

test("flows: plants into the grid, the grid into data centers, DC heat along heat contracts, imports", () => {
  const agents = [
    { id: "g", type: "grid_operator", lat: 0, lon: 0 },
    { id: "p", type: "power_plant", lat: 1, lon: 1 },
    { id: "d", type: "data_center", lat: 2, lon: 2 },
    { id: "h", type: "heat_utility", lat: 3, lon: 3 },
  ];
  const contracts = [{ id: "c", type: "heat_purchase", seller_id: "d", buyer_id: "h" }, { id: "x", type: "heat_purchase", seller_id: "zz", buyer_id: "h" }];
  const state = { power_mw: [0, -120, 20, 2], heat_mw: [0, 0, 8, 30] };
  const flows = flowLines(agents, contracts, state, 50, [-1, -1]);
  const by = (k) => flows.filter((f) => f.kind === k);
  assert.deepEqual(by("power").map((f) => [f.from, f.to, f.mw]), [["p", "g", 120], ["g", "d", 20]]);
  assert.deepEqual(by("heat").map((f) => [f.from, f.to, f.mw]), [["d", "h", 8]]);
  assert.deepEqual(by("import")[0].coords, [[-1, -1], [0, 0]]);
  assert.equal(flowLines(agents, contracts, { power_mw: [], heat_mw: [] }, 0, null).length, 0);
});

test("line widths, bounding boxes, price fill", () => {
  assert.equal(flowWidth(100, 100), 6);
  assert.equal(flowWidth(0, 100), 1);
  const fc = { features: [{ geometry: { coordinates: [[[1, 2], [3, 4], [0, 5], [1, 2]]] } }] };
  assert.deepEqual(bbox(fc), [0, 2, 3, 5]);
  assert.equal(bbox({ features: [] }), null);
  assert.deepEqual(range([3, null, -1, NaN, 7]), [-1, 7]);
  assert.equal(range([null]), null);
  assert.notEqual(priceFill(100, 0, 100, false), priceFill(0, 0, 100, false));
});

test("the view frames the agents with a margin, else the outline", () => {
  const v = viewCoords([{ lat: 40, lon: 111 }, { lat: 41, lon: 112 }], [97, 37, 126, 53]);
  assert.deepEqual(v, [[110.7, 41.3], [112.3, 39.7]]);
  assert.deepEqual(viewCoords([{ lat: 40, lon: 111 }], null), [[110.75, 40.25], [111.25, 39.75]]);
  assert.deepEqual(viewCoords([], [1, 2, 3, 4]), [[1, 4], [3, 2]]);
});

test("Shanghai's outline is its 16 districts, named in the page's language", () => {
  const shanghai = JSON.parse(readFileSync(join(GEO, "shanghai.geojson"), "utf8"));
  assert.equal(shanghai.features.length, 16);
  assert.equal(outlineNameProperty(shanghai, "zh-hans"), "name_zh");
  assert.equal(outlineNameProperty(shanghai, "en"), "name");
  // People's Square, the Lujiazui towers, Hongqiao airport, Jiading's old town, Chongming's Chengqiao
  assert.equal(featureAt(shanghai, 121.475, 31.232), "Huangpu District");
  assert.equal(featureAt(shanghai, 121.505, 31.240, "name_zh"), "浦东新区");
  assert.equal(featureAt(shanghai, 121.336, 31.197, "name_zh"), "长宁区");
  assert.equal(featureAt(shanghai, 121.250, 31.383, "name_zh"), "嘉定区");
  assert.equal(featureAt(shanghai, 121.400, 31.620, "name_zh"), "崇明区");
  assert.equal(featureAt(shanghai, 120.60, 31.30), null); // Suzhou, Jiangsu
  // an outline without Chinese names on every feature keeps `name`
  const uusimaa = JSON.parse(readFileSync(join(GEO, "uusimaa.geojson"), "utf8"));
  assert.equal(outlineNameProperty(uusimaa, "zh-hans"), "name");
});
