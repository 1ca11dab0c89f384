// node --test tests/js — json-editor's Chinese language pack (web/static/web/jsoneditor_zh.js) has every key of
// the library's English defaults, keeps their {{n}} placeholders and is chosen on Chinese pages only.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { EXTRA, languageOf, ZH } from "../../web/static/web/jsoneditor_zh.js";

const DEFAULTS = new URL("../../node_modules/@json-editor/json-editor/src/defaults.js", import.meta.url);

function englishDefaults() {
  const source = readFileSync(DEFAULTS, "utf8");
  const block = source.slice(source.indexOf("languages.en = {"), source.indexOf("\n}\n", source.indexOf("languages.en = {")));
  const out = {};
  for (const m of block.matchAll(/^\s+(\w+): (['"])(.*)\2,?$/gm)) out[m[1]] = m[3];
  return out;
}

test("the Chinese pack has every key of the library's English defaults, and no other", () => {
  const en = englishDefaults();
  assert.ok(Object.keys(en).length > 70, "the English defaults were read");
  assert.deepEqual(Object.keys(ZH).sort(), Object.keys(en).sort());
});

test("every Chinese text is Chinese and keeps the English text's placeholders", () => {
  const en = englishDefaults();
  for (const [key, text] of Object.entries(ZH)) {
    assert.match(text, /[\u4e00-\u9fff]/, key);
    const want = (en[key].match(/\{\{\d\}\}/g) || []).sort();
    assert.deepEqual((text.match(/\{\{\d\}\}/g) || []).sort(), want, key);
  }
  for (const lang of ["en", "zh"]) for (const text of Object.values(EXTRA[lang])) assert.match(text, /%s/);
});

test("the pack is chosen on Chinese pages only", () => {
  assert.equal(languageOf("zh-hans"), "zh");
  assert.equal(languageOf("zh-Hans"), "zh");
  assert.equal(languageOf("en"), "en");
  assert.equal(languageOf(""), "en");
});
