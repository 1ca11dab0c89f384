// The Contract Lab's pure logic (web/static/web/lab.js): parties, drafts, the server's errors on fields, the
// results of kpis.contracts as table rows / chart series / ledger rows / CSV, and the sensitivity sweeps.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  bestTemplate, cashFlowSeries, comparisonCsv, contractResult, defaultParties, draftFromTemplate, editorErrorList,
  eligibleActors, figureRows, irrNoteText, heatmapCells, labDocument, ledgerRows, lowHigh, mainTerms, partyCandidates, partyKpi,
  priceVolume, replacedBy, runProgress, splitErrors, sweepBodies, tornadoBars,
} from "../../web/static/web/lab.js";

const DOC = {
  actors: [
    { id: "grid", type: "grid_operator", name: "Grid" },
    { id: "dc", type: "data_center", name: "Campus", heat_recovery: { heat_pump_capacity_mw: 12 } },
    { id: "dc2", type: "data_center", name: "Second" },
    { id: "city", type: "heat_utility", name: "City heat" },
  ],
  contracts: [{ type: "heat_purchase", id: "old", seller_id: "dc", buyer_id: "city", price_cny_per_mwh: 90 }],
  demand_response: { aggregators: [{ id: "vpp", name: "VPP" }] },
};
const HEAT = { parties: { seller_id: ["data_center"], buyer_id: ["heat_utility"] } };
const TERMS = {
  term_years: { title: "Term (a)", unit: "a", kind: "duration", integer: true },
  discount_rate_pu: { title: "Discount rate", unit: "pu", kind: "share", integer: false },
  "pricing.factor_pu": { title: "Pricing · Index factor", unit: "pu", kind: "share", integer: false },
  "pricing.floor_cny_per_mwh": { title: "Pricing · Floor", unit: "CNY/MWh", kind: "price", integer: false },
  take_or_pay_min_mwh_per_year: { title: "Take-or-pay", unit: "MWh/a", kind: "energy_rate", integer: false },
  "heat_pump.capex_cny": { title: "Heat pump · Investment", unit: "CNY", kind: "money", integer: false },
};
const DRAFT = { type: "waste_heat_purchase", id: "deal", seller_id: "dc", buyer_id: "city", term_years: 15,
  discount_rate_pu: 0.06, pricing: { kind: "indexed", factor_pu: 0.8, floor_cny_per_mwh: 20 },
  take_or_pay_min_mwh_per_year: 0, heat_pump: { payer: "seller", capex_cny: 3e7 } };

test("parties: only the actors (and aggregators) of the types a party field accepts, two different ones", () => {
  const candidates = partyCandidates(DOC);
  assert.deepEqual(eligibleActors(candidates, ["data_center"]).map((a) => a.id), ["dc", "dc2"]);
  assert.deepEqual(eligibleActors(candidates, ["aggregator", "data_center"]).map((a) => a.id), ["dc", "dc2", "vpp"]);
  assert.deepEqual(defaultParties(HEAT.parties, candidates, {}), { seller_id: "dc", buyer_id: "city" });
  assert.deepEqual(defaultParties(HEAT.parties, candidates, { seller_id: "dc2" }), { seller_id: "dc2", buyer_id: "city" });
  // two data centers for two data-center parties: not the same one twice
  assert.deepEqual(defaultParties({ a: ["data_center"], b: ["data_center"] }, candidates, {}), { a: "dc", b: "dc2" });
  assert.deepEqual(defaultParties({ x: ["storage"] }, candidates, {}), { x: "" });
});

test("the best template is one whose parties the scenario has", () => {
  const templates = [{ key: "ppa", type: "green_ppa" }, { key: "heat", type: "waste_heat_purchase" }];
  const types = { green_ppa: { parties: { seller_id: ["renewable_plant"] } }, waste_heat_purchase: HEAT };
  assert.equal(bestTemplate(templates, types, DOC).key, "heat");
  assert.equal(bestTemplate(templates, types, { actors: [] }).key, "ppa");
});

