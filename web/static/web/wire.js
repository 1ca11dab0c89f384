// WebSocket wire rules of the run stream that need no DOM (docs/streaming.md): reassembling `chunk`
// messages, and the reconnect back-off with the reason a connection closed. Loaded before run.js; in Node
// (tests/js/wire.test.mjs) the same functions are module exports.
(function (root) {
  "use strict";

  // feed(text) → the parsed message, or null while a chunked message is still incomplete.
  function createReassembler() {
    let pending = [];
    let pendingId = null;
    return {
      feed(text) {
        const msg = JSON.parse(text);
        if (!msg || msg.type !== "chunk") {
          pending = [];
          pendingId = null;
          return msg;
        }
        if (msg.index === 0 || msg.id !== pendingId || msg.index !== pending.length) {
          pending = [];
          pendingId = msg.id;
          if (msg.index !== 0) return null; // joined in the middle of a chunked message: wait for the next one
        }
        pending.push(msg.text);
        if (pending.length < msg.count) return null;
        const whole = pending.join("");
        pending = [];
        pendingId = null;
        return JSON.parse(whole);
      },
      get pendingChunks() {
        return pending.length;
      },
    };
  }

  // Delay before reconnect attempt n (0-based failures in a row): base · 2^n, at most capMs.
  function backoffMs(failures, baseMs = 1000, capMs = 30000) {
    return Math.min(capMs, baseMs * Math.pow(2, Math.max(0, failures)));
  }

  // Key of the translated reason of a close code (run_page_strings()["close_reasons"]).
  function closeReasonKey(code) {
    if (code === 1011) return "server_error";
    if (code === 1009) return "too_large";
    if (code === 1001 || code === 1012) return "restarting";
    if (code === 1006) return "dropped";
    return "other";
  }

  const api = { createReassembler, backoffMs, closeReasonKey };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.TwinWire = api;
})(typeof window !== "undefined" ? window : globalThis);
