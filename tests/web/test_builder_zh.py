"""Every field of the scenario schema has a Chinese label and a Chinese help text (web/builder_zh.py), every part
of it a title in both languages, every enumerated value a display title in both languages — walked from the
schemas themselves (``agents.scenario_json_schema`` and the multi-region schema's own parts), so a field added
later without its translations fails here with its path named."""
import re

import pytest

from agents import multi_region_json_schema, scenario_json_schema
from web import builder_schema, lab

HAN = re.compile(r"[\u4e00-\u9fff]")
BRACKET_UNIT = re.compile(r"\[(?!A\])[^\]]+\]")  # "[MW]", "[-]" … ("[A]" marks an assumption, not a unit)


def schema_fields():
    """(owner, field, property) of every field: the scenario's top level (owner ""), every ``$defs`` entry, the
    multi-region document's top level (owner "MultiRegion") and the parts only it has."""
    single, multi = scenario_json_schema(), multi_region_json_schema()
    out = [("", name, prop) for name, prop in single["properties"].items()]
    for def_name, node in single["$defs"].items():
        out += [(def_name, name, prop) for name, prop in (node.get("properties") or {}).items()]
    out += [("MultiRegion", name, prop) for name, prop in multi["properties"].items()]
    for def_name, node in multi["$defs"].items():
        if def_name not in single["$defs"]:
            out += [(def_name, name, prop) for name, prop in (node.get("properties") or {}).items()]
    return out


def schema_defs():
    single, multi = scenario_json_schema(), multi_region_json_schema()
    return {**single["$defs"], **multi["$defs"]}


def enum_lists(prop: dict):
    for node in (prop, prop.get("items") or {}, *prop.get("anyOf", []), *prop.get("oneOf", [])):
        if isinstance(node, dict) and isinstance(node.get("enum"), list):
            yield node["enum"]


def test_every_schema_field_has_a_chinese_label_and_a_chinese_help_text():
    fields = schema_fields()
    assert len(fields) > 390
    missing = []
    for owner, name, _prop in fields:
        path = f"{owner}.{name}"
        label = builder_schema.ZH_LABELS.get(path) or builder_schema.ZH_LABELS.get(name)
        help_text = builder_schema.ZH_HELP.get(path)
        if not (label and HAN.search(label)):
            missing.append(f"{path}: no Chinese label (web/builder_zh.py ZH_LABELS)")
        if not (help_text and HAN.search(help_text)):
            missing.append(f"{path}: no Chinese help (web/builder_zh.py ZH_HELP)")
    assert not missing, f"{len(missing)} missing:\n" + "\n".join(missing)


def test_every_chinese_help_translates_the_current_english_description():
    """A field whose English description changed (or is new) since its Chinese help was written is named: update
    the translation, then record the English it was made from (``python -m web.builder_zh``)."""
    import json

    from web import builder_zh

    recorded = json.loads(builder_zh.SOURCES_PATH.read_text(encoding="utf-8"))
    current = builder_zh.english_sources()
    stale = [f"{path}: English now {text!r}, translated from {recorded.get(path)!r}"
             for path, text in current.items() if recorded.get(path) != text]
    assert not stale, "\n".join(stale)


def test_chinese_help_leaves_the_unit_to_the_label():
    """Where the label carries the unit (units table), the help text does not repeat it in brackets."""
    doubled = [f"{owner}.{name}: {builder_schema.ZH_HELP[f'{owner}.{name}']}" for owner, name, _p in schema_fields()
               if builder_schema.field_unit(name) and BRACKET_UNIT.search(builder_schema.ZH_HELP.get(f"{owner}.{name}", ""))]
    assert not doubled, "\n".join(doubled)


def test_every_part_of_the_schema_has_titles_in_both_languages_and_chinese_help():
    missing = []
    for def_name, node in schema_defs().items():
        titles = builder_schema.DEF_TITLES.get(def_name)
        if not titles or not titles[0] or not HAN.search(titles[1]):
            missing.append(f"$defs.{def_name}: no titles (web/builder_zh.py DEF_TITLES)")
        if node.get("description") and not HAN.search(builder_schema.builder_zh.DEF_HELP_ZH.get(def_name, "")):
            missing.append(f"$defs.{def_name}: no Chinese help (web/builder_zh.py DEF_HELP_ZH)")
    assert not missing, "\n".join(missing)


