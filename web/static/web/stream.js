// The run's live data, fed by its WebSocket (docs/streaming.md): a snapshot, then frames applied by seq,
// snapshot parts, a fresh snapshot on a gap, reconnect with ?last_seq= and back-off. No DOM: the page
// passes in what it needs (WebSocket constructor, fetch, timers) and listens through callbacks, so the
// rules are unit-tested with `node --test tests/js/`.

export const TERMINAL = ["succeeded", "failed", "cancelled"];
export const CLOSE_UNAUTHENTICATED = 4401; // web/consumers.py
export const CLOSE_FORBIDDEN = 4403;
export const BACKOFF_START_MS = 1000;
export const BACKOFF_MAX_MS = 30000;
export const AGENT_HISTORY_MAX = 20000; // per-agent states kept from frames (one per frame) for the timeline

// describe.start is an ISO instant; charts show the region's wall clock (its offset at the start; useUTC).
export function regionClockMs(iso, tz) {
  if (!iso) return 0;
  const text = String(iso);
  const ms = Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : text + "Z");
  if (Number.isNaN(ms)) return 0;
  if (!tz) return ms;
  try {
    const fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    const p = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  } catch (err) {
    return ms; // unknown time zone: show UTC
  }
}

/** Delay before reconnect attempt n (0-based failures in a row): 1 s · 2^n, at most 30 s. */
export function backoffMs(failures, baseMs = BACKOFF_START_MS, capMs = BACKOFF_MAX_MS) {
  return Math.min(capMs, baseMs * Math.pow(2, Math.max(0, failures)));
}

/** Key of the translated reason of a WebSocket close code (run_page_strings()["close_reasons"]). */
export function closeReasonKey(code) {
  if (code === 1011) return "server_error";
  if (code === 1009) return "too_large";
  if (code === 1001 || code === 1012) return "restarting";
  if (code === 1006) return "dropped";
  return "other";
}

/**
 * Joins `chunk` messages ({type: "chunk", id, index, count, text}) into the message they carry:
 * feed(text) → the parsed message, or null while a chunked message is incomplete. A chunked message
 * broken off by another one is dropped, never glued to it.
 */
