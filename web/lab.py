"""The Contract Lab (issue 13): draft one contract between two agents of a scenario, check it with the core's
own validation (its errors land on the contract's fields), and run the scenario with it. The run's
``kpis.contracts`` carry the results against the counterfactual (the same scenario and seed without the
contract, agents.contract_eval); the page draws them. No result is computed here.

- ``contract_templates()``: the shipped templates (``fixtures/contracts/*.json``).
- ``contract_types(lang)``: per contract type its dressed JSON Schema (labels with units, help text, English or
  Chinese, from ``web.builder_schema``) and the actor types each party field accepts.
- ``lab_document(data, contract)``: the scenario with the drafted contract in it (a contract it replaces — the
  same type between the same parties — is taken out and named).
- ``lab_check`` / ``lab_run_create``: validate / start a run of that document.
"""
from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from agents import CONTRACT_CLASSES, ScenarioValidationError, units
from web import builder_schema, contract_labels, scenario_services, services

TEMPLATE_DIR = Path(settings.BASE_DIR) / "fixtures" / "contracts"
TEMPLATE_META = ("title", "title_zh", "description", "description_zh", "parties", "sweep")
_PARTY = re.compile(r"[a-z_]+_id")


def _template_files() -> list[Path]:
    return sorted(TEMPLATE_DIR.glob("*.json")) if TEMPLATE_DIR.is_dir() else []


@lru_cache(maxsize=1)
def _templates_cached(stamp: tuple) -> tuple[dict, ...]:
    out = []
    for path in _template_files():
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(raw, dict):
            continue
        contract = raw.get("contract") if isinstance(raw.get("contract"), dict) else {
            k: v for k, v in raw.items() if k not in TEMPLATE_META}
        if not isinstance(contract.get("type"), str):
            continue
        out.append({"key": path.stem, "type": contract["type"], "contract": contract,
                    **{k: raw[k] for k in TEMPLATE_META if k in raw}})
    return tuple(out)


def contract_templates(lang: str = "en") -> list[dict]:
    """``[{key, type, title, description, contract}]``: one per file of ``fixtures/contracts/``, in ``lang``."""
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in _template_files())
    zh = lang.startswith("zh")
    order = list(CONTRACT_CLASSES)
    out = []
    for t in sorted(copy.deepcopy(_templates_cached(stamp)),
                    key=lambda t: (order.index(t["type"]) if t["type"] in order else len(order), t["key"])):
        titles = contract_labels.TYPE_TITLES.get(t["type"])
        named = t["contract"].get("name") if not zh else None
        t["title"] = (zh and t.pop("title_zh", None)) or t.get("title") or named or (
            titles[1 if zh else 0] if titles else t["key"])
        t["description"] = (zh and t.pop("description_zh", None)) or t.get("description", "")
        t.pop("title_zh", None)
        t.pop("description_zh", None)
        out.append(t)
    return out


def _contract_defs(schema: dict) -> dict[str, str]:
    """``{contract type: $defs name}`` from the discriminator of the scenario's ``contracts`` list."""
    items = ((schema.get("properties") or {}).get("contracts") or {}).get("items") or {}
    mapping = (items.get("discriminator") or {}).get("mapping") or {}
    if not mapping and "$ref" in items:  # a single contract type: no discriminator
        name = items["$ref"].rsplit("/", 1)[-1]
        kind = (((schema["$defs"][name].get("properties") or {}).get("type") or {}).get("const"))
        return {kind: name} if kind else {}
    return {kind: ref.rsplit("/", 1)[-1] for kind, ref in mapping.items()}


def contract_parties() -> dict[str, dict[str, list[str]]]:
    """``{contract type: {party field: [accepted party kinds]}}`` as each type declares them once (``PARTIES`` of
    ``agents.CONTRACT_CLASSES``); ``aggregator`` = an id of ``demand_response.aggregators``."""
    return {kind: {field: [kinds] if isinstance(kinds, str) else list(kinds) for field, kinds in cls.PARTIES.items()}
            for kind, cls in CONTRACT_CLASSES.items()}


def contract_types(lang: str = "en") -> dict[str, dict]:
    """``{type: {"title", "schema", "parties": {field: [actor types]}}}`` for the Lab's form.

    ``schema`` is the type's entry of the dressed scenario schema (``web.builder_schema``) with every ``$defs``
    it may reference; ``type`` and the party fields are hidden (the page picks the parties)."""
    full = builder_schema.builder_schema(lang)
    zh = lang.startswith("zh")
    declared = contract_parties()
    out = {}
    for kind, def_name in _contract_defs(full).items():
        node = copy.deepcopy(full["$defs"][def_name])
        props = node.get("properties") or {}
        parties = {f: types for f, types in declared.get(kind, {}).items() if f in props}
        for f in list(props):
            if f == "type" or f in parties:
                props[f].setdefault("options", {})["hidden"] = True
            for key in ("watch", "enumSource"):
                props[f].pop(key, None)
        node.pop("headerTemplate", None)
        node["$defs"] = _dressed_defs(full.get("$defs", {}), zh)
        _title_none_options(node, zh)
        out[kind] = {"title": node.get("title") or kind, "schema": node, "parties": parties,
                     "party_titles": {f: props[f].get("title", f) for f in parties},
                     "terms": numeric_terms(node, full.get("$defs", {}))}
        if parties.get("seller_id") == ["data_center"] and parties.get("buyer_id") == ["heat_utility"]:
            # the heat a waste-heat deal can carry: the seller's heat-pump capacity (the heatmap's volume)
            out[kind]["volume_of_seller"] = {"path": "heat_recovery.heat_pump_capacity_mw",
                                             "title": builder_schema.field_label("HeatRecovery", "heat_pump_capacity_mw",
                                                                                 lang),
                                             **_unit("heat_pump_capacity_mw")}
    return out


