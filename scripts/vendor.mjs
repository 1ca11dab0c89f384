// `npm run vendor`: copy the browser libraries from node_modules into web/static/vendor (served locally,
// no CDN). Add a library by adding its files to FILES.
import fs from "node:fs";
import path from "node:path";

const FILES = [
  ["node_modules/echarts/dist/echarts.min.js", "echarts.min.js"],
  ["node_modules/echarts/LICENSE", "echarts.LICENSE.txt"],
];
const DEST = "web/static/vendor";

fs.mkdirSync(DEST, { recursive: true });
for (const [from, to] of FILES) {
  fs.copyFileSync(from, path.join(DEST, to));
  console.log("vendored " + to);
}
