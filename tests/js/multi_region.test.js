// Multi-region twin helpers: link widths and lines, agents and series grouped by region, the province of a
// region, flows drawn per region.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  linkWidth, linkLines, groupByRegion, featureAt, regionFlowLines, LINK_WIDTH_IDLE_PX, LINK_WIDTH_MAX_PX,
} from "../../web/static/web/map.js";
import { regionSeries, acrossRegions, linkSeries, presentSeries } from "../../web/static/web/charts.js";

const REGIONS = [
  { id: "shanghai", name: "Shanghai", lat: 31.23, lon: 121.47 },
  { id: "hohhot", name: "Hohhot", lat: 40.82, lon: 111.68 },
  { id: "qaidam", name: "Qaidam", lat: 36.42, lon: 94.9 },
];
const LINKS = [
  { id: "sh-hh", name: "SH → HH", from_region: "shanghai", to_region: "hohhot", work_capacity_mw: 200, loss_pu: 0.02, latency_ms: 32, latency_class: "batch" },
  { id: "sh-qd", name: "SH → QD", from_region: "shanghai", to_region: "qaidam", work_capacity_mw: 20, loss_pu: 0.02, latency_ms: 40, latency_class: "batch" },
];

test("link width: idle links thin, a link at the largest capacity the widest, square-root in between", () => {
  assert.equal(linkWidth(0, 200), LINK_WIDTH_IDLE_PX);
  assert.equal(linkWidth(null, 200), LINK_WIDTH_IDLE_PX);
  assert.equal(linkWidth(200, 200), LINK_WIDTH_MAX_PX);
  assert.equal(linkWidth(500, 200), LINK_WIDTH_MAX_PX); // clipped
  const quarter = linkWidth(50, 200) - LINK_WIDTH_IDLE_PX;
  assert.ok(Math.abs(quarter - (LINK_WIDTH_MAX_PX - LINK_WIDTH_IDLE_PX) / 2) < 1e-9);
  assert.ok(linkWidth(20, 200) < linkWidth(21, 200)); // grows with the moved MW
  assert.equal(linkWidth(200, 200, 1.5), LINK_WIDTH_MAX_PX * 1.5);
});

test("link lines join the regions' centres and carry the moved MW of the step", () => {
  const at = { "sh-hh.moved_mw": 120.5, "sh-qd.moved_mw": 0, "shanghai.load_mw": 900 };
  const lines = linkLines(REGIONS, LINKS, at);
  assert.equal(lines.length, 2);
  assert.deepEqual(lines[0].coords, [[121.47, 31.23], [111.68, 40.82]]);
  assert.equal(lines[0].moved_mw, 120.5);
  assert.equal(lines[0].capacity_mw, 200);
  assert.equal(lines[0].latency_class, "batch");
  assert.equal(lines[1].moved_mw, 0);
  assert.equal(linkLines(REGIONS, LINKS, {})[0].moved_mw, null); // step not received yet
  // a link to a region without a centre is left out
  assert.equal(linkLines(REGIONS.slice(0, 2), LINKS, at).length, 1);
});

test("agents and series grouped by region", () => {
  const agents = [{ id: "a", region: "shanghai" }, { id: "b", region: "hohhot" }, { id: "c", region: "shanghai" }];
  assert.deepEqual(groupByRegion(agents), { shanghai: [0, 2], hohhot: [1] });
  assert.deepEqual(groupByRegion([{ id: "x" }]), { "": [0] });
  const load = [1, 2, 3];
  const series = { "shanghai.load_mw": load, "shanghai.import_mw": [0, 0, 0], "hohhot.load_mw": [4, 5, 6], "sh-hh.moved_mw": [0, 1, 2] };
  const sh = regionSeries(series, "shanghai");
  assert.deepEqual(Object.keys(sh).sort(), ["import_mw", "load_mw"]);
  assert.equal(sh.load_mw, load); // the same array: live frames keep filling it
  assert.deepEqual(regionSeries(series, "qaidam"), {});
  assert.equal(regionSeries(series, ""), series); // a single-region run: as it is
  assert.deepEqual(acrossRegions(series, ["shanghai", "hohhot"], "load_mw"), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(presentSeries("power", sh).map((d) => d.q), ["import_mw", "load_mw"]);
  // a region id that is a prefix of a link id does not take the link's series
  assert.deepEqual(Object.keys(regionSeries({ "sh.load_mw": [1], "sh-hh.moved_mw": [2] }, "sh")), ["load_mw"]);
});

test("the migration panel has one series per link, named after the link", () => {
  const s = linkSeries(LINKS);
  assert.deepEqual(s.map((d) => d.q), ["sh-hh.moved_mw", "sh-qd.moved_mw"]);
  assert.deepEqual(s.map((d) => d.label), ["SH → HH", "SH → QD"]);
  assert.notEqual(s[0].color, s[1].color);
  assert.deepEqual(linkSeries(undefined), []);
});

test("each region's centre lies in its own province of the shipped China outline", () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const china = JSON.parse(readFileSync(join(here, "../../fixtures/geo/china_provinces.geojson"), "utf8"));
  assert.equal(featureAt(china, 121.47, 31.23), "Shanghai");
  assert.equal(featureAt(china, 111.68, 40.82), "Nei Mongol");
  assert.equal(featureAt(china, 94.9, 36.42), "Qinghai");
  assert.equal(featureAt(china, 24.94, 60.17), null); // Helsinki
  // a hole is outside
  const ring = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]];
  const hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]];
  const doc = { features: [{ properties: { name: "donut" }, geometry: { type: "Polygon", coordinates: [ring, hole] } }] };
  assert.equal(featureAt(doc, 2, 2), "donut");
  assert.equal(featureAt(doc, 5, 5), null);
});

test("flows of a multi-region run go to each region's own grid operator, imports per region", () => {
  const agents = [
    { id: "g1", type: "grid_operator", region: "shanghai", lat: 31.2, lon: 121.5 },
    { id: "dc1", type: "data_center", region: "shanghai", lat: 31.3, lon: 121.4 },
    { id: "g2", type: "grid_operator", region: "hohhot", lat: 40.8, lon: 111.7 },
    { id: "dc2", type: "data_center", region: "hohhot", lat: 40.5, lon: 111.9 },
    { id: "pv2", type: "renewable_plant", region: "hohhot", lat: 40.6, lon: 111.2 },
  ];
  const state = { power_mw: [500, 30, 100, 80, -60], heat_mw: [0, 0, 0, 0, 0] };
  const flows = regionFlowLines(agents, [], state, { shanghai: 200, hohhot: 0 });
  const of = (kind) => flows.filter((f) => f.kind === kind).map((f) => [f.from, f.to, f.mw]);
  assert.deepEqual(of("power"), [["g1", "dc1", 30], ["g2", "dc2", 80], ["pv2", "g2", 60]]);
  const imports = flows.filter((f) => f.kind === "import");
  assert.equal(imports.length, 1);
  assert.equal(imports[0].to, "g1");
  assert.equal(imports[0].region, "shanghai");
  assert.ok(imports[0].coords[0][0] < 121.4 && imports[0].coords[0][1] > 31.3); // from the north-west
});