def test_every_enumerated_value_has_a_title_in_both_languages():
    missing = []
    for owner, name, prop in schema_fields():
        for values in enum_lists(prop):
            table = builder_schema.ENUM_TITLES.get(f"{owner}.{name}") or builder_schema.ENUM_TITLES.get(name) or {}
            for value in values:
                en, zh = table.get(value, ("", ""))
                if not en or not (HAN.search(zh) or re.fullmatch(r"[A-Z0-9 .]+(Hz)?", zh)):
                    missing.append(f"{owner}.{name} = {value!r}: no titles (web/builder_zh.py ENUM_TITLES)")
    assert not missing, "\n".join(missing)


def test_english_values_are_humanised_properly():
    assert builder_schema.humanise_value("price_following") == "Price-following"
    assert builder_schema.humanise_value("carbon_aware") == "Carbon-aware"
    assert builder_schema.humanise_value("pay_as_clear") == "Pay as clear"
    assert builder_schema.humanise_value("dr_event") == "DR event"
    strategy = builder_schema.builder_schema("en")["$defs"]["DataCenterStrategySpec"]["properties"]["kind"]
    assert strategy["options"]["enum_titles"][:3] == ["None (run on arrival)", "Price-following", "Carbon-aware"]


def _visible_texts(node, path, out, defs=None):
    """(path, text) of every title, description and enum title json-editor shows for ``node``."""
    if isinstance(node, dict):
        hidden = (node.get("options") or {}).get("hidden")
        if not hidden:
            for key in ("title", "description"):
                if isinstance(node.get(key), str) and node[key].strip():
                    out.append((f"{path}.{key}", node[key]))
            for title in (node.get("options") or {}).get("enum_titles") or []:
                out.append((f"{path}.enum_titles", title))
            for name, prop in (node.get("properties") or {}).items():
                _visible_texts(prop, f"{path}.{name}", out)
            for key in ("items", "anyOf", "oneOf"):
                child = node.get(key)
                for i, item in enumerate(child if isinstance(child, list) else [child] if child else []):
                    _visible_texts(item, f"{path}.{key}[{i}]", out)
    return out


ALLOWED = re.compile(r"^(?:[A-Z0-9][A-Za-z0-9₂ .+/()-]*|NVIDIA [AH]100)$")  # CPU, 50 Hz, NVIDIA A100 …


@pytest.mark.parametrize("part", ["document", "defs"])
def test_the_dressed_chinese_schema_shows_no_english_only_text(part):
    schema = builder_schema.builder_schema("zh-hans")
    texts = []
    if part == "document":
        for name, prop in schema["properties"].items():
            _visible_texts(prop, name, texts)
    else:
        for def_name, node in schema["$defs"].items():
            _visible_texts(node, f"$defs.{def_name}", texts)
    english = [f"{path}: {text}" for path, text in texts if not HAN.search(text) and not ALLOWED.match(text.strip())]
    assert len(texts) > 300 if part == "defs" else len(texts) > 10
    assert not english, "\n".join(english)


def test_the_labs_contract_forms_in_chinese_show_no_english_only_text(db):
    texts = []
    for kind, spec in lab.contract_types("zh-hans").items():
        _visible_texts(spec["schema"], kind, texts)
        for def_name in ("ContractAsset", "FixedHeatPrice", "IndexedHeatPrice", "SharedSavingsHeatPrice"):
            if def_name in spec["schema"]["$defs"]:
                _visible_texts(spec["schema"]["$defs"][def_name], f"{kind}/$defs.{def_name}", texts)
    english = [f"{path}: {text}" for path, text in texts if not HAN.search(text) and not ALLOWED.match(text.strip())]
    assert texts and not english, "\n".join(english)


# Names the forms call otherwise on purpose: a form's field is an input, the run tables' quantity its result
# (a contract's price vs the electricity price, an asset's investment vs its annuity, a storage actor vs a count).
FORM_WORDS = {"price_cny_per_mwh", "load_mw", "program_id", "storage", "capex_cny"}


def test_the_forms_name_a_quantity_as_the_run_tables_do():
    """Where web/labels.py names the same quantity, the form's Chinese label says it (it may add a qualifier)."""
    from django.utils import translation

    from web import labels

    with translation.override("zh-hans"):
        tables = {k: str(v) for t in (labels.KPIS, labels.REGION_QUANTITIES, labels.AGENT_QUANTITIES, labels.VALUES)
                  for k, v in t.items()}
    differ = [f"{k}: form {v!r}, labels.py {tables[k]!r}" for k, v in builder_schema.ZH_LABELS.items()
              if k in tables and k not in FORM_WORDS and tables[k] not in v]
    assert not differ, "\n".join(differ)
