// Contract Lab logic without the DOM (unit-tested with `node --test tests/js`): which agents may be a party,
// a draft from a template, the server's errors on the draft's fields, and the results against the
// counterfactual (kpis.contracts of the run, agents.contract_eval) as table rows, chart series, ledger groups,
// CSV, and the sensitivity sweep's tornado and price × volume grid. Nothing here computes a result: it
// arranges what the server sent.
import { uniqueId } from "./builder.js";
import { localName } from "./names.js";

// Actors of the scenario that may take a party field whose accepted actor types are `types`.
export function eligibleActors(actors, types) {
  const wanted = new Set(types || []);
  return (actors || []).filter((a) => a && typeof a.id === "string" && wanted.has(a.type));
}

// A party pick for every party field: the current pick when still eligible, else the first eligible actor
// not already taken by another party (two different agents where the scenario has them), else "".
export function defaultParties(parties, actors, current) {
  const out = {};
  const taken = new Set();
  for (const [field, types] of Object.entries(parties || {})) {
    const options = eligibleActors(actors, types).map((a) => a.id);
    const keep = current && options.includes(current[field]) ? current[field] : "";
    out[field] = keep || options.find((id) => !taken.has(id)) || options[0] || "";
    if (out[field]) taken.add(out[field]);
  }
  return out;
}

// Contracts of `doc` the draft replaces: those between the same parties, whatever their type (web.lab.lab_document).
export function replacedBy(doc, draft, partyFields) {
  if (!partyFields.length) return [];
  return ((doc && doc.contracts) || []).filter((c) => c && partyFields.every((f) => c[f] === draft[f]));
}

// The draft of a contract from a template: a copy of its contract, with the chosen parties and an id no other
// entry of the scenario uses (a contract the draft replaces may keep its id).
export function draftFromTemplate(template, { doc, parties } = {}) {
  const draft = JSON.parse(JSON.stringify((template && template.contract) || {}));
  Object.assign(draft, parties || {});
  const replaced = new Set(replacedBy(doc, draft, Object.keys(parties || {})).map((c) => c.id));
  const taken = [];
  for (const key of ["actors", "contracts", "events"]) {
    for (const e of (doc && doc[key]) || []) if (e && e.id && !replaced.has(e.id)) taken.push(e.id);
  }
  draft.id = uniqueId(draft.id || draft.type || "contract", taken);
  return draft;
}

// The server's check ({errors: [{loc, msg, field?}]}) split into errors on the draft's fields (json-editor
// paths "root.<field>", each on the deepest path the form shows: `has(path)`) and the others (elsewhere in the
// scenario, with their loc).
export function splitErrors(errors, has) {
  const fields = new Map();
  const other = [];
  for (const e of errors || []) {
    if (e.field === undefined || e.field === null) {
      other.push({ loc: String(e.loc || ""), msg: String(e.msg || "") });
      continue;
    }
    const parts = String(e.field).split(".").filter((p) => p !== "");
    let path = "root";
    for (let n = parts.length; n > 0; n--) {
      const candidate = "root." + parts.slice(0, n).join(".");
      if (!has || has(candidate)) {
        path = candidate;
        break;
      }
    }
    if (!fields.has(path)) fields.set(path, []);
    fields.get(path).push(String(e.msg || ""));
  }
  return { fields, other };
}

// json-editor's error objects for root.showValidationErrors.
export function editorErrorList(fields) {
  const list = [];
  for (const [path, msgs] of fields) for (const message of msgs) list.push({ path, property: "server", message });
  return list;
}

export function fmt(template, values) {
  return String(template).replace(/%\((\w+)\)s/g, (m, k) => (k in values ? values[k] : m));
}

// Progress of the run for the status line: {fraction 0..1, text, done, ok}.
export function runProgress(run, T) {
  const total = Number(run && run.total_steps) || 0;
  const step = Number(run && run.step) || 0;
  const fraction = run && typeof run.progress === "number" ? run.progress : total ? step / total : 0;
  const status = (run && run.status) || "queued";
  if (status === "succeeded") return { fraction: 1, text: T.succeeded, done: true, ok: true };
  if (status === "failed") return { fraction, text: fmt(T.failed, { error: run.error || "" }), done: true, ok: false };
  if (status === "cancelled") return { fraction, text: T.cancelled, done: true, ok: false };
  if (status === "queued") return { fraction, text: T.queued, done: false, ok: true };
  // The worker runs the counterfactual (the scenario without the contract) once the run's steps are done.
  if (total && step >= total) return { fraction: 1, text: T.counterfactual, done: false, ok: true };
  return { fraction, text: fmt(T.running, { step, total }), done: false, ok: true };
}

