// Names in the page's language: name_zh on Chinese pages when given, else name, else id.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isChinese, localName } from "../../web/static/web/names.js";
import { regionName } from "../../web/static/web/map.js";

test("Chinese pages show name_zh when the entry has one", () => {
  const dc = { id: "sh-dc-001", name: "Jinshan IDC 001", name_zh: "金山 IDC 001" };
  assert.equal(localName(dc, "zh-hans"), "金山 IDC 001");
  assert.equal(localName(dc, "zh"), "金山 IDC 001");
  assert.equal(localName(dc, "en"), "Jinshan IDC 001");
  assert.equal(localName(dc, ""), "Jinshan IDC 001");
});

test("without a Chinese name every page shows the name, then the id", () => {
  assert.equal(localName({ id: "a", name: "Plant A", name_zh: "" }, "zh-hans"), "Plant A");
  assert.equal(localName({ id: "a", name: "Plant A", name_zh: "  " }, "zh-hans"), "Plant A");
  assert.equal(localName({ id: "a" }, "zh-hans"), "a");
  assert.equal(localName(null, "zh-hans"), "");
});

test("regions follow the same rule", () => {
  assert.equal(regionName({ id: "sh", name: "Shanghai", name_zh: "上海" }, "zh-hans"), "上海");
  assert.equal(regionName({ id: "sh", name: "Shanghai", name_zh: "上海" }, "en"), "Shanghai");
  assert.ok(isChinese("ZH-Hans") && !isChinese("en-GB"));
});
