// Names in the page's language (the browser's twin of web/display_names.py): an entry's `name_zh` on Chinese
// pages when the scenario gives one, else its `name`, else its `id`. Entries: actors of describe() and of scenario
// documents, regions, links. DOM-free except pageLang().

/** Whether `lang` (an html lang such as "zh-hans") is Chinese. */
export function isChinese(lang) {
  return String(lang || "").toLowerCase().startsWith("zh");
}

/** The entry's name in `lang`: `name_zh` on Chinese pages when non-empty, else `name`, else `id`. */
export function localName(entry, lang) {
  if (!entry) return "";
  if (typeof entry.name_zh === "string" && entry.name_zh.trim() && isChinese(lang)) return entry.name_zh;
  return entry.name || entry.id || "";
}

/** The page's language (`<html lang>`), "" outside a browser. */
export function pageLang() {
  return typeof document !== "undefined" && document.documentElement ? document.documentElement.lang : "";
}