export function createReassembler() {
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

function filledArray(n) {
  return new Array(Math.max(0, n)).fill(null);
}

export class RunStream {
  /**
   * @param {object} opts
   *   run: initial run dict (id, status, step, total_steps, speed_steps_per_s, …)
   *   wsUrl: (query) => full WebSocket URL;  snapshotUrl: HTTP snapshot (used when the socket is down)
   *   WebSocket, fetch, setTimeout: injected (browser globals by default)
   *   onChange(kind): after data or run changed ("snapshot" | "frame" | "part" | "run")
   *   onConn(state, detail): "connecting" | "live" | "reconnecting" | "resyncing" | "closed" | "not_allowed";
   *     detail of "reconnecting": {delayMs, attempt, code}
   */
  constructor(opts) {
    this.opts = opts;
    this.WebSocket = opts.WebSocket || globalThis.WebSocket;
    this.fetch = opts.fetch || ((...a) => globalThis.fetch(...a));
    this.setTimeout = opts.setTimeout || ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.run = Object.assign({ status: "queued", step: 0, total_steps: 0, steps_per_s: 0, error: "", eta_s: null }, opts.run || {});
    this.describe = null;
    this.startMs = 0; // wall clock of the region at step 0, encoded as UTC milliseconds
    this.stepMs = 3600e3;
    this.region = {}; // quantity -> array of values by step index
    this.agents = {}; // quantity -> value per agent (order of describe.agents) at the latest step
    this.agentSteps = []; // steps (ascending) with a recorded per-agent state, for the timeline
    this.agentHistory = new Map(); // step -> {quantity: [per agent]}
    this.agentStep = -1; // step of this.agents
    this.filled = 0; // steps with data
    this.lastSeq = -1;
    this.haveSnapshot = false;
    this.resyncing = false;
    this.socket = null;
    this.wire = createReassembler();
    this.failures = 0; // connections in a row that closed before a whole snapshot arrived
    this.partsLeft = 0; // snapshot parts still to come
    this.snapshots = 0; // counters, read by the browser tests
    this.reconnects = 0;
    this.stopped = false;
  }

  get terminal() {
    return TERMINAL.includes(this.run.status);
  }

  emit(kind) {
    if (this.opts.onChange) this.opts.onChange(kind, this);
  }

  conn(state, detail) {
    if (this.opts.onConn) this.opts.onConn(state, detail || {});
  }

  mergeRun(run) {
    if (!run) return;
    Object.assign(this.run, run);
  }

  /** Keep a per-agent state of a step; `latest` (from the stream) also makes it the current one. */
  rememberAgents(step, agents, latest = true) {
    if (!agents || !Object.keys(agents).length || step < 0) return;
    if (latest && step >= this.agentStep) {
      this.agents = agents;
      this.agentStep = step;
    }
    if (!this.agentHistory.has(step)) {
      const steps = this.agentSteps;
      if (!steps.length || steps[steps.length - 1] < step) steps.push(step);
      else {
        let i = steps.findIndex((s) => s > step);
        steps.splice(i < 0 ? steps.length : i, 0, step);
      }
      if (steps.length > AGENT_HISTORY_MAX) this.agentHistory.delete(steps.shift());
    }
    this.agentHistory.set(step, agents);
  }

  /** The per-agent state recorded at the latest step ≤ `step` (frames carry one per frame), or null
   * when none is known at or before it (never a later one: the map must not show the future). */
  agentsAt(step) {
    if (step < 0) return null;
    if (step >= this.agentStep) return this.agentStep >= 0 ? { step: this.agentStep, agents: this.agents } : null;
    const steps = this.agentSteps;
    let lo = 0;
    let hi = steps.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (steps[mid] <= step) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return null;
    return { step: steps[best], agents: this.agentHistory.get(steps[best]) };
  }

  /** Region value of quantity q at a step (null when not there). */
  value(q, step) {
    const arr = this.region[q];
    if (!arr || step < 0 || step >= arr.length) return null;
    const v = arr[step];
    return v === undefined ? null : v;
  }

  applySnapshot(msg) {
    const d = msg.describe || {};
    this.describe = d;
    this.stepMs = (d.dt_h || 1) * 3600e3;
    this.startMs = regionClockMs(d.start, (d.region || {}).tz);
    this.mergeRun(msg.run);
    if (d.total_steps) this.run.total_steps = d.total_steps;
    const total = this.run.total_steps || 0;
    this.region = {};
    let filled = 0;
    for (const [q, values] of Object.entries(msg.region || {})) {
      const arr = filledArray(Math.max(total, values.length));
      for (let i = 0; i < values.length; i++) arr[i] = values[i];
      this.region[q] = arr;
      filled = Math.max(filled, values.length);
    }
    for (const q of d.region_quantities || []) if (!(q in this.region)) this.region[q] = filledArray(total);
    this.filled = filled;
    this.agentSteps = [];
    this.agentHistory = new Map();
    this.agentStep = -1;
    this.agents = {};
    this.rememberAgents(filled - 1, msg.agents || {});
    this.lastSeq = typeof msg.seq === "number" ? msg.seq : -1;
    this.haveSnapshot = true;
    this.resyncing = false;
    this.snapshots += 1;
    this.partsLeft = msg.parts || 0;
    if (!this.partsLeft) this.failures = 0; // the stream works: the next drop retries quickly again
    this.emit("snapshot");
  }

  /** Returns "applied", "stale" (already applied), "gap" (a snapshot was requested) or "ignored". */
  applyFrame(msg) {
    if (!this.haveSnapshot || this.resyncing) return "ignored";
    if (msg.seq <= this.lastSeq) return "stale"; // already applied (replay after reconnect)
    if (msg.seq !== this.lastSeq + 1) {
      this.requestSnapshot();
      return "gap";
    }
    const from = msg.step_from || 0;
    for (const [q, values] of Object.entries(msg.region || {})) {
      let arr = this.region[q];
      if (!arr) arr = this.region[q] = filledArray(this.run.total_steps || 0);
      for (let i = 0; i < values.length; i++) arr[from + i] = values[i];
    }
    if (typeof msg.step_to === "number") this.filled = Math.max(this.filled, msg.step_to);
    if (msg.agents && Object.keys(msg.agents).length) {
      const at = typeof msg.step_to === "number" ? msg.step_to - 1 : this.filled - 1;
      this.rememberAgents(at, msg.agents);
    }
    this.lastSeq = msg.seq;
    this.mergeRun(msg.run);
    this.emit("frame");
    return "applied";
  }

  // A snapshot too large for one WebSocket message continues in parts: more steps, written by index.
  applySnapshotPart(msg) {
    if (!this.haveSnapshot || msg.seq !== this.lastSeq) return false;
    for (const [q, values] of Object.entries(msg.region || {})) {
      const arr = this.region[q] || (this.region[q] = filledArray(this.run.total_steps || 0));
      for (let i = 0; i < values.length; i++) arr[msg.step_from + i] = values[i];
    }
    this.filled = Math.max(this.filled, msg.step_to);
    this.partsLeft = Math.max(0, this.partsLeft - 1);
    if (!this.partsLeft) this.failures = 0;
    this.emit("part");
    return true;
  }

  handleMessage(text) {
    let msg;
    try {
      msg = this.wire.feed(text);
    } catch (err) {
      return null;
    }
    if (!msg || typeof msg !== "object") return null; // garbage, or more chunks to come
    if (msg.type === "snapshot" || msg.type === "frame") this.conn("live");
    if (msg.type === "snapshot") this.applySnapshot(msg);
    else if (msg.type === "snapshot_part") this.applySnapshotPart(msg);
    else if (msg.type === "frame") this.applyFrame(msg);
    else if (msg.type === "run" || msg.type === "status") {
      this.mergeRun(msg.run || msg);
      this.emit("run");
    }
    return msg.type;
  }

  requestSnapshot() {
    this.resyncing = true;
    this.conn("resyncing");
    const s = this.socket;
    if (s && s.readyState === 1) {
      s.send(JSON.stringify({ type: "snapshot" }));
      return Promise.resolve();
    }
    return this.fetch(this.opts.snapshotUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then((snap) => this.applySnapshot(snap))
      .catch(() => this.conn("reconnecting", { delayMs: backoffMs(this.failures), attempt: this.failures + 1, code: 0, reason: "other" }));
  }

  /** Query of the next connection: resume after the last applied frame, unless a resync is pending. */
  resumeQuery() {
    return this.haveSnapshot && !this.resyncing && this.lastSeq >= 0 ? "?last_seq=" + this.lastSeq : "";
  }

  connect() {
    if (this.stopped) return null;
    const socket = new this.WebSocket(this.opts.wsUrl(this.resumeQuery()));
    this.socket = socket;
    this.wire = createReassembler(); // chunks never span connections
    if (!this.failures) this.conn("connecting");
    socket.addEventListener("open", () => {
      if (!this.failures) this.conn("live"); // while failing, "live" waits for a whole snapshot or frame
    });
    socket.addEventListener("message", (ev) => this.handleMessage(ev.data));
    socket.addEventListener("close", (ev) => this.onClose(ev));
    return socket;
  }

  onClose(ev) {
    this.socket = null;
    if (this.stopped) return;
    if (ev.code === CLOSE_UNAUTHENTICATED || ev.code === CLOSE_FORBIDDEN) {
      this.conn("not_allowed", { code: ev.code }); // logged out or not the owner: reconnecting cannot help
      return;
    }
    if (this.terminal && this.haveSnapshot && !this.partsLeft) {
      this.conn("closed", { code: ev.code });
      return;
    }
    // Back off exponentially (1 s … 30 s) while connections keep failing, and say why.
    const delayMs = backoffMs(this.failures);
    this.conn("reconnecting", { delayMs, attempt: this.failures + 1, code: ev.code, reason: closeReasonKey(ev.code) });
    this.failures += 1;
    this.reconnects += 1;
    this.setTimeout(() => this.connect(), delayMs);
  }

  stop() {
    this.stopped = true;
    if (this.socket) this.socket.close();
  }
}
