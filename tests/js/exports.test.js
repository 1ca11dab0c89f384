import { test } from "node:test";
import assert from "node:assert/strict";
import { formatValue, unitSymbol } from "../../web/static/web/exports.js";

test("a value that rounds to zero is shown as 0, never -0 (compare deltas)", () => {
  assert.equal(formatValue(-0.0004, { unit: "", kind: "ratio" }, "en"), "0");
  assert.equal(formatValue(-0.002, { unit: "", kind: "ratio" }, "en"), "-0.002");
  assert.equal(formatValue(-0.000001, { unit: "", kind: "share" }, "en"), "0");
  assert.equal(formatValue(1234.4, { unit: "MWh", kind: "energy" }, "en"), "1,234");
});

test("unit symbols come from the units-table entry: shares as %", () => {
  assert.equal(unitSymbol({ unit: "", kind: "share" }), "%");
  assert.equal(unitSymbol({ unit: "tCO₂", kind: "emissions" }), "tCO₂");
  assert.equal(unitSymbol(undefined), "");
});
