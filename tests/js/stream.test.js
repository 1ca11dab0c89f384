// RunStream: the client rules of docs/streaming.md, with a fake WebSocket and timers (no DOM, no network).
import { test } from "node:test";
import assert from "node:assert/strict";
import { RunStream, regionClockMs, backoffMs, closeReasonKey, createReassembler, BACKOFF_START_MS, BACKOFF_MAX_MS } from "../../web/static/web/stream.js";

class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.handlers = {};
    FakeSocket.all.push(this);
  }
  addEventListener(type, fn) {
    (this.handlers[type] = this.handlers[type] || []).push(fn);
  }
  fire(type, ev) {
    for (const fn of this.handlers[type] || []) fn(ev || {});
  }
  open() {
    this.readyState = 1;
    this.fire("open");
  }
  message(obj) {
    this.fire("message", { data: JSON.stringify(obj) });
  }
  send(text) {
    this.sent.push(JSON.parse(text));
  }
  close(code = 1006) {
    this.readyState = 3;
    this.fire("close", { code });
  }
}

function makeStream(extra) {
  FakeSocket.all = [];
  const timers = [];
  const conn = [];
  const stream = new RunStream({
    run: { id: "r1", status: "running", total_steps: 6 },
    wsUrl: (q) => "ws://test/ws/runs/r1/" + q,
    snapshotUrl: "/api/runs/r1/snapshot/",
    WebSocket: FakeSocket,
    setTimeout: (fn, ms) => timers.push({ fn, ms }),
    fetch: () => Promise.reject(new Error("offline")),
    onConn: (state, detail) => conn.push([state, detail]),
    ...(extra || {}),
  });
  return { stream, timers, conn };
}

const DESCRIBE = { start: "2025-01-01T00:00:00+00:00", dt_h: 1, total_steps: 6, region: { tz: "UTC" },
  agents: [{ id: "a" }, { id: "b" }], region_quantities: ["load_mw", "price_cny_per_mwh"] };

function snapshot(seq, values) {
  return { type: "snapshot", seq, run: { status: "running", step: values.length }, describe: DESCRIBE,
    region: { load_mw: values, price_cny_per_mwh: values.map((v) => v * 10) }, agents: { power_mw: [1, 2], heat_mw: [0, 0] } };
}

function frame(seq, from, values, agents) {
  return { type: "frame", seq, step_from: from, step_to: from + values.length, run: { status: "running", step: from + values.length },
    region: { load_mw: values, price_cny_per_mwh: values.map((v) => v * 10) }, agents: agents || {} };
}

test("a snapshot then frames in order fill the series by index", () => {
  const { stream } = makeStream();
  const s = stream.connect();
  s.open();
  s.message(snapshot(3, [1, 2]));
  assert.equal(stream.filled, 2);
  assert.equal(stream.region.load_mw.length, 6); // preallocated for the horizon
  s.message(frame(4, 2, [3, 4], { power_mw: [5, 6], heat_mw: [0, 1] }));
  assert.deepEqual(stream.region.load_mw.slice(0, 4), [1, 2, 3, 4]);
  assert.equal(stream.lastSeq, 4);
  assert.equal(stream.filled, 4);
  assert.deepEqual(stream.agents.power_mw, [5, 6]);
  assert.equal(stream.agentStep, 3);
});

test("a replayed frame is dropped and a gap asks the socket for a fresh snapshot", () => {
  const { stream } = makeStream();
  const s = stream.connect();
  s.open();
  s.message(snapshot(3, [1, 2]));
  assert.equal(stream.applyFrame(frame(3, 0, [99])), "stale");
  assert.equal(stream.region.load_mw[0], 1);
  assert.equal(stream.applyFrame(frame(6, 2, [3])), "gap");
  assert.deepEqual(s.sent, [{ type: "snapshot" }]);
  assert.equal(stream.resyncing, true);
  assert.equal(stream.applyFrame(frame(4, 2, [3])), "ignored"); // until the snapshot arrives
  s.message(snapshot(6, [1, 2, 3, 4]));
  assert.equal(stream.resyncing, false);
  assert.equal(stream.snapshots, 2);
  assert.equal(stream.filled, 4);
});

