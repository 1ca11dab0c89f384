// The front end takes every unit from the core's units table (describe().units): no module in web/static/web
// writes a unit symbol as a literal string or derives one from a quantity's name suffix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = join(dirname(fileURLToPath(import.meta.url)), "../../web/static/web");
const code = (f) => readFileSync(join(dir, f), "utf8").split("\n").filter((l) => !/^\s*(\/\/|\*|\/\*\*)/.test(l)).join("\n");

test("no hard-coded unit symbols in the page modules", () => {
  const unitLiteral = /["'`][^"'`\n]*\b(MW|MWh|CNY\/MWh|tCO₂|kW)\b[^"'`\n]*["'`]/;
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".js"))) {
    const hits = code(f).split("\n").filter((l) => unitLiteral.test(l));
    assert.deepEqual(hits, [], f);
  }
});

test("no unit derived from a name's suffix", () => {
  const suffix = /endsWith\(\s*["'`]_|\.match\(\s*\/_|split\(\s*["'`]_["'`]\s*\)\s*\.pop|_(mw|mwh|cny_per_mwh)\$/;
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".js"))) {
    const hits = code(f).split("\n").filter((l) => suffix.test(l));
    assert.deepEqual(hits, [], f);
  }
});

test("the twin's templates leave unit symbols to the units table", () => {
  const tpl = join(dirname(fileURLToPath(import.meta.url)), "../../web/templates/web");
  for (const f of ["_twin.html", "run_detail.html", "run_compare.html"]) {
    const hits = readFileSync(join(tpl, f), "utf8").split("\n").filter((l) => />\s*(MW|MWh|CNY\/MWh)\s*</.test(l) || /\((MW|CNY\/MWh)\)/.test(l));
    assert.deepEqual(hits, [], f);
  }
});
