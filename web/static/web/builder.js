// Scenario builder logic without the DOM (unit-tested with `node --test tests/js`): field paths of validation
// errors, new entries from templates, unique ids, agents on the map, a document diff for display.
import { localName } from "./names.js";

// A validation `loc` ("actors.1.it_capacity_mw") as a json-editor path ("root.actors.1.it_capacity_mw").
export function locToPath(loc) {
  return loc ? "root." + loc : "root";
}

// The server's errors ([{loc, msg}]) grouped by the deepest json-editor path that exists (`has(path)`), so an
// error on a field the form does not show (yet) lands on its nearest shown parent; unplaced ones under "root".
export function errorsByPath(errors, has) {
  const out = new Map();
  for (const e of errors || []) {
    const parts = String(e.loc || "").split(".").filter((p) => p !== "");
    let path = "root";
    for (let n = parts.length; n > 0; n--) {
      const candidate = "root." + parts.slice(0, n).join(".");
      if (has(candidate)) {
        path = candidate;
        break;
      }
    }
    if (!out.has(path)) out.set(path, []);
    out.get(path).push(String(e.msg || ""));
  }
  return out;
}

// json-editor's error objects for root.showValidationErrors from the server's errors.
export function editorErrors(errors, has) {
  const list = [];
  for (const [path, msgs] of errorsByPath(errors, has)) {
    for (const message of msgs) list.push({ path, property: "server", message });
  }
  return list;
}

// An id not in `taken` built from `base` ("dc" → "dc", "dc_2", "dc_3" …).
export function uniqueId(base, taken) {
  const used = new Set(taken);
  const clean = String(base || "entry").replace(/[^A-Za-z0-9_.-]+/g, "_") || "entry";
  if (!used.has(clean)) return clean;
  let n = 2;
  while (used.has(clean + "_" + n)) n += 1;
  return clean + "_" + n;
}

// A display name not in `taken` ("Campus" → "Campus", "Campus 2", …).
export function uniqueName(base, taken) {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  let n = 2;
  while (used.has(base + " " + n)) n += 1;
  return base + " " + n;
}

// A new entry of `kind` for `field` ("actors", "contracts"…) from a template entry (a copy), with a fresh id,
// placed at `at` ({lat, lon}) when it has a location, and party fields (*_id) pointed at existing actors of
// the right kind when `parties` ({seller_id: "data_center", …}) says so.
export function newEntry(template, { kind, doc, at, parties } = {}) {
  const entry = template ? JSON.parse(JSON.stringify(template)) : { type: kind };
  entry.type = kind || entry.type;
  const ids = [];
  for (const key of ["actors", "contracts", "events"]) for (const e of (doc && doc[key]) || []) if (e && e.id) ids.push(e.id);
  if ("id" in entry || template === undefined || template === null) entry.id = uniqueId(entry.type, ids);
  if (typeof entry.name === "string") {
    const names = ((doc && doc.actors) || []).map((a) => a.name);
    entry.name = uniqueName(entry.name, names);
  }
  if (at && "lat" in entry && "lon" in entry) {
    entry.lat = round(at.lat, 4);
    entry.lon = round(at.lon, 4);
  }
  const actors = (doc && doc.actors) || [];
  for (const [field, wanted] of Object.entries(parties || {})) {
    // The newest actor of the wanted kind: the one just placed, in a builder session.
    const match = actors.filter((a) => a.type === wanted).pop();
    if (match) entry[field] = match.id;
  }
  return entry;
}

// Which actor kind each party field of a contract wants, read from the template (its parties' types in the
// template document), e.g. {seller_id: "data_center", buyer_id: "heat_utility"}.
export function partiesOf(template, templateDoc) {
  const out = {};
  const actors = (templateDoc && templateDoc.actors) || [];
  for (const [key, value] of Object.entries(template || {})) {
    if (key === "id" || !/_id$/.test(key) || typeof value !== "string") continue;
    const actor = actors.find((a) => a.id === value);
    if (actor) out[key] = actor.type;
  }
  return out;
}

// Markers for the map picker: every actor with a location (named in `lang`), plus the region centre.
export function mapPoints(doc, lang) {
  const points = [];
  for (const [i, a] of ((doc && doc.actors) || []).entries()) {
    if (a && Number.isFinite(a.lat) && Number.isFinite(a.lon)) {
      points.push({ index: i, id: a.id, name: localName(a, lang), type: a.type, lat: a.lat, lon: a.lon });
    }
  }
  return points;
}

// A square-ish lat/lon window around the region centre and every point ({latMin, latMax, lonMin, lonMax}).
export function mapWindow(doc, pad = 0.25) {
  const region = (doc && doc.region) || {};
  const lats = [region.lat, ...mapPoints(doc).map((p) => p.lat)].filter(Number.isFinite);
  const lons = [region.lon, ...mapPoints(doc).map((p) => p.lon)].filter(Number.isFinite);
  if (!lats.length || !lons.length) return { latMin: -60, latMax: 75, lonMin: -180, lonMax: 180 };
  let latMin = Math.min(...lats), latMax = Math.max(...lats), lonMin = Math.min(...lons), lonMax = Math.max(...lons);
  const span = Math.max(latMax - latMin, lonMax - lonMin, 0.2) / 2 + pad;
  const latC = (latMin + latMax) / 2, lonC = (lonMin + lonMax) / 2;
  return { latMin: latC - span, latMax: latC + span, lonMin: lonC - span, lonMax: lonC + span };
}

export function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// Text of a diff change for a list: "actors.1.it_capacity_mw: 18 → 20".
export function describeChange(change, words) {
  const w = words || {};
  const show = (v) => (v === null || v === undefined ? "—" : typeof v === "object" ? JSON.stringify(v).slice(0, 80) : String(v));
  if (change.op === "added") return change.path + ": " + (w.added || "added") + " " + show(change.new);
  if (change.op === "removed") return change.path + ": " + (w.removed || "removed") + " " + show(change.old);
  return change.path + ": " + show(change.old) + " → " + show(change.new);
}
