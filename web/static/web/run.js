// Live run page: a WebSocket snapshot then frames (docs/streaming.md) drive the progress bar and the
// ECharts charts; controls call the REST API. Texts come translated from the server (json_script).
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("run-config").textContent);
  const T = config.i18n;
  const TERMINAL = ["succeeded", "failed", "cancelled"];
  const CLOSE_UNAUTHENTICATED = 4401; // web/consumers.py
  const CLOSE_FORBIDDEN = 4403;
  const SAMPLE_ABOVE_STEPS = 20000; // LTTB-downsample longer series (e.g. a 15-min year); keeps axis tooltips exact below

  const state = {
    run: {
      id: config.run_id, status: config.status, step: config.step, total_steps: config.total_steps,
      steps_per_s: 0, speed_steps_per_s: config.speed_steps_per_s, error: "", eta_s: null,
    },
    describe: null,
    startMs: 0, // wall clock of the region at step 0, encoded as UTC milliseconds
    stepMs: 3600e3,
    region: {}, // quantity -> array of values by step index
    agents: {}, // quantity -> value per agent (order of describe.agents) at the latest step
    filled: 0, // steps with data
    lastSeq: -1,
    haveSnapshot: false,
    resyncing: false,
    kpisLoaded: false,
    socket: null,
    failures: 0, // connections in a row that closed before a whole snapshot arrived (back-off: wire.js)
    retryTimer: null,
    dirty: false,
    snapshots: 0, // counters, read by the browser tests
    reconnects: 0,
    // Wall-clock duration: the server's value at page load, advanced locally while the run is running.
    durationS: config.duration_s,
    durationAt: performance.now(),
  };

  // ---------------------------------------------------------------- charts
  const el = (id) => document.getElementById(id);
  const charts = {};
  const SERIES = {
    power: [
      { q: "load_mw", name: T.load, color: "#1f4e79" },
      { q: "renewable_mw", name: T.renewable, color: "#2e8b57" },
      { q: "import_mw", name: T.import, color: "#b8860b" },
    ],
    price: [
      { q: "wholesale_price_cny_per_mwh", name: T.price_wholesale, color: "#8b3a3a", step: true },
      { q: "retail_price_cny_per_mwh", name: T.price_retail, color: "#4f6d8f", step: true },
    ],
    heat: [
      { q: "heat_recovered_mw", name: T.heat_recovered, color: "#c0504d", area: true },
      { q: "heat_demand_mw", name: T.heat_demand, color: "#7f7f7f" },
    ],
  };

  function baseOption(series, slider) {
    const zoom = [{ type: "inside", filterMode: "none" }];
    if (slider) zoom.push({ type: "slider", filterMode: "none", height: 16, bottom: 6, brushSelect: false, labelFormatter: "" });
    return {
      dataZoom: zoom,
      animation: false,
      useUTC: true,
      textStyle: { fontFamily: window.getComputedStyle(document.body).fontFamily },
      grid: { left: 56, right: 18, top: 34, bottom: slider ? 50 : 28 },
      tooltip: { trigger: "axis", axisPointer: { type: "line" }, valueFormatter: (v) => fmtNum(v) },
      legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 8, textStyle: { fontSize: 12 } },
      xAxis: { type: "time", axisLabel: { hideOverlap: true }, min: state.startMs, max: state.startMs + state.stepMs * Math.max(1, state.run.total_steps) },
      yAxis: { type: "value", scale: false, splitLine: { lineStyle: { color: "#eceff3" } }, axisLabel: { formatter: (v) => fmtNum(v) } },
      series: series.map((s) => ({
        name: s.name, type: "line", showSymbol: false, sampling: state.run.total_steps > SAMPLE_ABOVE_STEPS ? "lttb" : undefined, step: s.step ? "end" : false,
        lineStyle: { width: 1.4, color: s.color }, itemStyle: { color: s.color },
        areaStyle: s.area ? { opacity: 0.15 } : undefined, data: [],
      })),
    };
  }

  function initCharts() {
    if (typeof echarts === "undefined") return;
    const defs = { power: "chart-power", price: "chart-price", heat: "chart-heat" };
    for (const key of Object.keys(defs)) {
      const node = el(defs[key]);
      if (!node) continue;
      if (charts[key]) charts[key].chart.dispose();
      const present = SERIES[key].filter((s) => s.q in state.region);
      charts[key] = { chart: echarts.init(node, null, { renderer: "canvas" }), series: present };
      charts[key].chart.setOption(baseOption(present, key === "power"));
      charts[key].chart.group = "run-charts";
    }
    echarts.connect("run-charts"); // zooming one chart zooms all (same time axis)
  }

  function seriesData(q) {
    const values = state.region[q] || [];
    const n = Math.min(state.filled, values.length);
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = [state.startMs + i * state.stepMs, values[i]];
    return out;
  }

  function drawCharts() {
    for (const key of Object.keys(charts)) {
      const c = charts[key];
      c.chart.setOption({ series: c.series.map((s) => ({ data: seriesData(s.q) })) });
    }
  }

  // ---------------------------------------------------------------- agents (latest step)
  const AGENT_COLUMNS = ["power_mw", "heat_mw"];
  let agentCells = []; // per agent: {power_mw: td, heat_mw: td}

  function buildAgentTable() {
    const agents = (state.describe && state.describe.agents) || [];
    const section = el("agents");
    const body = el("agent-rows");
    agentCells = [];
    body.replaceChildren();
    section.hidden = agents.length === 0;
    for (const a of agents) {
      const tr = body.insertRow();
      const name = tr.insertCell();
      name.textContent = a.name || a.id;
      name.title = a.id;
      const type = tr.insertCell();
      type.textContent = (T.actor_types || {})[a.type] || a.type;
      type.className = "muted";
      const cells = {};
      for (const q of AGENT_COLUMNS) {
        const td = tr.insertCell();
        td.className = "num";
        td.textContent = "—";
        cells[q] = td;
      }
      agentCells.push(cells);
    }
    el("agent-count").textContent = "(" + agents.length + ")";
  }

  function drawAgents() {
    for (const q of AGENT_COLUMNS) {
      const values = state.agents[q] || [];
      for (let i = 0; i < agentCells.length; i++) {
        const v = values[i];
        const text = v === null || v === undefined ? "—" : fmtNum(v);
        if (agentCells[i][q].textContent !== text) agentCells[i][q].textContent = text;
      }
    }
  }

  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.chart.resize()));

  // ---------------------------------------------------------------- progress and status
  function fmtNum(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return "—";
    const a = Math.abs(v);
    return v.toLocaleString(undefined, { maximumFractionDigits: a >= 100 ? 0 : a >= 1 ? 2 : 4 });
  }

  function fmtSeconds(s) { return window.TwinFormat.seconds(s, T); }

  function drawProgress() {
    const r = state.run;
    const total = r.total_steps || 0;
    const frac = total ? Math.min(1, r.step / total) : 0;
    const pct = Math.floor(frac * 100);
    el("progress-pct").textContent = pct + " %";
    el("progress-steps").textContent = r.step + " / " + total;
    const bar = el("progress-bar");
    bar.setAttribute("aria-valuenow", String(pct));
    bar.firstElementChild.style.width = pct + "%";
    bar.classList.toggle("done", r.status === "succeeded");
    bar.classList.toggle("stopped", r.status === "failed" || r.status === "cancelled");
    const showRate = (r.status === "running" || r.status === "succeeded") && r.steps_per_s;
    el("progress-rate").textContent = showRate ? fmtNum(r.steps_per_s) + " " + T.steps_per_s : "—";
    el("progress-eta").textContent = r.status === "running" ? fmtSeconds(r.eta_s) : TERMINAL.includes(r.status) ? T.done : "—";
    el("progress-duration").textContent = fmtSeconds(currentDuration());

    const badge = el("run-status").querySelector(".badge");
    badge.className = "badge status status-" + r.status;
    badge.dataset.status = r.status;
    badge.textContent = T.status[r.status] || r.status;

    const errBox = el("run-error");
    errBox.hidden = !r.error;
    el("run-error-text").textContent = r.error || "";

    const active = !TERMINAL.includes(r.status);
    el("btn-pause").disabled = !(r.status === "running" || r.status === "queued");
    el("btn-resume").disabled = r.status !== "paused";
    el("btn-cancel").disabled = !active;
    el("btn-speed").disabled = !active;
    el("speed-select").disabled = !active;

    if (r.status === "succeeded") showResults();
  }

  function currentDuration() {
    const now = performance.now();
    if (state.run.status === "running") {
      if (state.durationS === null || state.durationS === undefined) state.durationS = 0;
      else state.durationS += (now - state.durationAt) / 1000;
    }
    state.durationAt = now;
    return state.durationS;
  }

  function scheduleDraw() {
    if (state.dirty) return;
    state.dirty = true;
    window.requestAnimationFrame(() => {
      state.dirty = false;
      drawProgress();
      drawCharts();
      drawAgents();
    });
  }

  function setConn(text, cls) {
    const c = el("conn-state");
    c.textContent = text;
    c.className = "conn " + (cls || "");
  }

  function syncSpeedSelect() {
    const sel = el("speed-select");
    const v = String(state.run.speed_steps_per_s || 0).replace(/\.0$/, "");
    if (![...sel.options].some((o) => o.value === v)) {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = v + " " + T.steps_per_s;
      sel.appendChild(o);
    }
    sel.value = v;
  }

  // ---------------------------------------------------------------- stream
  function mergeRun(run) {
    if (!run) return;
    const before = state.run.speed_steps_per_s;
    Object.assign(state.run, run);
    if (run.speed_steps_per_s !== undefined && run.speed_steps_per_s !== before) syncSpeedSelect();
  }

  // describe.start is an ISO instant; charts show the region's wall clock (its offset at the start; useUTC).
  function regionClockMs(iso, tz) {
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

  function applySnapshot(msg) {
    const d = msg.describe || {};
    state.describe = d;
    state.stepMs = (d.dt_h || 1) * 3600e3;
    state.startMs = regionClockMs(d.start, (d.region || {}).tz);
    mergeRun(msg.run);
    if (d.total_steps) state.run.total_steps = d.total_steps;
    const total = state.run.total_steps || 0;
    state.region = {};
    let filled = 0;
    for (const [q, values] of Object.entries(msg.region || {})) {
      const arr = new Array(Math.max(total, values.length)).fill(null);
      for (let i = 0; i < values.length; i++) arr[i] = values[i];
      state.region[q] = arr;
      filled = Math.max(filled, values.length);
    }
    for (const q of d.region_quantities || []) if (!(q in state.region)) state.region[q] = new Array(total).fill(null);
    state.filled = filled;
    state.agents = msg.agents || {};
    buildAgentTable();
    state.lastSeq = typeof msg.seq === "number" ? msg.seq : -1;
    state.haveSnapshot = true;
    state.resyncing = false;
    state.snapshots += 1;
    state.partsLeft = msg.parts || 0;
    if (!state.partsLeft) state.failures = 0; // the stream works: the next drop retries quickly again
    initCharts();
    syncSpeedSelect();
    scheduleDraw();
  }

  function applyFrame(msg) {
    if (!state.haveSnapshot || state.resyncing) return;
    if (msg.seq <= state.lastSeq) return; // already applied (replay after reconnect)
    if (msg.seq !== state.lastSeq + 1) {
      requestSnapshot();
      return;
    }
    const from = msg.step_from || 0;
    for (const [q, values] of Object.entries(msg.region || {})) {
      let arr = state.region[q];
      if (!arr) {
        arr = state.region[q] = new Array(state.run.total_steps || 0).fill(null);
      }
      for (let i = 0; i < values.length; i++) arr[from + i] = values[i];
    }
    if (typeof msg.step_to === "number") state.filled = Math.max(state.filled, msg.step_to);
    if (msg.agents && Object.keys(msg.agents).length) state.agents = msg.agents;
    state.lastSeq = msg.seq;
    mergeRun(msg.run);
    scheduleDraw();
  }

  // A snapshot too large for one WebSocket message continues in parts: more steps, written by index.
  function applySnapshotPart(msg) {
    if (!state.haveSnapshot || msg.seq !== state.lastSeq) return;
    for (const [q, values] of Object.entries(msg.region || {})) {
      const arr = state.region[q] || (state.region[q] = new Array(state.run.total_steps || 0).fill(null));
      for (let i = 0; i < values.length; i++) arr[msg.step_from + i] = values[i];
    }
    state.filled = Math.max(state.filled, msg.step_to);
    state.partsLeft = Math.max(0, (state.partsLeft || 0) - 1);
    if (!state.partsLeft) state.failures = 0;
    scheduleDraw();
  }

  function requestSnapshot() {
    state.resyncing = true;
    setConn(T.resyncing, "warn");
    const s = state.socket;
    if (s && s.readyState === WebSocket.OPEN) {
      s.send(JSON.stringify({ type: "snapshot" }));
    } else {
      fetch(config.api.snapshot, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.status))))
        .then((snap) => applySnapshot(snap))
        .catch(() => setConn(T.reconnecting, "warn"));
    }
  }

  function retryText(code) {
    const reasons = T.close_reasons || {};
    const reason = (reasons[window.TwinWire.closeReasonKey(code)] || reasons.other || "").replace("%(code)s", code);
    const delayS = Math.round(window.TwinWire.backoffMs(state.failures) / 1000);
    return T.retrying.replace("%(reason)s", reason).replace("%(seconds)s", delayS)
      .replace("%(attempt)s", state.failures + 1);
  }

  function connect() {
    state.retryTimer = null;
    const proto = window.location.protocol === "https:" ? "wss://" : "ws://";
    // Resume after the last applied frame; while a resync is pending, ask for a fresh snapshot instead.
    const query = state.haveSnapshot && !state.resyncing && state.lastSeq >= 0 ? "?last_seq=" + state.lastSeq : "";
    const socket = new WebSocket(proto + window.location.host + config.ws_path + query);
    const wire = window.TwinWire.createReassembler(); // joins `chunk` messages (docs/streaming.md)
    state.socket = socket;
    if (!state.failures) setConn(T.connecting, "");
    socket.addEventListener("open", () => {
      if (!state.failures) setConn(T.live, "ok");
    });
    socket.addEventListener("message", (ev) => {
      let msg;
      try {
        msg = wire.feed(ev.data);
      } catch (err) {
        return;
      }
      if (!msg) return; // more chunks to come
      if (msg.type === "snapshot" || msg.type === "frame") setConn(T.live, "ok");
      if (msg.type === "snapshot") applySnapshot(msg);
      else if (msg.type === "snapshot_part") applySnapshotPart(msg);
      else if (msg.type === "frame") applyFrame(msg);
      else if (msg.type === "run" || msg.type === "status") {
        mergeRun(msg.run || msg);
        scheduleDraw();
      }
    });
    socket.addEventListener("close", (ev) => {
      state.socket = null;
      if (ev.code === CLOSE_UNAUTHENTICATED || ev.code === CLOSE_FORBIDDEN) {
        setConn(T.not_allowed, "warn"); // logged out or not the owner: reconnecting cannot help
        return;
      }
      if (TERMINAL.includes(state.run.status) && state.haveSnapshot && !state.partsLeft) {
        setConn(T.closed, "");
        return;
      }
      // Back off exponentially (1 s … 30 s) while connections keep failing, and say why.
      const delay = window.TwinWire.backoffMs(state.failures);
      setConn(retryText(ev.code), "warn");
      state.failures += 1;
      state.reconnects += 1;
      state.retryTimer = window.setTimeout(connect, delay);
    });
  }

  // ---------------------------------------------------------------- controls
  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body) {
    el("control-error").hidden = true;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    }).then((r) =>
      r.json().catch(() => ({})).then((data) => {
        if (!r.ok) {
          const detail = data.detail || (data.errors || []).map((e) => (e.loc ? e.loc + ": " : "") + e.msg).join("; ");
          throw new Error(detail || T.request_failed + " (" + r.status + ")");
        }
        return data;
      })
    );
  }

  function showControlError(err) {
    const box = el("control-error");
    box.textContent = err.message || T.request_failed;
    box.hidden = false;
  }

  function control(action, extra) {
    // The stream is the authority on status and progress: the response may already be older than frames
    // that arrived while the request was in flight (e.g. the worker's "paused" frame), so only the speed
    // setting is taken from it.
    return post(config.api.control, Object.assign({ action: action }, extra || {}))
      .then((run) => {
        if (run && typeof run.speed_steps_per_s === "number") mergeRun({ speed_steps_per_s: run.speed_steps_per_s });
        scheduleDraw();
      })
      .catch(showControlError);
  }

  el("btn-pause").addEventListener("click", () => control("pause"));
  el("btn-resume").addEventListener("click", () => control("resume"));
  el("btn-cancel").addEventListener("click", () => control("cancel"));
  el("btn-speed").addEventListener("click", () =>
    control("speed", { speed_steps_per_s: parseFloat(el("speed-select").value) || 0 })
  );
  el("btn-rerun").addEventListener("click", () => {
    const seed = parseInt(el("rerun-seed").value, 10);
    post(config.api.rerun, { seed: Number.isFinite(seed) ? seed : 0 })
      .then((run) => {
        window.location.href = config.run_url_template.replace("00000000-0000-0000-0000-000000000000", run.id);
      })
      .catch(showControlError);
  });

  // ---------------------------------------------------------------- results
  const UNIT_SUFFIXES = [
    ["_cny_per_mwh", "CNY/MWh"], ["_hz_per_s", "Hz/s"], ["_hz", "Hz"], ["_kgco2_per_kwh", "kgCO₂/kWh"], ["_l_per_kwh", "L/kWh"], ["_mwh", "MWh"],
    ["_mw", "MW"], ["_kw", "kW"], ["_m3", "m³"], ["_tco2", "tCO₂"], ["_t", "t"], ["_cny", "CNY"], ["_degc", "°C"],
    ["_share", "%"], ["_h", "h"],
  ];

  function kpiRow(key, value) {
    const labels = T.kpi_labels || {};
    let unit = "";
    for (const [suffix, u] of UNIT_SUFFIXES) {
      if (key.endsWith(suffix)) {
        unit = u;
        break;
      }
    }
    if (/(^|_)share(_|$)/.test(key)) unit = "%";
    const shown = unit === "%" && typeof value === "number" ? value * 100 : value;
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.textContent = labels[key] || key;
    th.title = key;
    const td = document.createElement("td");
    td.className = "num";
    td.textContent = typeof shown === "number" ? fmtNum(shown) : String(shown);
    const tu = document.createElement("td");
    tu.className = "unit";
    tu.textContent = unit;
    tr.append(th, td, tu);
    return tr;
  }

  function kpiTable(entries) {
    const table = document.createElement("table");
    table.className = "table kpis";
    const head = table.createTHead().insertRow();
    for (const h of [T.kpi, T.value, ""]) {
      const th = document.createElement("th");
      th.textContent = h;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const [k, v] of entries) body.appendChild(kpiRow(k, v));
    return table;
  }

  function cell(row, text, cls) {
    const td = document.createElement(row.parentNode && row.parentNode.tagName === "THEAD" ? "th" : "td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
  }

  // ISO/IEC 30134 indicators of every data center, one row each (names from describe.agents).
  function dataCenterTable(agents) {
    const rows = Object.entries(agents || {}).filter(([, v]) => v && v.type === "data_center");
    if (!rows.length) return null;
    const names = {};
    for (const a of (state.describe && state.describe.agents) || []) names[a.id] = a.name;
    const cols = Object.keys(T.dc_columns).filter((c) => c !== "name");
    const table = document.createElement("table");
    table.className = "table dc-kpis";
    const head = table.createTHead().insertRow();
    cell(head, T.dc_columns.name);
    for (const c of cols) cell(head, T.dc_columns[c], "num");
    const body = table.createTBody();
    for (const [id, v] of rows) {
      const tr = body.insertRow();
      cell(tr, names[id] || id);
      for (const c of cols) cell(tr, typeof v[c] === "number" ? fmtNum(v[c]) : "—", "num");
    }
    return table;
  }

  function section(title, content, cls) {
    const div = document.createElement("div");
    div.className = cls;
    const h = document.createElement("h3");
    h.textContent = title;
    div.append(h, content);
    return div;
  }

  function showResults() {
    el("results").hidden = false;
    if (state.kpisLoaded) return;
    state.kpisLoaded = true;
    fetch(config.api.kpis, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(T.request_failed + " (" + r.status + ")"))))
      .then((kpis) => {
        const region = Object.entries(kpis.region || {}).filter(
          ([k, v]) => k !== "steps" && (typeof v === "number" || typeof v === "string")
        );
        const half = Math.ceil(region.length / 2);
        const cols = document.createElement("div");
        cols.className = "kpi-cols";
        cols.append(kpiTable(region.slice(0, half)), kpiTable(region.slice(half)));
        const parts = [section(T.region_kpis, cols, "kpi-section")];
        const dcs = dataCenterTable(kpis.agents);
        if (dcs) {
          const wrap = document.createElement("div");
          wrap.className = "table-scroll";
          wrap.appendChild(dcs);
          parts.push(section(T.dc_kpis, wrap, "kpi-section"));
        }
        el("kpi-table").replaceChildren(...parts);
      })
      .catch((err) => {
        el("kpi-table").textContent = err.message;
      });
  }

  // ---------------------------------------------------------------- start
  window.twinRunState = state; // for debugging and the browser tests
  drawProgress();
  syncSpeedSelect();
  connect();
  window.setInterval(() => {
    if (state.run.status === "running") el("progress-duration").textContent = fmtSeconds(currentDuration());
  }, 1000);
})();
