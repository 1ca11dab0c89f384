// Glue shared by the pages that generate forms from a JSON Schema with @json-editor/json-editor (the builder,
// the Contract Lab): a theme that respects the strict Content-Security-Policy, accessible names on every
// generated control, keyboard-operable tabs, and the library's own texts in the page's language.
import { EXTRA, languageOf, ZH } from "./jsoneditor_zh.js";

const pageLanguage = () => languageOf(document.documentElement.lang);

// json-editor's base theme hides a few helper elements with setAttribute("style", …), which a strict
// Content-Security-Policy (style-src 'self') refuses: the same elements, hidden by a class of builder.css.
export function cspSafeTheme(JSONEditor) {
  const theme = JSONEditor.AbstractTheme.prototype;
  theme.getHiddenLabel = function (text) {
    const label = document.createElement("label");
    label.textContent = text;
    label.className = "visually-hidden";
    return label;
  };
  theme.getHiddenText = function (text) {
    const span = document.createElement("span");
    span.textContent = text;
    span.className = "visually-hidden";
    return span;
  };
  theme.visuallyHidden = function (element) {
    if (element) element.classList.add("visually-hidden");
  };
  // json-editor joins a field's messages with ". " and ends them with "."; Chinese ones take "。".
  const html = JSONEditor.defaults.themes.html && JSONEditor.defaults.themes.html.prototype;
  if (html && !html.addInputError.twinWrapped) {
    const addInputError = html.addInputError;
    html.addInputError = function (input, text) {
      const zh = /[\u4e00-\u9fff]/.test(text);
      return addInputError.call(this, input, zh ? String(text).replace(/\.(\s+|$)/g, "。") : text);
    };
    html.addInputError.twinWrapped = true;
  }
  theme.getOptInCheckbox = function (formname) {
    const container = document.createElement("span");
    const label = this.getHiddenLabel(formname + " opt-in");
    label.setAttribute("for", formname + "-opt-in");
    const checkbox = document.createElement("input");
    checkbox.type = "checkbox";
    checkbox.id = formname + "-opt-in";
    checkbox.classList.add("json-editor-opt-in");
    container.append(checkbox, label);
    return { label, checkbox, container };
  };
}

// json-editor's own texts (buttons, its validation messages) in the page's language (<html lang>): the Chinese
// pack is registered as JSONEditor.defaults.languages.zh and chosen on Chinese pages.
export function useLanguage(JSONEditor, htmlLang = document.documentElement.lang) {
  JSONEditor.defaults.languages.zh = { ...JSONEditor.defaults.languages.en, ...ZH };
  JSONEditor.defaults.language = languageOf(htmlLang);
}

// The hidden labels json-editor builds from a field's path ("root[actors][0] switcher", "… opt-in"): the
// field's title in the page's language instead.
function relabelHidden(container) {
  const words = EXTRA[pageLanguage()];
  for (const label of container.querySelectorAll("label.visually-hidden")) {
    const match = /^root\S* (switcher|opt-in)$/.exec(label.textContent.trim());
    if (!match) continue;
    const holder = label.closest("[data-schemapath]");
    const heading = holder && holder.querySelector(":scope > .je-header, :scope > h3, :scope > span > h3, :scope > label");
    const title = (heading && heading.textContent.trim()) || "";
    label.textContent = (match[1] === "switcher" ? words.switcher : words.opt_in).replace("%s", title);
  }
}

// Every control of a generated form gets an accessible name (its label, else the field's title), and
// json-editor's tabs (plain <div>s) become keyboard-operable tabs.
export function labelControls(container) {
  relabelHidden(container);
  for (const tab of container.querySelectorAll(".je-tab--top, .je-tab")) {
    if (tab.dataset.keyboard) continue;
    tab.dataset.keyboard = "1";
    tab.tabIndex = 0;
    tab.setAttribute("role", "button");
    tab.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        tab.click();
      }
    });
  }
  for (const control of container.querySelectorAll("input, select, textarea, button")) {
    if (control.getAttribute("aria-label") || control.labels?.length) continue;
    const holder = control.closest("[data-schemapath]");
    const label = holder && holder.querySelector(":scope label, :scope > .je-header, :scope > h3, :scope > span > h3");
    const text = control.tagName === "BUTTON"
      ? control.title || control.textContent.trim()
      : (label && label.textContent.trim()) || (holder && holder.dataset.schemapath) || "";
    if (text) control.setAttribute("aria-label", text);
  }
}
