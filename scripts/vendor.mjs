// `npm run vendor`: copy the browser libraries from node_modules into web/static/vendor (served locally,
// never from a CDN). One entry per file: [source under node_modules, name under web/static/vendor].
import fs from "node:fs";
import path from "node:path";

const FILES = [
  ["echarts/dist/echarts.min.js", "echarts.min.js"],
  ["echarts/LICENSE", "echarts.LICENSE.txt"],
  // Scenario builder: forms generated from the scenario JSON Schema (MIT).
  ["@json-editor/json-editor/dist/jsoneditor.js", "jsoneditor.min.js"],
  ["@json-editor/json-editor/LICENSE", "jsoneditor.LICENSE.txt"],
  // Its style rules as files: the page's CSP forbids the <style> element the library would insert.
  ["@json-editor/json-editor/src/style.css", "jsoneditor.css"],
  ["@json-editor/json-editor/src/themes/html.css", "jsoneditor-html.css"],
];
const DEST = "web/static/vendor";

fs.mkdirSync(DEST, { recursive: true });
for (const [from, to] of FILES) {
  fs.copyFileSync(path.join("node_modules", from), path.join(DEST, to));
  console.log("vendored " + to);
}
