// Scenario editor helpers: pretty-print the JSON and jump to the field of an error.
(function () {
  "use strict";
  const area = document.getElementById("id_document");
  if (!area) return;
  const fmt = document.getElementById("format-json");
  if (fmt) {
    fmt.addEventListener("click", function () {
      try {
        area.value = JSON.stringify(JSON.parse(area.value), null, 2);
      } catch (err) {
        area.focus();
      }
    });
  }
  // Clicking an error selects the last named key of its path ("actors.3.it_capacity_mw") in the document.
  document.querySelectorAll(".field-error[data-loc]").forEach(function (li) {
    li.addEventListener("click", function () {
      const parts = (li.dataset.loc || "").split(".").filter(function (p) { return !/^\d+$/.test(p); });
      const key = parts.length ? '"' + parts[parts.length - 1] + '"' : "";
      const at = key ? area.value.indexOf(key) : -1;
      area.focus();
      if (at >= 0) {
        area.setSelectionRange(at, at + key.length);
        const line = area.value.slice(0, at).split("\n").length;
        area.scrollTop = Math.max(0, (line - 5) * 18);
      }
    });
  });
})();
