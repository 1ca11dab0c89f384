// Runs list: while any run is active, poll the REST API and update status, progress and duration in place.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("run-list-config").textContent);
  const T = config.i18n;
  const ACTIVE = ["queued", "running", "paused"];
  const POLL_MS = 2000;

  function fmtSeconds(s) { return window.TwinFormat.seconds(s, T); }

  function activeRows() {
    return [...document.querySelectorAll("tr[data-run-id]")].filter((tr) =>
      ACTIVE.includes(tr.querySelector(".badge").dataset.status)
    );
  }

  function update(row, run) {
    const badge = row.querySelector(".badge");
    badge.className = "badge status status-" + run.status;
    badge.dataset.status = run.status;
    badge.textContent = T.status[run.status] || run.status;
    const pct = Math.floor(Math.min(1, run.progress || 0) * 100);
    const bar = row.querySelector(".bar");
    bar.setAttribute("aria-valuenow", String(pct));
    bar.firstElementChild.style.width = pct + "%";
    bar.classList.toggle("done", run.status === "succeeded");
    bar.classList.toggle("stopped", run.status === "failed" || run.status === "cancelled");
    row.querySelector(".steps").textContent = run.step + " / " + run.total_steps;
    row.querySelector(".duration").textContent = fmtSeconds(run.duration_s);
    const err = row.querySelector(".error-line");
    err.hidden = !run.error;
    err.textContent = run.error && run.error.length > 90 ? run.error.slice(0, 89) + "…" : run.error || "";
    err.title = run.error || "";
  }

  function poll() {
    const rows = activeRows();
    if (!rows.length) return;
    fetch(config.api + "?limit=" + config.limit, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then((data) => {
        const byId = {};
        for (const run of data.results || data) byId[run.id] = run;
        for (const row of rows) if (byId[row.dataset.runId]) update(row, byId[row.dataset.runId]);
      })
      .catch(() => {})
      .finally(() => window.setTimeout(poll, POLL_MS));
  }

  window.setTimeout(poll, POLL_MS);
})();
