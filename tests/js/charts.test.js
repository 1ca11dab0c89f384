// Aggregation of long series, the sankey of energy and the KPI cards (pure helpers of charts.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { aggregate, bucketSteps, sankeyFlows, kpiCards, presentSeries, valuesAt, priceAt, MAX_POINTS } from "../../web/static/web/charts.js";

const H = 3600e3;

test("an hourly year is shown by day; a zoomed week at full resolution", () => {
  assert.equal(bucketSteps(8760, H), 24); // 365 points instead of a solid block of 8,760
  assert.equal(bucketSteps(168, H), 1);
  assert.equal(bucketSteps(MAX_POINTS, H), 1);
  assert.equal(bucketSteps(35040, H / 4), 96); // a 15-minute year: by day
  assert.equal(bucketSteps(10 * 8760, H), 168); // ten years: by week
  assert.ok(8760 / bucketSteps(8760, H) <= MAX_POINTS);
});

test("buckets are means at their middle, nulls skipped, an all-null bucket a gap", () => {
  const values = [1, 3, null, null, 5, 7, 9];
  assert.deepEqual(aggregate(values, 7, 2, 0, H), [[0.5 * H, 2], [2.5 * H, null], [4.5 * H, 6], [6 * H, 9]]);
  assert.deepEqual(aggregate(values, 2, 1, 10, H), [[10, 1], [10 + H, 3]]);
  assert.deepEqual(aggregate(values, 7, 24, 0, H), [[3 * H, 5]]);
  assert.deepEqual(aggregate(undefined, 7, 24, 0, H), []);
});

test("the daily mean of an hourly price keeps the mean of the year", () => {
  const price = Array.from({ length: 8760 }, (_, i) => 400 + 300 * Math.sin((2 * Math.PI * i) / 24));
  const daily = aggregate(price, 8760, 24, 0, H);
  assert.equal(daily.length, 365);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean(daily.map((p) => p[1])) - mean(price)) < 1e-9);
  assert.ok(daily.every((p) => Math.abs(p[1] - 400) < 1e-6)); // the daily swing is averaged away
});

test("sankey: supply into the grid, the grid into data centers, IT heat into district heating", () => {
  const at = { renewable_mw: 50, generation_mw: 100, import_mw: 10, storage_discharge_mw: 0, dc_facility_mw: 30,
    dc_it_mw: 25, other_load_mw: 125, dc_heat_pump_mw: 3, heat_recovered_mw: 12, heat_from_dc_mw: 15, heat_produced_mw: 40 };
  const T = { sankey: { grid: "Grid", it: "IT" } };
  const { nodes, links } = sankeyFlows(at, T);
  const link = (a, b) => links.find((l) => l.source === a && l.target === b);
  assert.equal(link("renewable", "Grid").value, 50);
  assert.equal(link("Grid", "data_centers").value, 30);
  assert.equal(link("data_centers", "IT").value, 25);
  assert.equal(link("data_centers", "overhead").value, 5);
  assert.equal(link("IT", "recovered_heat").value, 12);
  assert.equal(link("IT", "waste_heat").value, 13);
  assert.equal(link("heat_pumps", "district_heating").value, 15);
  assert.equal(link("boilers", "district_heating").value, 40);
  assert.equal(links.some((l) => l.source === "storage"), false); // zero flows are left out
  assert.ok(nodes.some((n) => n.name === "Grid"));
  for (const l of links) assert.ok(l.value > 0);
});

test("KPI cards: the step's values and running totals with energy = power × dt_h", () => {
  const region = { load_mw: [100, 200, 300], wholesale_price_cny_per_mwh: [1, 2, 3], renewable_share_pu: [0.1, 0.2, 0.5],
    heat_from_dc_mw: [1, 1, 1], heat_produced_mw: [3, 3, 3], renewable_mw: [10, 40, 150], co2_t: [5, 5, 5] };
  const cards = Object.fromEntries(kpiCards(region, 1, 0.5).map((c) => [c.key, c.value]));
  assert.equal(cards.load_mw, 200);
  assert.equal(cards.price_cny_per_mwh, 2);
  assert.equal(cards.renewable_share_pu, 20);
  assert.equal(cards.energy_to_date_mwh, 150); // (100 + 200) × 0.5 h
  assert.equal(cards.co2_to_date_t, 10);
  assert.ok(Math.abs(cards.renewable_to_date_share - (100 * 25) / 150) < 1e-12);
  assert.equal(cards.heat_from_dc_to_date_share, 25);
  const none = Object.fromEntries(kpiCards(region, -1, 1).map((c) => [c.key, c.value]));
  assert.equal(none.energy_to_date_mwh, null);
});

test("panels draw only the quantities the run records", () => {
  assert.deepEqual(presentSeries("price", { wholesale_price_cny_per_mwh: [], retail_price_cny_per_mwh: [] }).map((s) => s.q), ["wholesale_price_cny_per_mwh", "retail_price_cny_per_mwh"]);
  assert.equal(priceAt({ price_cny_per_mwh: 5 }), 5);
  assert.equal(priceAt({ wholesale_price_cny_per_mwh: 7, price_cny_per_mwh: 5 }), 7);
  assert.deepEqual(presentSeries("price", {}), []);
  assert.deepEqual(valuesAt({ a: [1, 2] }, 5), { a: null });
});

test("KPI cards take their units from the units table (describe.units), never from a name", () => {
  const region = { load_mw: [1], wholesale_price_cny_per_mwh: [2], renewable_share_pu: [0.5], co2_t: [1] };
  const units = {
    load_mw: { unit: "MW", kind: "power" }, wholesale_price_cny_per_mwh: { unit: "CNY/MWh", kind: "price" },
    renewable_share_pu: { unit: "pu", kind: "share" }, co2_t: { unit: "tCO₂", kind: "emissions" },
    energy_to_date_mwh: { unit: "MWh", kind: "energy" }, renewable_to_date_share: { unit: "", kind: "share" },
    heat_from_dc_mw: { unit: "kW-test", kind: "power" },
  };
  const cards = Object.fromEntries(kpiCards(region, 0, 1, units).map((c) => [c.key, c.unit]));
  assert.equal(cards.load_mw, "MW");
  assert.equal(cards.price_cny_per_mwh, "CNY/MWh");
  assert.equal(cards.renewable_share_pu, "%");
  assert.equal(cards.co2_to_date_t, "tCO₂");
  assert.equal(cards.energy_to_date_mwh, "MWh");
  assert.equal(cards.renewable_to_date_share, "%");
  assert.equal(cards.heat_from_dc_mw, "kW-test"); // whatever the table says, not what the name suggests
  assert.equal(cards.heat_from_dc_to_date_share, ""); // not in the table: no guess
  assert.ok(Object.values(kpiCards(region, 0, 1, {})).every((c) => c.unit === ""));
});