test("snapshot parts are written by index under the snapshot's seq only", () => {
  const { stream } = makeStream();
  stream.applySnapshot(snapshot(5, [1, 2]));
  assert.equal(stream.applySnapshotPart({ type: "snapshot_part", seq: 4, step_from: 2, step_to: 3, region: { load_mw: [9] } }), false);
  assert.equal(stream.applySnapshotPart({ type: "snapshot_part", seq: 5, step_from: 2, step_to: 4, region: { load_mw: [3, 4] } }), true);
  assert.deepEqual(stream.region.load_mw.slice(0, 4), [1, 2, 3, 4]);
  assert.equal(stream.filled, 4);
});

test("reconnect resumes after the last seq with doubling back-off (1 s … 30 s), reset by a whole snapshot", () => {
  const { stream, timers, conn } = makeStream();
  let s = stream.connect();
  s.open();
  s.message(snapshot(7, [1]));
  s.close(1006);
  assert.equal(timers.length, 1);
  assert.equal(timers[0].ms, BACKOFF_START_MS);
  assert.equal(conn.at(-1)[0], "reconnecting");
  assert.deepEqual(conn.at(-1)[1], { delayMs: 1000, attempt: 1, code: 1006, reason: "dropped" });
  timers[0].fn();
  s = FakeSocket.all.at(-1);
  assert.equal(s.url, "ws://test/ws/runs/r1/?last_seq=7");
  s.open(); // open is not enough: a server that closes right after accepting keeps backing off
  s.close(1011);
  assert.equal(timers[1].ms, 2 * BACKOFF_START_MS);
  assert.equal(conn.at(-1)[1].reason, "server_error");
  for (let i = 0; i < 10; i++) {
    timers.at(-1).fn();
    FakeSocket.all.at(-1).close(1006);
  }
  assert.equal(timers.at(-1).ms, BACKOFF_MAX_MS);
  timers.at(-1).fn();
  FakeSocket.all.at(-1).open();
  FakeSocket.all.at(-1).message(snapshot(9, [1, 2]));
  assert.equal(stream.failures, 0);
  FakeSocket.all.at(-1).close(1006);
  assert.equal(timers.at(-1).ms, BACKOFF_START_MS);
  assert.equal(stream.reconnects, 13);
});

test("back-off, close reasons and chunk reassembly", () => {
  assert.deepEqual([0, 1, 2, 5, 9].map((n) => backoffMs(n)), [1000, 2000, 4000, 30000, 30000]);
  assert.equal(closeReasonKey(1009), "too_large");
  assert.equal(closeReasonKey(1012), "restarting");
  assert.equal(closeReasonKey(4000), "other");
  const join = createReassembler();
  const text = JSON.stringify({ type: "snapshot", seq: 1, region: { load_mw: [1, 2, 3] } });
  const parts = [];
  for (let i = 0; i < text.length; i += 9) parts.push(text.slice(i, i + 9));
  const msgs = parts.map((t, index) => JSON.stringify({ type: "chunk", id: "x", index, count: parts.length, text: t }));
  assert.equal(join.feed(msgs[0]), null);
  assert.equal(join.feed(msgs[2]), null); // out of order: dropped, not glued
  const again = createReassembler();
  const out = msgs.map((m) => again.feed(m));
  assert.deepEqual(out.at(-1), JSON.parse(text));
  assert.ok(out.slice(0, -1).every((m) => m === null));
});

test("a chunked snapshot over the socket is applied once whole", () => {
  const { stream } = makeStream();
  const s = stream.connect();
  s.open();
  const text = JSON.stringify(snapshot(4, [1, 2, 3]));
  const half = Math.floor(text.length / 2);
  s.message({ type: "chunk", id: "s", index: 0, count: 2, text: text.slice(0, half) });
  assert.equal(stream.haveSnapshot, false);
  s.message({ type: "chunk", id: "s", index: 1, count: 2, text: text.slice(half) });
  assert.equal(stream.haveSnapshot, true);
  assert.equal(stream.filled, 3);
});

