// node --test tests/js/ — DOM-free wire rules of the run page (web/static/web/stream.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createReassembler, backoffMs, closeReasonKey } from "../../web/static/web/stream.js";

function chunks(message, size, id = "m-1") {
  const text = JSON.stringify(message);
  const out = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.map((t, index) => JSON.stringify({ type: "chunk", id, index, count: out.length, text: t }));
}

test("chunks reassemble into the message; whole messages pass straight through", () => {
  const joiner = createReassembler();
  const snapshot = { type: "snapshot", seq: 3, describe: { agents: [{ id: "a\"\\" }] }, region: { load_mw: [1, 2] } };
  const parts = chunks(snapshot, 7);
  assert.ok(parts.length > 3);
  const results = parts.map((p) => joiner.feed(p));
  assert.deepEqual(results.slice(0, -1), new Array(parts.length - 1).fill(null));
  assert.deepEqual(results.at(-1), snapshot);
  assert.deepEqual(joiner.feed('{"type":"frame","seq":4}'), { type: "frame", seq: 4 });
});

test("a chunked message broken off by a new one is dropped, not glued to it", () => {
  const joiner = createReassembler();
  const first = chunks({ type: "frame", seq: 5, agents: { p: [1, 2, 3] } }, 5, "frame-5");
  joiner.feed(first[0]);
  const second = chunks({ type: "frame", seq: 6 }, 5, "frame-6");
  const results = second.map((p) => joiner.feed(p));
  assert.deepEqual(results.at(-1), { type: "frame", seq: 6 });
  assert.equal(joiner.feed(first[2]), null); // a stray middle chunk waits for a first one
});

test("back-off doubles per failure in a row up to its cap", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffMs(n)), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

test("close codes map to a reason the page can say", () => {
  assert.equal(closeReasonKey(1011), "server_error");
  assert.equal(closeReasonKey(1006), "dropped");
  assert.equal(closeReasonKey(1001), "restarting");
  assert.equal(closeReasonKey(4000), "other");
});