// Who may be a party in `doc`: every actor ({id, name, type}) and every demand-response aggregator (type
// "aggregator", an id of demand_response.aggregators); names in `lang` (name_zh on Chinese pages).
export function partyCandidates(doc, lang) {
  const out = [];
  for (const a of (doc && doc.actors) || []) {
    if (a && typeof a.id === "string") out.push({ id: a.id, name: localName(a, lang), type: a.type });
  }
  const aggregators = (doc && doc.demand_response && doc.demand_response.aggregators) || [];
  for (const a of aggregators) {
    if (a && typeof a.id === "string") out.push({ id: a.id, name: localName(a, lang), type: "aggregator" });
  }
  return out;
}

// The first template of the list whose every party field has an eligible candidate in `doc` (else the first).
export function bestTemplate(templates, types, doc) {
  const candidates = partyCandidates(doc);
  const usable = (templates || []).filter((t) => types && types[t.type]);
  const fits = usable.find((t) => Object.values(types[t.type].parties || {})
    .every((kinds) => eligibleActors(candidates, kinds).length > 0));
  return fits || usable[0] || null;
}

// ------------------------------------------------------------------ results against the counterfactual

// A party's figures in kpis.contracts (agents.contract_eval) → label key in the strings; units come from the
// units table (config.units).
const FIGURES = [
  { key: "npv_cny", label: "npv" },
  { key: "irr_pu", label: "irr" },
  { key: "simple_payback_years", label: "payback_simple" },
  { key: "discounted_payback_years", label: "payback_discounted" },
  { key: "annual_change_cny", label: "annual_change" },
  { key: "investment_cny", label: "capex" },
  { key: "co2_location_change_t", label: "co2_location" },
  { key: "co2_market_change_t", label: "co2_market" },
];
// Ledger categories of agents.ledger: a party's signed total of each is `<category>_cny` in its KPIs.
export const CATEGORIES = ["energy", "capacity", "event", "penalty", "certificates", "tolling", "capex", "opex"];
export { FIGURES };

function cashFlows(p) {
  return Array.isArray(p.cash_flows_cny) ? p.cash_flows_cny.map(Number) : [];
}

// A party's ledger: per category its signed total (+ received, − paid) and, where the KPIs list them, the line
// items (payer → payee) of that category the party is in.
function ledgerOf(partyId, p, contract) {
  const items = Array.isArray(contract.items) ? contract.items : [];
  return CATEGORIES.filter((cat) => typeof p[cat + "_cny"] === "number").map((cat) => ({
    category: cat,
    totalCny: p[cat + "_cny"],
    items: items.filter((i) => i.category === cat && (i.payer_id === partyId || i.payee_id === partyId))
      .map((i) => ({ payer: i.payer_id, payee: i.payee_id, amountCny: Number(i.amount_cny),
        signedCny: (i.payee_id === partyId ? 1 : -1) * Number(i.amount_cny) })),
  }));
}

// The results of contract `contractId` in a run's KPIs (kpis.contracts: the ledger's summary with, per party,
// the figures against the counterfactual), seller first, then buyer, then others (a sleeving grid operator):
// {id, type, ratePu, termYears, volumeMwh, events, parties: [{id, role, figures, irrNote, cashFlows, ledger,
// netCny}]}, or null when the KPIs have no parties for it.
export function contractResult(kpis, contractId) {
  const contract = kpis && kpis.contracts && kpis.contracts[contractId];
  if (!contract || typeof contract !== "object" || !contract.parties) return null;
  const order = (p) => (p.id === contract.seller_id ? 0 : p.id === contract.buyer_id ? 1 : 2);
  const parties = Object.entries(contract.parties).map(([id, p]) => ({
    id,
    role: p.role || (id === contract.seller_id ? "seller" : id === contract.buyer_id ? "buyer" : ""),
    figures: Object.fromEntries(FIGURES.map((f) => [f.key, typeof p[f.key] === "number" ? p[f.key] : null])),
    irrNote: p.irr_reason || null,
    cashFlows: cashFlows(p),
    ledger: ledgerOf(id, p, contract),
    netCny: typeof p.net_cny === "number" ? p.net_cny : null,
  })).sort((a, b) => order(a) - order(b));
  if (!parties.length) return null;
  return {
    id: contractId, type: contract.type || "",
    ratePu: typeof contract.discount_rate_pu === "number" ? contract.discount_rate_pu : null,
    termYears: contract.term_years ?? null,
    volumeMwh: typeof contract.volume_mwh === "number" ? contract.volume_mwh : null,
    events: Array.isArray(contract.events) ? contract.events : [],
    evaluated: parties.some((p) => p.figures.npv_cny !== null),
    parties,
  };
}