test("a finished run whose snapshot parts are still missing reconnects", () => {
  const { stream, timers } = makeStream();
  const s = stream.connect();
  s.open();
  s.message({ ...snapshot(1, [1, 2]), run: { status: "succeeded", step: 6 }, parts: 2 });
  s.close(1006);
  assert.equal(timers.length, 1);
});

test("a resync pending at reconnect asks for a snapshot instead of a replay", () => {
  const { stream, timers } = makeStream();
  const s = stream.connect();
  s.open();
  s.message(snapshot(2, [1]));
  s.readyState = 3; // socket already gone: the HTTP snapshot fails offline, the stream stays resyncing
  stream.applyFrame(frame(9, 1, [2]));
  s.close(1006);
  timers.at(-1).fn();
  assert.equal(FakeSocket.all.at(-1).url, "ws://test/ws/runs/r1/");
});

test("logged out or forbidden: no reconnect loop; a finished run closes quietly", () => {
  for (const code of [4401, 4403]) {
    const { stream, timers, conn } = makeStream();
    stream.connect().close(code);
    assert.equal(timers.length, 0);
    assert.equal(conn.at(-1)[0], "not_allowed");
  }
  const { stream, timers, conn } = makeStream();
  const s = stream.connect();
  s.open();
  s.message({ ...snapshot(1, [1, 2, 3, 4, 5, 6]), run: { status: "succeeded", step: 6 } });
  s.close(1000);
  assert.equal(timers.length, 0);
  assert.equal(conn.at(-1)[0], "closed");
});

test("agentsAt gives the latest recorded state at or before a step", () => {
  const { stream } = makeStream();
  stream.applySnapshot(snapshot(0, [1]));
  stream.applyFrame(frame(1, 1, [2, 3], { power_mw: [10, 20], heat_mw: [0, 0] }));
  stream.applyFrame(frame(2, 3, [4, 5], { power_mw: [30, 40], heat_mw: [0, 0] }));
  assert.deepEqual(stream.agentSteps, [0, 2, 4]);
  assert.equal(stream.agentsAt(3).step, 2);
  assert.deepEqual(stream.agentsAt(3).agents.power_mw, [10, 20]);
  assert.equal(stream.agentsAt(4).step, 4);
  assert.equal(stream.agentsAt(0).step, 0);
  assert.equal(stream.agentsAt(-1), null);
});

test("agentsAt never answers with a later step; states fetched for the past do not replace the latest", () => {
  const { stream } = makeStream();
  stream.applySnapshot(snapshot(0, [1, 2, 3, 4])); // its agents are those of step 3
  assert.equal(stream.agentsAt(1), null);
  stream.rememberAgents(1, { power_mw: [7, 8], heat_mw: [0, 0] }, false);
  assert.deepEqual(stream.agentsAt(2).agents.power_mw, [7, 8]);
  assert.equal(stream.agentsAt(2).step, 1);
  assert.equal(stream.agentStep, 3);
  assert.deepEqual(stream.agents.power_mw, [1, 2]);
});

test("garbage messages are ignored", () => {
  const { stream } = makeStream();
  assert.equal(stream.handleMessage("not json"), null);
  assert.equal(stream.handleMessage("42"), null);
  assert.equal(stream.handleMessage(JSON.stringify({ type: "frame", seq: 1 })), "frame"); // before a snapshot: ignored
  assert.equal(stream.filled, 0);
});

test("region clock: an instant shown on the region's wall clock", () => {
  assert.equal(regionClockMs("2025-01-01T00:00:00+00:00", "Asia/Shanghai"), Date.UTC(2025, 0, 1, 8));
  assert.equal(regionClockMs("2025-01-01T00:00", ""), Date.UTC(2025, 0, 1));
  assert.equal(regionClockMs("", "UTC"), 0);
  assert.equal(regionClockMs("2025-06-01T00:00:00Z", "Not/AZone"), Date.UTC(2025, 5, 1));
});
