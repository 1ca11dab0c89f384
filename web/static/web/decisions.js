// Decision points (docs/model.md "Decision points"): when the run waits, its owner sees the actors and strategy
// parameters of the current point, changes some and submits them (POST /api/runs/<id>/decisions/); the run
// then continues. Texts come translated from the server (config.i18n.decisions).
import { localName, pageLang } from "./names.js";

function parseValue(text) {
  const t = text.trim();
  try {
    return JSON.parse(t); // numbers, true/false, null, lists, quoted strings
  } catch (e) {
    return t; // a bare word, e.g. a strategy kind
  }
}

// The current value of a parameter: a top-level strategy field ("kind", "flex") or a dotted path into the
// target's parameters ("cold_storage.charge_quantile", "backup.strategy.dr_margin_cny_per_mwh").
export function valueAt(tree, path) {
  return path.split(".").reduce((node, key) => (node !== null && typeof node === "object" ? node[key] : undefined), tree);
}

function shown(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export class DecisionPanel {
  constructor({ root, url, canDecide, strings, csrfToken, onSubmitted }) {
    this.root = root;
    this.url = url;
    this.canDecide = canDecide;
    this.T = strings;
    this.csrfToken = csrfToken;
    this.onSubmitted = onSubmitted;
    this.loadedStep = null;
    this.busy = false;
  }

  // Called on every status change: shows the panel while the run waits, hides it otherwise.
  update(status, step) {
    if (!this.root) return;
    if (status !== "waiting") {
      this.root.hidden = true;
      this.loadedStep = null;
      return;
    }
    this.root.hidden = false;
    if (this.loadedStep === step || this.busy) return;
    this.loadedStep = step;
    this.load();
  }

  load() {
    fetch(this.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then((data) => this.render(data))
      .catch(() => this.error(this.T.load_failed));
  }

  error(text) {
    const box = this.root.querySelector(".decision-error");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  render(data) {
    const T = this.T;
    const body = this.root.querySelector(".decision-body");
    body.textContent = "";
    const head = document.createElement("p");
    head.className = "muted";
    head.textContent = T.waiting_at.replace("%(step)s", String(data.step));
    body.appendChild(head);
    if (!data.actors.length) {
      const p = document.createElement("p");
      p.textContent = T.nothing;
      body.appendChild(p);
    }
    const form = document.createElement("form");
    form.className = "decision-form";
    for (const actor of data.actors) {
      const fs = document.createElement("fieldset");
      fs.dataset.kind = actor.type;
      const legend = document.createElement("legend");
      const kind = (T.kinds || {})[actor.type];
      legend.textContent = (kind ? kind + ": " : "") + localName(actor, pageLang()) + " (" + actor.id + (actor.region ? ", " + actor.region : "") + ")";
      fs.appendChild(legend);
      for (const name of actor.parameters) {
        const row = document.createElement("label");
        row.className = "decision-row";
        const span = document.createElement("span");
        const label = (T.parameters || {})[name];
        span.textContent = label ? label + " (" + name + ")" : name;
        const input = document.createElement("input");
        input.type = "text";
        input.name = actor.id + "::" + name;
        input.value = shown(valueAt(actor.strategy, name));
        input.dataset.actor = actor.id;
        input.dataset.parameter = name;
        input.dataset.initial = input.value;
        input.disabled = !this.canDecide;
        row.append(span, input);
        fs.appendChild(row);
      }
      form.appendChild(fs);
    }
    if (this.canDecide) {
      const btn = document.createElement("button");
      btn.type = "submit";
      btn.className = "btn";
      btn.id = "btn-decide";
      btn.textContent = T.submit;
      form.appendChild(btn);
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        this.submit(form);
      });
    } else {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = T.owner_only;
      form.appendChild(p);
    }
    body.appendChild(form);
    if (data.decisions.length) {
      const h = document.createElement("p");
      h.className = "muted small";
      h.textContent = T.so_far + " " + data.decisions.map((d) => d.step + ": " + d.actor_id + "." + d.parameter + " = " + shown(d.value)).join("; ");
      body.appendChild(h);
    }
    this.error("");
  }

  submit(form) {
    const decisions = [];
    for (const input of form.querySelectorAll("input[data-parameter]")) {
      if (input.value !== input.dataset.initial) {
        decisions.push({ actor_id: input.dataset.actor, parameter: input.dataset.parameter, value: parseValue(input.value) });
      }
    }
    this.busy = true;
    fetch(this.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": this.csrfToken() },
      body: JSON.stringify({ decisions }),
    })
      .then((r) => r.json().catch(() => ({})).then((data) => ({ ok: r.ok, status: r.status, data })))
      .then(({ ok, status, data }) => {
        if (!ok) {
          const detail = data.detail || (data.errors || []).map((e) => (e.loc ? e.loc + ": " : "") + e.msg).join("; ");
          this.error(detail || this.T.failed + " (" + status + ")");
          return;
        }
        this.root.hidden = true;
        if (this.onSubmitted) this.onSubmitted(data);
      })
      .catch(() => this.error(this.T.failed))
      .finally(() => {
        this.busy = false;
      });
  }
}