test("a draft replaces the contract between the same parties (as web.lab.lab_document) and keeps a free id", () => {
  const template = { contract: { type: "waste_heat_purchase", id: "old", seller_id: "X", buyer_id: "Y" } };
  const draft = draftFromTemplate(template, { doc: DOC, parties: { seller_id: "dc", buyer_id: "city" } });
  assert.equal(draft.id, "old"); // the contract it replaces may keep its id
  assert.deepEqual(replacedBy(DOC, draft, ["seller_id", "buyer_id"]).map((c) => c.id), ["old"]);
  const other = draftFromTemplate({ contract: { type: "x", id: "dc" } }, { doc: DOC, parties: { seller_id: "dc2" } });
  assert.equal(other.id, "dc_2"); // an actor's id is taken
  const { doc, index } = labDocument(DOC, draft, ["seller_id", "buyer_id"]);
  assert.deepEqual(doc.contracts.map((c) => c.type), ["waste_heat_purchase"]);
  assert.equal(index, 0);
  assert.equal(DOC.contracts.length, 1); // the scenario is untouched
});

test("the server's errors land on the draft's deepest shown field, others are listed with their loc", () => {
  const errors = [
    { loc: "contracts.0.pricing.factor_pu", msg: "Input should be less than or equal to 2", field: "pricing.factor_pu" },
    { loc: "contracts.0.seller_id", msg: "'x' is not a data_center", field: "seller_id" },
    { loc: "contracts.0.heat_pump.capex_cny", msg: "bad", field: "heat_pump.capex_cny" },
    { loc: "actors.1.heat_recovery", msg: "elsewhere" },
  ];
  const shown = new Set(["root.pricing", "root.pricing.factor_pu", "root.seller_id", "root.heat_pump"]);
  const { fields, other } = splitErrors(errors, (p) => shown.has(p));
  assert.deepEqual(fields.get("root.pricing.factor_pu"), ["Input should be less than or equal to 2"]);
  assert.deepEqual(fields.get("root.heat_pump"), ["bad"]); // capex not shown (yet): its parent carries it
  assert.deepEqual(other, [{ loc: "actors.1.heat_recovery", msg: "elsewhere" }]);
  assert.deepEqual(editorErrorList(new Map([["root.x", ["m"]]])), [{ path: "root.x", property: "server", message: "m" }]);
});

test("progress: steps, then the counterfactual, then done or failed", () => {
  const T = { queued: "Q", running: "%(step)s/%(total)s", counterfactual: "CF", succeeded: "OK", failed: "F %(error)s", cancelled: "C" };
  assert.equal(runProgress({ status: "running", step: 12, total_steps: 48, progress: 0.25 }, T).text, "12/48");
  assert.deepEqual(runProgress({ status: "running", step: 48, total_steps: 48, progress: 1 }, T), { fraction: 1, text: "CF", done: false, ok: true });
  assert.equal(runProgress({ status: "succeeded" }, T).done, true);
  assert.deepEqual(runProgress({ status: "failed", error: "boom", progress: 0.5 }, T), { fraction: 0.5, text: "F boom", done: true, ok: false });
});

const KPIS = {
  contracts: {
    deal: {
      type: "waste_heat_purchase", seller_id: "dc", buyer_id: "city", term_years: 2, discount_rate_pu: 0.06,
      parties: {
        city: { role: "buyer", energy_cny: -100, capex_cny: -10, net_cny: -110, npv_cny: 50.5, irr_pu: null,
          irr_reason: "no sign change", simple_payback_years: null, cash_flows_cny: [-20, 30, 40] },
        dc: { role: "seller", energy_cny: 100, capex_cny: 0, net_cny: 100, npv_cny: 120, irr_pu: 0.25,
          simple_payback_years: 1.5, cash_flows_cny: [-100, 60, 80] },
      },
      items: [{ category: "energy", payer_id: "city", payee_id: "dc", amount_cny: 100 },
        { category: "capex", payer_id: "city", payee_id: "external", amount_cny: 10 }],
    },
  },
};

