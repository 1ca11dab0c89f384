// Legends and axis names of the time panels, compare and report charts keep apart (charts.js layout
// helpers), and recorded quantities read as their labels, not as raw keys.
import { test } from "node:test";
import assert from "node:assert/strict";
import { legendRows, topLayout, legendLayout, ySplits, quantityLabel } from "../../web/static/web/charts.js";

const mono = (text, font) => text.length * font * 0.6; // a fixed-width measure for the tests

test("a legend wraps to as many rows as its items need instead of paging", () => {
  const labels = ["Renewable", "Thermal plants", "Import", "Storage discharge", "Data-center backup", "Not served", "Region load"];
  const one = legendRows(labels, 2000, 12, mono);
  assert.equal(one, 1);
  // 7 items of 14 + 5 + text + 10 px at 16 px: about 1,000 px, so a 700 px panel needs two rows and 400 px three
  assert.equal(legendRows(labels, 700, 16, mono), 2);
  assert.equal(legendRows(labels, 400, 16, mono), 3);
  assert.equal(legendRows([], 400, 12, mono), 0);
  assert.equal(legendRows(["a very long single label that does not fit"], 50, 12, mono), 1);
});

test("the unit above the y axis sits in its own line under the legend rows", () => {
  for (const font of [12, 16]) {
    for (const rows of [1, 2, 3]) {
      const { top, nameGap } = topLayout(rows, font, true);
      const legendBottom = 5 + rows * (font + 4) + (rows - 1) * 10 + 5;
      const nameTop = top - nameGap - (font + 4); // the name is drawn above the plot by nameGap, one line high
      assert.ok(nameTop >= legendBottom, `font ${font}, ${rows} rows: name at ${nameTop} under legend to ${legendBottom}`);
      assert.ok(top < legendBottom + 2 * (font + 4) + 12, "no more room than needed");
    }
  }
  assert.ok(topLayout(1, 12, false).top < topLayout(1, 12, true).top);
  const lay = legendLayout(["Wholesale price (paid to generators)", "Retail price (paid by consumers)"], 420, 16, true, mono);
  assert.equal(lay.rows, 2);
  assert.equal(lay.top, topLayout(2, 16, true).top);
});

test("a short plot gets fewer y intervals so its labels do not overlap", () => {
  assert.equal(ySplits(400, 12), 5);
  assert.equal(ySplits(70, 16), 2);
  assert.ok(ySplits(120, 16) <= 3);
});

test("quantities read as their series labels, a region's or link's with its name", () => {
  const series = { load: "Region load", price_wholesale: "Wholesale price (paid to generators)" };
  const names = { hohhot: "Hohhot (Inner Mongolia)", "sh-qd": "Shanghai → Qaidam backbone" };
  assert.equal(quantityLabel("load_mw", series), "Region load");
  assert.equal(quantityLabel("hohhot.wholesale_price_cny_per_mwh", series, names), "Hohhot (Inner Mongolia) · Wholesale price (paid to generators)");
  assert.equal(quantityLabel("sh-qd.moved_mw", series, names), "Shanghai → Qaidam backbone · moved_mw");
  assert.equal(quantityLabel("co2_t", series), "co2_t"); // unknown to the strings: its name
});

test("a region shows its Chinese name on Chinese pages when the scenario gives one", async () => {
  const { regionName } = await import("../../web/static/web/map.js");
  const r = { id: "hohhot", name: "Hohhot (Inner Mongolia)", name_zh: "呼和浩特（内蒙古）" };
  assert.equal(regionName(r, "zh-hans"), "呼和浩特（内蒙古）");
  assert.equal(regionName(r, "en"), "Hohhot (Inner Mongolia)");
  assert.equal(regionName({ id: "x", name: "X", name_zh: "" }, "zh-hans"), "X");
  assert.equal(regionName({ id: "x" }, "zh-hans"), "x");
});

test("sankey nodes too thin to see carry no label, so small flows' labels do not pile up", async () => {
  const { sankeyFlows } = await import("../../web/static/web/charts.js");
  const at = { renewable_mw: 0.2, generation_mw: 900, import_mw: 300, storage_discharge_mw: 0.1, dc_facility_mw: 200, dc_it_mw: 150, other_load_mw: 1000 };
  const { nodes } = sankeyFlows(at, {});
  assert.equal(nodes.find((n) => n.id === "renewable").label.show, false);
  assert.equal(nodes.find((n) => n.id === "storage").label.show, false);
  assert.equal(nodes.find((n) => n.id === "grid").label, undefined);
  assert.equal(nodes.find((n) => n.id === "data_centers").label, undefined);
  assert.equal(nodes.find((n) => n.id === "thermal").label, undefined);
});

test("a series nothing flowed in is all zero (the panel then says so)", async () => {
  const { allZero } = await import("../../web/static/web/charts.js");
  assert.equal(allZero([0, 0, null, 0], 4), true);
  assert.equal(allZero(undefined, 4), true);
  assert.equal(allZero([0, 0, 3], 2), true); // only the completed steps count
  assert.equal(allZero([0, 0, 3], 3), false);
});
