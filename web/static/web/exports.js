// Exports shared by the compare page and the report: any ECharts chart as PNG, numbers with units.

// Download the chart as a PNG file (ECharts renders it at twice the screen resolution on white).
export function downloadPng(chart, filename) {
  const url = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
  const a = document.createElement("a");
  a.href = url;
  a.download = filename.endsWith(".png") ? filename : filename + ".png";
  document.body.appendChild(a);
  a.click();
  a.remove();
}

// A "PNG" button for a chart, placed in `holder`.
export function pngButton(holder, chart, filename, label) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-small btn-ghost no-print";
  button.textContent = label;
  button.dataset.png = filename;
  button.addEventListener("click", () => downloadPng(chart, button.dataset.png));
  holder.appendChild(button);
  return button;
}

// A value for a table: shares (kind "share") as percent, other numbers with 4 significant digits.
export function formatValue(value, unit, lang) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "✓" : "✗";
  if (typeof value !== "number") return String(value);
  let shown = unit && unit.kind === "share" ? value * 100 : value;
  const abs = Math.abs(shown);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 1 ? 2 : 3;
  if (Math.abs(shown) < 0.5 * 10 ** -digits) shown = 0; // rounds to zero: "0", never "-0"
  return shown.toLocaleString(lang || undefined, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

// The unit symbol to show next to a value: "%" for shares, the table's unit otherwise.
export function unitSymbol(unit) {
  if (!unit) return "";
  if (unit.kind === "share") return "%";
  return unit.unit || "";
}

// Hours since the start of each step, for overlaying runs whose step lengths differ.
export function hoursAxis(n, dtH) {
  return Array.from({ length: n }, (_, i) => +(i * dtH).toFixed(6));
}

// Every `factor`-th mean of a series (null where a bucket holds no number), to keep a year readable.
export function bucketMeans(values, factor) {
  if (factor <= 1) return values.slice();
  const out = [];
  for (let i = 0; i < values.length; i += factor) {
    let sum = 0, n = 0;
    for (let j = i; j < Math.min(i + factor, values.length); j++) {
      if (Number.isFinite(values[j])) { sum += values[j]; n += 1; }
    }
    out.push(n ? sum / n : null);
  }
  return out;
}