test("results: seller first, figures per party, IRR missing with the server's reason", () => {
  const r = contractResult(KPIS, "deal");
  assert.deepEqual(r.parties.map((p) => p.id), ["dc", "city"]);
  assert.equal(r.evaluated, true);
  assert.equal(r.ratePu, 0.06);
  const rows = figureRows(r);
  const npv = rows.find((x) => x.key === "npv_cny");
  assert.deepEqual(npv.cells.map((c) => c.value), [120, 50.5]);
  const irr = rows.find((x) => x.key === "irr_pu");
  assert.deepEqual(irr.cells.map((c) => c.note), ["", "no sign change"]);
  assert.equal(contractResult(KPIS, "nope"), null);
  assert.equal(contractResult({ contracts: { x: { parties: { a: { net_cny: 1 } } } } }, "x").evaluated, false);
});

test("cash flows: bars per year and running sums", () => {
  const flows = cashFlowSeries(contractResult(KPIS, "deal"));
  assert.deepEqual(flows.years, [0, 1, 2]);
  assert.deepEqual(flows.parties[0], { id: "dc", bars: [-100, 60, 80], cumulative: [-100, -40, 40] });
});

test("ledger side by side: non-zero categories, line items signed for each party, zero-sum transfers", () => {
  const rows = ledgerRows(contractResult(KPIS, "deal"));
  assert.deepEqual(rows.map((r) => r.category), ["energy", "capex"]);
  assert.deepEqual(rows[0].totals, [100, -100]);
  assert.equal(rows[0].totals.reduce((a, b) => a + b, 0), 0);
  assert.deepEqual(rows[0].items, [{ payer: "city", payee: "dc", amountCny: 100, signed: [100, -100] }]);
  assert.deepEqual(rows[1].items[0].signed, [null, -10]);
});

test("the comparison CSV has a row per figure and a column per party", () => {
  const units = { npv_cny: { unit: "CNY", kind: "money" }, irr_pu: { unit: "pu", kind: "share" },
    energy_cny: { unit: "CNY", kind: "money" } };
  const text = comparisonCsv(contractResult(KPIS, "deal"), { dc: "Campus, north", city: "City" }, units);
  const lines = text.trim().split("\r\n");
  assert.equal(lines[0], 'figure,unit,"Campus, north (dc)",City (city)');
  assert.ok(lines.includes("npv_cny,CNY,120,50.5"));
  assert.ok(lines.includes("irr_pu,pu,0.25,no sign change"));
  assert.ok(lines.includes("ledger_energy_cny,CNY,100,-100"));
  assert.ok(lines.includes("cash_flow_cny_year_2,CNY,80,40"));
});

test("sensitivity: main terms put the price first, low/high ±20 %, the heatmap uses the seller's heat pump", () => {
  const terms = mainTerms(DRAFT, TERMS);
  assert.deepEqual(terms.map((t) => t.path), ["pricing.factor_pu", "discount_rate_pu", "heat_pump.capex_cny", "term_years",
    "pricing.floor_cny_per_mwh"]); // take-or-pay is 0: not a term to vary
  assert.deepEqual(lowHigh(terms[0]), [0.64, 0.96]);
  assert.deepEqual(lowHigh({ value: 15, integer: true }), [12, 18]);
  assert.deepEqual(lowHigh({ value: 0.9, kind: "share" }), [0.72, 1]);
  const pv = priceVolume(DRAFT, TERMS, DOC, 0, { path: "heat_recovery.heat_pump_capacity_mw", title: "HP" });
  assert.deepEqual(pv.price, { path: "contracts.0.pricing.factor_pu", base: 0.8, title: "Pricing · Index factor" });
  assert.deepEqual(pv.volume, { path: "actors.dc.heat_recovery.heat_pump_capacity_mw", base: 12, title: "HP" });
  const bodies = sweepBodies({ doc: DOC, draft: DRAFT, type: { ...HEAT, terms: TERMS, volume_of_seller: { path:
    "heat_recovery.heat_pump_capacity_mw", title: "HP" } }, parties: ["dc", "city"], seed: 7, name: "deal" });
  assert.equal(bodies.tornado.mode, "one_at_a_time");
  assert.deepEqual(bodies.tornado.kpis, [partyKpi("deal", "dc"), partyKpi("deal", "city")]);
  assert.equal(bodies.tornado.kpis[0], "contracts.deal.parties.dc.npv_cny");
  assert.deepEqual(bodies.tornado.seeds, [7]);
  assert.deepEqual(bodies.grid.params[1], { path: "actors.dc.heat_recovery.heat_pump_capacity_mw", values: [6, 12, 18] });
  assert.equal(bodies.tornado.scenario.contracts.length, 1); // the draft replaced the old heat deal
});

