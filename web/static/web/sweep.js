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
    if (badge) badge.textContent = sweep.status;
  }
  show(config.sweep);
  if (finishedStates.includes(config.sweep.status)) return;
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + location.host + config.links.stream);
  socket.onmessage = function (event) {
    const message = JSON.parse(event.data);
    if (message.type !== "sweep.progress") return;
    show(message.sweep);
    if (finishedStates.includes(message.sweep.status)) {
      socket.close();
      location.reload();
    }
  };
})();
