// node --test tests/js — the DOM-free parts of the scenario builder (web/static/web/builder.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  describeChange, editorErrors, errorsByPath, locToPath, mapPoints, mapWindow, newEntry, partiesOf, uniqueId,
} from "../../web/static/web/builder.js";

test("a validation loc becomes a json-editor path", () => {
  assert.equal(locToPath("actors.1.it_capacity_mw"), "root.actors.1.it_capacity_mw");
  assert.equal(locToPath(""), "root");
});

test("errors land on the deepest field the form shows", () => {
  const shown = new Set(["root", "root.actors", "root.actors.1", "root.actors.1.it_capacity_mw", "root.horizon"]);
  const has = (p) => shown.has(p);
  const errs = [
    { loc: "actors.1.it_capacity_mw", msg: "must be > 0" },
    { loc: "actors.1.heat_recovery.sink_temp_c", msg: "too hot" },
    { loc: "horizon.steps", msg: "must be ≥ 1" },
    { loc: "", msg: "whole document" },
  ];
  const by = errorsByPath(errs, has);
  assert.deepEqual(by.get("root.actors.1.it_capacity_mw"), ["must be > 0"]);
  assert.deepEqual(by.get("root.actors.1"), ["too hot"]);
  assert.deepEqual(by.get("root.horizon"), ["must be ≥ 1"]);
  assert.deepEqual(by.get("root"), ["whole document"]);
  assert.equal(editorErrors(errs, has).length, 4);
});

test("unique ids get a counter", () => {
  assert.equal(uniqueId("dc", []), "dc");
  assert.equal(uniqueId("dc", ["dc", "dc_2"]), "dc_3");
  assert.equal(uniqueId("my dc!", []), "my_dc_");
});

test("a new entry copies its template, gets a fresh id, a place and its parties", () => {
  const doc = { actors: [{ id: "data_center", type: "data_center", lat: 1, lon: 2 },
    { id: "hu", type: "heat_utility", lat: 1, lon: 2 }], contracts: [] };
  const template = { id: "dc_x", type: "data_center", name: "DC", lat: 0, lon: 0, it_capacity_mw: 10 };
  const dc = newEntry(template, { kind: "data_center", doc, at: { lat: 40.123456, lon: 111.5 } });
  assert.equal(dc.id, "data_center_2");
  assert.deepEqual([dc.lat, dc.lon, dc.it_capacity_mw], [40.1235, 111.5, 10]);
  assert.equal(template.lat, 0); // the template itself is untouched
  assert.equal(dc.name, "DC");
  assert.equal(newEntry(template, { kind: "data_center", doc: { actors: [...doc.actors, dc] } }).name, "DC 2");
  const contractTemplate = { id: "deal", type: "heat_purchase", seller_id: "a", buyer_id: "b", price_cny_per_mwh: 90 };
  const parties = partiesOf(contractTemplate, { actors: [{ id: "a", type: "data_center" }, { id: "b", type: "heat_utility" }] });
  assert.deepEqual(parties, { seller_id: "data_center", buyer_id: "heat_utility" });
  const deal = newEntry(contractTemplate, { kind: "heat_purchase", doc, parties });
  assert.deepEqual([deal.id, deal.seller_id, deal.buyer_id], ["heat_purchase", "data_center", "hu"]);
});

test("the map shows located actors inside a window around the region", () => {
  const doc = { region: { lat: 40, lon: 111 }, actors: [{ id: "a", type: "x", lat: 40.5, lon: 111.2 }, { id: "g", type: "grid" }] };
  assert.deepEqual(mapPoints(doc).map((p) => p.id), ["a"]);
  const w = mapWindow(doc);
  assert.ok(w.latMin < 40 && w.latMax > 40.5 && w.lonMin < 111 && w.lonMax > 111.2);
});

test("a diff change reads as old → new", () => {
  assert.equal(describeChange({ path: "seed", op: "changed", old: 1, new: 2 }), "seed: 1 → 2");
  assert.equal(describeChange({ path: "actors.3", op: "added", old: null, new: { id: "x" } }, { added: "neu" }),
    'actors.3: neu {"id":"x"}');
});

import { bucketMeans, formatValue, hoursAxis, unitSymbol } from "../../web/static/web/exports.js";

test("shares show as percent, other values with their unit from the table", () => {
  assert.equal(unitSymbol({ unit: "", kind: "share" }), "%");
  assert.equal(unitSymbol({ unit: "MWh", kind: "energy" }), "MWh");
  assert.equal(formatValue(0.1846, { unit: "", kind: "share" }, "en"), "18.46");
  assert.equal(formatValue(1383056.79, { unit: "CNY", kind: "money" }, "en"), "1,383,057");
  assert.equal(formatValue(null), "—");
  assert.equal(formatValue(true), "✓");
});

test("series of different step lengths share an hours axis; buckets average", () => {
  assert.deepEqual(hoursAxis(3, 0.25), [0, 0.25, 0.5]);
  assert.deepEqual(bucketMeans([1, 3, 5, null, 7], 2), [2, 5, 7]);
  assert.deepEqual(bucketMeans([1, 2], 1), [1, 2]);
});