test("tornado bars and heatmap cells from the sweeps API's result rows", () => {
  const kpi = "contracts.deal.parties.dc.npv_cny";
  const results = { rows: [
    { varied: null, params: { a: 1, b: 10 }, mean: { [kpi]: 100 } },
    { varied: "a", params: { a: 0.8, b: 10 }, mean: { [kpi]: 90 } },
    { varied: "a", params: { a: 1.2, b: 10 }, mean: { [kpi]: 115 } },
    { varied: "b", params: { a: 1, b: 8 }, mean: { [kpi]: 60 } },
    { varied: "b", params: { a: 1, b: 12 }, mean: { [kpi]: null } },
  ] };
  const { base, bars } = tornadoBars(results, kpi);
  assert.equal(base, 100);
  assert.deepEqual(bars.map((b) => [b.path, b.lowDelta, b.highDelta]), [["b", -40, null], ["a", -10, 15]]);
  const grid = { rows: [
    { params: { p: 2, v: 10 }, mean: { [kpi]: 4 } }, { params: { p: 1, v: 10 }, mean: { [kpi]: 3 } },
    { params: { p: 1, v: 20 }, mean: { [kpi]: 5 } }, { params: { p: 2, v: 20 }, mean: { [kpi]: 7 } },
  ] };
  const cells = heatmapCells(grid, "p", "v", kpi);
  assert.deepEqual(cells.xs, [1, 2]);
  assert.deepEqual(cells.cells, [[1, 0, 4], [0, 0, 3], [0, 1, 5], [1, 1, 7]]);
  assert.deepEqual([cells.min, cells.max], [3, 7]);
});

test("a PPA's heatmap varies its strike price and its share of the plant's output", () => {
  const terms = {
    share_pu: { title: "Share", unit: "pu", kind: "share", integer: false },
    baseload_mw: { title: "Baseload", unit: "MW", kind: "power", integer: false },
    strike_price_cny_per_mwh: { title: "Strike", unit: "CNY/MWh", kind: "price", integer: false },
  };
  const ppa = { type: "green_ppa", id: "ppa", seller_id: "wind", buyer_id: "dc", share_pu: 0.5, baseload_mw: 0,
    strike_price_cny_per_mwh: 280 };
  const pv = priceVolume(ppa, terms, { actors: [] }, 2, undefined);
  assert.equal(pv.price.path, "contracts.2.strike_price_cny_per_mwh");
  assert.equal(pv.volume.path, "contracts.2.share_pu");
  const bodies = sweepBodies({ doc: { actors: [] }, draft: { ...ppa, share_pu: 0.8 }, type: { parties: {}, terms },
    parties: ["wind", "dc"], name: "ppa" });
  assert.deepEqual(bodies.grid.params[1].values, [0.4, 0.8, 1]); // a share stays ≤ 1
  assert.equal(priceVolume({ ...ppa, share_pu: 0 }, terms, { actors: [] }, 2, undefined), null);
});

test("why a party has no IRR, in the page's language", () => {
  const T = { irr_none: "无 IRR", irr_reasons: { "no return: the cash flow never turns positive": "无回报" },
    irr_sign_changes: "变号 %(n)s 次" };
  assert.equal(irrNoteText("no return: the cash flow never turns positive", T), "无回报");
  assert.equal(irrNoteText("the cash flow changes sign 3 times, so the IRR is not unique", T), "变号 3 次");
  assert.equal(irrNoteText("", T), "无 IRR");
  assert.equal(irrNoteText("something else", T), "something else");
});
