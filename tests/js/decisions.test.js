import { test } from "node:test";
import assert from "node:assert/strict";
import { valueAt } from "../../web/static/web/decisions.js";

test("a decision form field shows a top-level strategy field or a dotted path into the target's parameters", () => {
  const dc = { kind: "carbon_aware", flex: { deadline_h: 12 },
               cold_storage: { charge_quantile: 0.33 }, backup: { strategy: { dr_margin_cny_per_mwh: 0 } } };
  assert.equal(valueAt(dc, "kind"), "carbon_aware");
  assert.deepEqual(valueAt(dc, "flex"), { deadline_h: 12 });
  assert.equal(valueAt(dc, "cold_storage.charge_quantile"), 0.33);
  assert.equal(valueAt(dc, "backup.strategy.dr_margin_cny_per_mwh"), 0);
  assert.equal(valueAt(dc, "backup.strategy.missing"), undefined);
  assert.equal(valueAt(dc, "kind.deeper"), undefined);
  assert.deepEqual(valueAt({ commitment_mw: [2] }, "commitment_mw"), [2]);
});
