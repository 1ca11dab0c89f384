// Grid outages of a run's KPIs (kpis.outages, agents/outages.py) as rows for the results table: one block per
// event, in step order, a row per affected data center (in the page's language) and the event's total.

/** [{n, startStep, hours, sites: [{id, name, values}], total}] from kpis.outages; [] without outages.
 * `names` maps an agent id to its name on this page; `columns` are the KPI keys shown per row. */
export function outageBlocks(outages, names, columns) {
  const events = (outages && outages.events) || {};
  const pick = (v) => Object.fromEntries(columns.map((c) => [c, typeof (v || {})[c] === "number" ? v[c] : null]));
  return Object.entries(events)
    .map(([key, e]) => ({
      n: Number(key) + 1,
      startStep: Number.isFinite(e.start_step) ? e.start_step : null,
      hours: typeof e.off_grid_h === "number" ? e.off_grid_h : null,
      sites: Object.entries(e.sites || {}).map(([id, v]) => ({ id, name: (names && names[id]) || id, values: pick(v) })),
      total: pick(e),
    }))
    .sort((a, b) => (a.startStep ?? 0) - (b.startStep ?? 0) || a.n - b.n);
}
