// Shared display formatting for the run page and the runs list (loaded before either script).
(function () {
  "use strict";
  // A duration [s] as "42 s", "3 min 07 s" or "2 h 05 min", with the unit words of the page's language (T).
  function seconds(s, T) {
    if (s === null || s === undefined || !Number.isFinite(s)) return "—";
    s = Math.max(0, Math.round(s));
    if (s < 60) return s + " " + T.seconds;
    if (s < 3600) return Math.floor(s / 60) + " " + T.minutes + " " + String(s % 60).padStart(2, "0") + " " + T.seconds;
    return Math.floor(s / 3600) + " " + T.hours + " " + String(Math.floor((s % 3600) / 60)).padStart(2, "0") + " " + T.minutes;
  }
  window.TwinFormat = { seconds };
})();
