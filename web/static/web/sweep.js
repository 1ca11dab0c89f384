// Sweep page: progress over the WebSocket ws/sweeps/<id>/ (docs/sweeps.md); reload the table when it finishes.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("sweep-config").textContent);
  const finishedStates = ["succeeded", "failed", "cancelled"];
  function show(sweep) {
    const p = sweep.progress;
    document.getElementById("sweep-bar").style.width = Math.round(100 * p.fraction) + "%";
    document.getElementById("sweep-finished").textContent = p.finished;
    document.getElementById("sweep-failed").textContent = p.failed;
    const badge = document.querySelector("#sweep-status .badge");
    if (badge) {
      badge.textContent = (config.status_labels || {})[sweep.status] || sweep.status;
      badge.className = "badge status status-" + sweep.status;
      badge.dataset.status = sweep.status;
    }
  }
  show(config.sweep);
  if (finishedStates.includes(config.sweep.status)) return;
  let lastMessage = Date.now();
  let done = false;
  function update(sweep) {
    lastMessage = Date.now();
    show(sweep);
    if (finishedStates.includes(sweep.status) && !done) {
      done = true;
      location.reload();
    }
  }
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + location.host + config.links.stream);
  socket.onmessage = function (event) {
    const message = JSON.parse(event.data);
    if (message.type === "sweep.progress") update(message.sweep);
  };
  // A sweep run by another process (e.g. manage.py sweep in embedded mode) streams nowhere this server sees:
  // read its state from the API when the socket has been quiet for a while.
  setInterval(function () {
    if (done || Date.now() - lastMessage < 4000) return;
    fetch(config.links.self, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (sweep) { if (sweep) update(sweep); })
      .catch(function () {});
  }, 2000);
})();