// Rows of the side-by-side table: one per figure, a cell per party ({value, note}); the IRR cell says why
// there is none when the server sent a note instead of a number.
export function figureRows(result) {
  return FIGURES.map((f) => ({
    ...f,
    cells: result.parties.map((p) => ({
      value: p.figures[f.key],
      note: f.key === "irr_pu" && (p.figures[f.key] === null || p.figures[f.key] === undefined) ? (p.irrNote || "") : "",
    })),
  }));
}

// Why a party has no IRR, in the page's language: the model's reason (agents.finance.irr_pu) looked up in
// T.irr_reasons, "changes sign N times" through T.irr_sign_changes; an unknown reason as it is; none → T.irr_none.
export function irrNoteText(note, T) {
  if (!note) return T.irr_none || "";
  const known = (T.irr_reasons || {})[note];
  if (known) return known;
  const m = /^the cash flow changes sign (\d+) times, so the IRR is not unique$/.exec(note);
  return m && T.irr_sign_changes ? fmt(T.irr_sign_changes, { n: m[1] }) : note;
}

// Yearly cash flows of every party (bars) and their running sums (lines), over the longest party's years.
export function cashFlowSeries(result) {
  const years = Math.max(0, ...result.parties.map((p) => p.cashFlows.length));
  return {
    years: Array.from({ length: years }, (_, i) => i),
    parties: result.parties.map((p) => {
      const bars = Array.from({ length: years }, (_, i) => (Number.isFinite(p.cashFlows[i]) ? p.cashFlows[i] : null));
      let sum = 0;
      const cumulative = bars.map((v) => (sum += v || 0));
      return { id: p.id, bars, cumulative };
    }),
  };
}

// The ledger side by side: a row per category with a non-zero amount for some party, {category, totals (one
// per party), items: [{payer, payee, signed (one per party: + received, − paid, null when not a party)}],
// events (demand response: the measured calls, on the event and penalty rows)}.
export function ledgerRows(result) {
  const rows = [];
  for (const category of CATEGORIES) {
    const totals = result.parties.map((p) => {
      const entry = p.ledger.find((l) => l.category === category);
      return entry ? entry.totalCny : 0;
    });
    if (totals.every((v) => Math.abs(v) < 1e-9)) continue;
    const seen = new Map();
    for (const p of result.parties) {
      const entry = p.ledger.find((l) => l.category === category);
      for (const item of (entry && entry.items) || []) {
        const key = item.payer + "→" + item.payee;
        if (!seen.has(key)) seen.set(key, { payer: item.payer, payee: item.payee, amountCny: item.amountCny });
      }
    }
    const items = [...seen.values()].map((i) => ({
      ...i,
      signed: result.parties.map((p) => (p.id === i.payee ? i.amountCny : p.id === i.payer ? -i.amountCny : null)),
    }));
    const events = category === "event" || category === "penalty" ? result.events.filter((e) => e.measured) : [];
    rows.push({ category, totals, items, events });
  }
  return rows;
}

function csvCell(value) {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n;]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

