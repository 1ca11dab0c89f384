// The timeline cursor: follow live, scrub to a completed step, play and stop at the last completed step.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Cursor, stepLabel } from "../../web/static/web/timeline.js";

test("live by default: the latest completed step", () => {
  const c = new Cursor();
  assert.equal(c.shown(0), -1);
  assert.equal(c.shown(10), 9);
  assert.equal(c.live, true);
});

test("scrub is clamped to completed steps and stays put while the run grows", () => {
  const c = new Cursor();
  c.scrub(3.4, 10);
  assert.equal(c.shown(10), 3);
  assert.equal(c.shown(50), 3);
  c.scrub(99, 10);
  assert.equal(c.shown(10), 9);
  c.scrub(-5, 10);
  assert.equal(c.shown(10), 0);
  c.follow();
  assert.equal(c.shown(50), 49);
});

test("play advances by the speed and stops at the last completed step", () => {
  const c = new Cursor();
  c.speed = 4;
  c.play(10); // live → from the start
  assert.equal(c.shown(10), 0);
  assert.equal(c.tick(10), true);
  assert.equal(c.shown(10), 4);
  c.tick(10);
  c.tick(10);
  assert.equal(c.shown(10), 9);
  assert.equal(c.playing, false);
  assert.equal(c.tick(10), false);
  c.pause(10);
  assert.equal(c.playing, false);
});

test("labels read the region's wall clock", () => {
  assert.equal(stepLabel(Date.UTC(2025, 0, 1), 3600e3, 13), "2025-01-01 13:00");
  assert.equal(stepLabel(0, 3600e3, -1), "—");
});