def _dressed_defs(defs: dict, zh: bool) -> dict:
    """The dressed schema's ``$defs`` (titled and described by ``web.builder_schema``), with "none" for an optional
    part left out."""
    defs = copy.deepcopy(defs)
    for node in defs.values():
        _title_none_options(node, zh)
    return defs


def _title_none_options(node: dict, zh: bool) -> None:
    for prop in (node.get("properties") or {}).values():
        for option in prop.get("anyOf", []):
            if option.get("type") == "null":
                option["title"] = "无" if zh else "none"


def _unit(name: str) -> dict:
    try:
        q = units.unit_of(name)
    except KeyError:
        return {"unit": "", "kind": ""}
    return {"unit": q.unit, "kind": q.kind}


def numeric_terms(node: dict, defs: dict, prefix: str = "", depth: int = 0, group: str = "") -> dict[str, dict]:
    """``{path in the contract: {"title", "unit", "kind", "integer"}}`` of every numeric field of a contract type's
    dressed schema (nested objects and the options of a union included; units from the units table)."""
    out: dict[str, dict] = {}
    if depth > 4:
        return out
    for name, prop in (node.get("properties") or {}).items():
        path = f"{prefix}{name}"
        options = [prop, *prop.get("anyOf", []), *prop.get("oneOf", [])]
        for option in options:
            target = defs.get(option["$ref"].rsplit("/", 1)[-1], {}) if "$ref" in option else option
            if target.get("type") in ("number", "integer") and path not in out:
                title = prop.get("title") or target.get("title") or name
                out[path] = {"title": f"{group} · {title}" if group else title, **_unit(name),
                             "integer": target.get("type") == "integer"}
            elif target.get("properties"):
                out.update(numeric_terms(target, defs, path + ".", depth + 1, prop.get("title") or name))
    return out


FIGURE_KEYS = ("npv_cny", "irr_pu", "simple_payback_years", "discounted_payback_years", "annual_change_cny",
               "investment_cny", "co2_location_change_t", "co2_market_change_t", "committed_mwh", "response_mwh",
               "net_cny")
LEDGER_CATEGORIES = ("energy", "capacity", "event", "penalty", "certificates", "tolling", "capex", "opex")


def result_units() -> dict[str, dict]:
    """Units (from the units table) of the figures and ledger totals the Lab shows."""
    return {name: _unit(name) for name in (*FIGURE_KEYS, *(f"{c}_cny" for c in LEDGER_CATEGORIES))}


def _same_parties(a: dict, b: dict, parties: list[str]) -> bool:
    return bool(parties) and all(a.get(p) == b.get(p) for p in parties)


def lab_document(data: dict, contract: dict, *, parties: list[str] | None = None) -> tuple[dict, int, list[str]]:
    """(document, index of the drafted contract in its ``contracts``, ids of the contracts it replaces).

    A scenario contract between the same parties (every party field equal) is replaced by the draft, whatever
    its type: the Lab tests this deal between them instead of the one the scenario had (a waste-heat purchase
    in place of the scenario's fixed-price heat purchase, which would otherwise sell the same heat twice)."""
    doc = copy.deepcopy(data)
    fields = parties if parties is not None else [k for k in contract if _PARTY.fullmatch(k)]
    existing = [c for c in doc.get("contracts") or [] if isinstance(c, dict)]
    replaced = [c.get("id", "") for c in existing if _same_parties(c, contract, fields)]
    kept = [c for c in existing if not _same_parties(c, contract, fields)]
    doc["contracts"] = [*kept, copy.deepcopy(contract)]
    return doc, len(kept), replaced


def lab_errors(errors: list[dict], index: int) -> list[dict]:
    """The core's errors, each with ``field`` = its path inside the drafted contract when it is one of its
    (``contracts.<index>.price_cny_per_mwh`` → ``price_cny_per_mwh``; ``""`` for the contract itself)."""
    prefix = f"contracts.{index}"
    out = []
    for e in errors:
        loc = str(e.get("loc", ""))
        item = {"loc": loc, "msg": str(e.get("msg", ""))}
        if loc == prefix or loc.startswith(prefix + "."):
            item["field"] = loc[len(prefix) + 1:]
        out.append(item)
    return out


def errors_of(exc: ScenarioValidationError) -> list[dict]:
    return [{"loc": str(e.get("loc", "")), "msg": str(e.get("msg", ""))} for e in exc.errors] or [
        {"loc": "", "msg": str(exc)}]


def lab_check(data: dict, contract: dict, *, parties: list[str] | None = None) -> dict:
    """``{"valid", "errors": [{loc, msg, field?}], "replaced": [ids], "index"}`` of the scenario with the draft."""
    doc, index, replaced = lab_document(data, contract, parties=parties)
    try:
        scenario_services.scenario_validate(doc)
    except ScenarioValidationError as exc:
        return {"valid": False, "errors": lab_errors(errors_of(exc), index), "replaced": replaced, "index": index}
    return {"valid": True, "errors": [], "replaced": replaced, "index": index}


def lab_run_create(owner, *, scenario, contract: dict, seed: int | None = None, parties: list[str] | None = None):
    """Start a run of ``scenario`` with the drafted contract (``services.run_create``: validation, budget, quota).

    Returns (run, index, replaced). Raises ``ScenarioValidationError`` with the contract's errors."""
    doc, index, replaced = lab_document(scenario.data, contract, parties=parties)
    name = f"{scenario.name} · {contract.get('id') or contract.get('type')}"
    run = services.run_create(owner, doc, seed, name, scenario=scenario)
    return run, index, replaced