// The comparison as CSV: a row per figure (its unit from the units table `units`, a column per party), the
// ledger's totals per category, then the yearly cash flows.
export function comparisonCsv(result, names, units = {}) {
  const unit = (key) => (units[key] && units[key].unit) || "";
  const lines = [["figure", "unit", ...result.parties.map((p) => (names[p.id] || p.id) + " (" + p.id + ")")]];
  for (const row of figureRows(result)) {
    lines.push([row.key, unit(row.key), ...row.cells.map((c) => (c.value === null || c.value === undefined ? c.note : c.value))]);
  }
  for (const row of ledgerRows(result)) lines.push(["ledger_" + row.category + "_cny", unit(row.category + "_cny"), ...row.totals]);
  lines.push(["ledger_net_cny", unit("net_cny"), ...result.parties.map((p) => p.netCny)]);
  const flows = cashFlowSeries(result);
  for (const year of flows.years) {
    lines.push(["cash_flow_cny_year_" + year, unit("npv_cny"), ...flows.parties.map((p) => p.bars[year])]);
  }
  return lines.map((cells) => cells.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

// ------------------------------------------------------------------ sensitivity (sweeps API, docs/sweeps.md)

// The scenario with the draft in it, as the server builds it (web.lab.lab_document): a contract of the same
// type between the same parties is replaced; the draft goes last.
export function labDocument(doc, draft, partyFields) {
  const out = JSON.parse(JSON.stringify(doc || {}));
  const replaced = new Set(replacedBy(out, draft, partyFields));
  out.contracts = [...(out.contracts || []).filter((c) => !replaced.has(c)), JSON.parse(JSON.stringify(draft))];
  return { doc: out, index: out.contracts.length - 1 };
}

// The KPI path of a party's figure in kpis.json (agents.contract_eval): contracts.<id>.parties.<party>.<name>.
export function partyKpi(contractId, partyId, name = "npv_cny") {
  return "contracts." + contractId + ".parties." + partyId + "." + name;
}

// The draft's numeric terms that are set and non-zero ({path, value, ...meta}), in the order of `terms` (the
// server's {path: {title, unit, kind, integer}} of the contract type, web.lab.numeric_terms).
export function numericTerms(draft, terms) {
  const out = [];
  for (const [path, meta] of Object.entries(terms || {})) {
    const value = path.split(".").reduce((node, part) => (node && typeof node === "object" ? node[part] : undefined), draft);
    if (typeof value === "number" && Number.isFinite(value) && value !== 0) out.push({ path, value, ...meta });
  }
  return out;
}

// Field names that set a contract's price, in order of preference (an energy price, a capacity price, the
// index factor or savings share that makes the price).
const PRICE_FIELDS = ["price_cny_per_mwh", "strike_price_cny_per_mwh", "capacity_payment_cny_per_mw_year",
  "lease_cny_per_mw_month", "factor_pu", "seller_share_pu", "event_payment_cny_per_mwh", "tolling_fee_cny_per_mwh"];
const VOLUME_KINDS = ["power", "energy", "energy_rate"];
const field = (path) => path.split(".").pop();

function priceTerm(terms) {
  for (const name of PRICE_FIELDS) {
    const t = terms.find((x) => field(x.path) === name);
    if (t) return t;
  }
  return terms.find((t) => t.kind === "price") || null;
}

function termRank(t, price) {
  if (t === price) return 0;
  if (PRICE_FIELDS.includes(field(t.path))) return 1;
  if (VOLUME_KINDS.includes(t.kind) || field(t.path) === "share_pu") return 2;
  if (field(t.path) === "discount_rate_pu") return 3;
  if (t.kind === "money") return 4;
  if (field(t.path) === "term_years") return 5;
  if (t.kind === "price") return 6;
  return 7;
}

// The main terms of a draft for the tornado: what sets its price, its volume, the discount rate, investments,
// the term, other prices — at most `max`.
export function mainTerms(draft, terms, max = 6) {
  const all = numericTerms(draft, terms);
  const price = priceTerm(all);
  return all.map((t, i) => ({ t, i, rank: termRank(t, price) })).sort((a, b) => a.rank - b.rank || a.i - b.i)
    .slice(0, max).map((x) => x.t);
}

// A term's low and high value: ±`share` around the base; integers (a term in years) stay integers ≥ 1, shares
// stay ≤ 1; values equal to the base are dropped.
export function lowHigh(term, share = 0.2) {
  const { value } = term;
  let low = value * (1 - share);
  let high = value * (1 + share);
  if (term.integer) {
    low = Math.max(1, Math.round(low));
    high = Math.max(low + 1, Math.round(high));
  } else {
    low = Math.round(low * 1e6) / 1e6;
    high = Math.round(high * 1e6) / 1e6;
  }
  if (term.kind === "share") high = Math.min(1, high);
  return [low, high].filter((v, i, a) => v !== value && a.indexOf(v) === i);
}

// Price and volume of the heatmap (sweep paths into the scenario document, with title and unit): the term that
// sets the contract's price, and its volume term (power or energy) or else the seller's own capacity the type
// names (`volumeOfSeller`: a waste-heat deal carries at most the seller's heat-pump capacity).
export function priceVolume(draft, terms, doc, index, volumeOfSeller) {
  const all = numericTerms(draft, terms);
  const price = priceTerm(all);
  const volume = all.find((t) => VOLUME_KINDS.includes(t.kind) && t !== price)
    || all.find((t) => field(t.path) === "share_pu" && t !== price); // a PPA's share of the plant's output
  let vol = volume ? { path: "contracts." + index + "." + volume.path, base: volume.value, title: volume.title,
    ...(volume.kind === "share" ? { share: true } : {}) } : null;
  if (!vol && volumeOfSeller) {
    const seller = ((doc && doc.actors) || []).find((a) => a.id === draft.seller_id);
    const base = volumeOfSeller.path.split(".").reduce((n, p) => (n && typeof n === "object" ? n[p] : undefined), seller);
    if (typeof base === "number" && base > 0) {
      vol = { path: "actors." + seller.id + "." + volumeOfSeller.path, base, title: volumeOfSeller.title };
    }
  }
  if (!price || !vol) return null;
  return { price: { path: "contracts." + index + "." + price.path, base: price.value, title: price.title }, volume: vol };
}

// The two sweep definitions of the sensitivity view (POST /api/sweeps/ bodies): a one-at-a-time sweep of the
// main terms (the tornado) and a 3 × 3 price × volume grid; each asks only for the parties' NPVs.
export function sweepBodies({ doc, draft, type, parties, seed, name }) {
  const partyFields = Object.keys((type && type.parties) || {});
  const { doc: scenario, index } = labDocument(doc, draft, partyFields);
  const kpis = parties.map((p) => partyKpi(draft.id, p));
  const seeds = Number.isInteger(seed) ? [seed] : undefined;
  const titles = {};
  const params = [];
  for (const t of mainTerms(draft, type.terms)) {
    const values = lowHigh(t);
    if (!values.length) continue;
    params.push({ path: "contracts." + index + "." + t.path, values });
    titles["contracts." + index + "." + t.path] = t.title;
  }
  const tornado = params.length
    ? { scenario, name: name + " · tornado", mode: "one_at_a_time", params, kpis, ...(seeds ? { seeds } : {}) } : null;
  const pv = priceVolume(draft, type.terms, doc, index, type.volume_of_seller);
  let grid = null;
  if (pv) {
    const round = (x) => Math.round(x * 1e4) / 1e4;
    titles[pv.price.path] = pv.price.title;
    titles[pv.volume.path] = pv.volume.title;
    grid = {
      scenario, name: name + " · price × volume", mode: "grid", kpis, ...(seeds ? { seeds } : {}),
      params: [
        { path: pv.price.path, values: [0.8, 1, 1.2].map((f) => round(pv.price.base * f)) },
        { path: pv.volume.path, values: [...new Set([0.5, 1, 1.5].map((f) => round(pv.volume.base * f))
          .map((v) => (pv.volume.share ? Math.min(1, v) : v)))] },
      ],
    };
  }
  return { tornado, grid, index, titles };
}

// Tornado bars of one KPI from a one_at_a_time sweep's results: per varied path, the KPI at its low and high
// value minus the base point's, largest swing first.
export function tornadoBars(results, kpi) {
  const rows = (results && results.rows) || [];
  const baseRow = rows.find((r) => r.varied === null || r.varied === undefined);
  const base = baseRow && baseRow.mean ? baseRow.mean[kpi] : null;
  if (!Number.isFinite(base)) return { base: null, bars: [] };
  const byPath = new Map();
  for (const r of rows) {
    if (!r.varied || !r.mean || !Number.isFinite(r.mean[kpi])) continue;
    const value = r.params[r.varied];
    if (!byPath.has(r.varied)) byPath.set(r.varied, []);
    byPath.get(r.varied).push({ value, delta: r.mean[kpi] - base });
  }
  const bars = [];
  for (const [path, points] of byPath) {
    points.sort((a, b) => a.value - b.value);
    const low = points[0];
    const high = points[points.length - 1];
    bars.push({ path, low: low.value, high: high.value,
      lowDelta: low.delta, highDelta: points.length > 1 ? high.delta : null,
      swing: Math.max(...points.map((p) => Math.abs(p.delta))) });
  }
  bars.sort((a, b) => b.swing - a.swing);
  return { base, bars };
}

// Heatmap cells of one KPI from a grid sweep over two paths: {xs, ys, cells: [[xi, yi, value]], min, max}.
export function heatmapCells(results, xPath, yPath, kpi) {
  const rows = (results && results.rows) || [];
  const xs = [...new Set(rows.map((r) => r.params[xPath]))].sort((a, b) => a - b);
  const ys = [...new Set(rows.map((r) => r.params[yPath]))].sort((a, b) => a - b);
  const cells = [];
  for (const r of rows) {
    const v = r.mean ? r.mean[kpi] : null;
    if (!Number.isFinite(v)) continue;
    cells.push([xs.indexOf(r.params[xPath]), ys.indexOf(r.params[yPath]), v]);
  }
  const values = cells.map((c) => c[2]);
  return { xs, ys, cells, min: values.length ? Math.min(...values) : 0, max: values.length ? Math.max(...values) : 0 };
}
