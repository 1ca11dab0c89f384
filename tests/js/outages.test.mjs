// Grid-outage blocks of the run page's results (web/static/web/outages.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { outageBlocks } from "../../web/static/web/outages.js";

const COLUMNS = ["backup_energy_mwh", "unserved_it_mwh"];

test("one block per outage in step order, a row per site with its name, the event's total", () => {
  const outages = {
    events_count: 2, backup_energy_mwh: 90,
    events: {
      0: { start_step: 40, off_grid_h: 2, backup_energy_mwh: 10, unserved_it_mwh: 0,
           sites: { dc1: { backup_energy_mwh: 10, unserved_it_mwh: 0 } } },
      1: { start_step: 18, off_grid_h: 12, backup_energy_mwh: 80, unserved_it_mwh: 6.5,
           sites: { dc1: { backup_energy_mwh: 50, unserved_it_mwh: 0 }, dc2: { backup_energy_mwh: 30, unserved_it_mwh: 6.5 } } },
    },
  };
  const blocks = outageBlocks(outages, { dc1: "金山 IDC 001" }, COLUMNS);
  assert.deepEqual(blocks.map((b) => [b.n, b.startStep, b.hours]), [[2, 18, 12], [1, 40, 2]]);
  assert.deepEqual(blocks[0].sites.map((s) => s.name), ["金山 IDC 001", "dc2"]);
  assert.deepEqual(blocks[0].sites[1].values, { backup_energy_mwh: 30, unserved_it_mwh: 6.5 });
  assert.deepEqual(blocks[0].total, { backup_energy_mwh: 80, unserved_it_mwh: 6.5 });
});

test("no outages, no blocks; a missing figure is null", () => {
  assert.deepEqual(outageBlocks(undefined, {}, COLUMNS), []);
  assert.deepEqual(outageBlocks({ events_count: 0, events: {} }, {}, COLUMNS), []);
  const [b] = outageBlocks({ events: { 0: { sites: { x: {} } } } }, {}, COLUMNS);
  assert.deepEqual(b.sites[0].values, { backup_energy_mwh: null, unserved_it_mwh: null });
  assert.equal(b.startStep, null);
});
