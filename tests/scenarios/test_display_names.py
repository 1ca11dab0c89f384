"""Chinese display names (``name_zh``, ``description_zh``) of scenarios, actors and links: every fixture has them,
old documents without them stay valid, and they never enter the model's results."""

import copy
import re

import numpy as np
import pytest

from agents import validate_scenario

from .helpers import ALL_FIXTURES, fixture_doc, run_doc

DEMOS = [name for name in ALL_FIXTURES if not name.startswith("_")]
ZH_KEYS = ("name_zh", "description_zh")


def _without_zh(value, keep_region: bool = False):
    """``value`` with every ``name_zh`` / ``description_zh`` key removed (a document written before them);
    ``keep_region``: but the regions' ``name_zh``, which came earlier (a document of main before this change)."""
    if isinstance(value, dict):
        return {k: v if keep_region and k == "region" else _without_zh(v, keep_region)
                for k, v in value.items() if k not in ZH_KEYS}
    if isinstance(value, list):
        return [_without_zh(v, keep_region) for v in value]
    return value


def _actors(doc: dict) -> list[dict]:
    return [a for body in doc.get("regions", [doc]) for a in body["actors"]]


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("name", DEMOS)
def test_every_demo_fixture_has_a_chinese_name_and_description(name):
    doc = fixture_doc(name)
    assert _has_cjk(doc["name_zh"]) and _has_cjk(doc["description_zh"])
    missing = [a["id"] for a in _actors(doc) if not a.get("name_zh")]
    assert missing == []


@pytest.mark.parametrize("name", DEMOS)
def test_the_chinese_description_keeps_every_figure_of_the_english_one(name):
    """Numbers of the English description (7.05 M CNY → 705 万元 and 1.5 million m² → 150 万 m² aside) reappear."""
    doc = fixture_doc(name)

    def figures(text: str) -> set[str]:
        return {m.replace(",", "") for m in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}

    rewritten = {"7.05", "1.5", "165", "10"}  # 705 万元, 150 万 m², 1.65 亿 m², "10-m mean wind" → 10 m 高度
    assert figures(doc["description"]) - figures(doc["description_zh"]) - rewritten == set()


def test_shanghai_data_centers_are_named_by_district_in_chinese():
    doc = fixture_doc("shanghai")
    dc = next(a for a in doc["actors"] if a["id"] == "sh-dc-001")
    district = dc["name"].removesuffix(" IDC 001")
    assert dc["name_zh"].endswith(" IDC 001") and _has_cjk(dc["name_zh"]) and district not in dc["name_zh"]
    grid = next(a for a in doc["actors"] if a["id"] == "sh-grid")
    assert grid["name_zh"] == "国网上海（调度）"


def test_documents_without_chinese_names_stay_valid_and_default_to_empty():
    parsed = validate_scenario(_without_zh(fixture_doc("hohhot")))
    assert parsed.name_zh == parsed.description_zh == ""
    assert all(a.name_zh == "" for a in parsed.actors)
    multi = validate_scenario(_without_zh(fixture_doc("east_data_west_computing")))
    assert multi.name_zh == "" and all(link.name_zh == "" for link in multi.links)


def test_chinese_names_are_bounded():
    doc = copy.deepcopy(fixture_doc("qaidam_microgrid"))
    doc["name_zh"] = "名" * 201
    doc["actors"][0]["name_zh"] = "名" * 121
    with pytest.raises(ValueError) as err:
        validate_scenario(doc)
    locs = {e["loc"] for e in err.value.errors}
    assert {"name_zh", "actors.0.name_zh"} <= locs


@pytest.mark.parametrize("name", ["hohhot", "east_data_west_computing"])
def test_chinese_names_do_not_change_results(name):
    """Display-only: the same document with and without its Chinese names gives bit-identical KPIs and series."""
    with_zh = run_doc(fixture_doc(name), steps=48)
    without = run_doc(_without_zh(fixture_doc(name)), steps=48)
    assert with_zh.kpis() == without.kpis()
    a, b = with_zh.series_table(), without.series_table()
    assert a.column_names == b.column_names
    for column in a.column_names:
        x, y = a.column(column).to_numpy(zero_copy_only=False), b.column(column).to_numpy(zero_copy_only=False)
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), column


def test_describe_carries_the_chinese_actor_names():
    model = run_doc(fixture_doc("qaidam_microgrid"), steps=1)
    described = {a["id"]: a for a in model.describe()["agents"]}
    assert described["qd-dc"]["name_zh"] == "柴达木绿电数据中心（约 1,000 个机柜）"
    assert model.describe()["region"]["name_zh"] == "柴达木盆地（青海格尔木）"


def test_checkpoints_do_not_depend_on_the_chinese_names():
    """A checkpoint made before the names were added (or before they were edited) resumes bit-identically."""
    from agents import build_model, checkpoint_dumps, checkpoint_loads

    doc = fixture_doc("hohhot")
    doc["horizon"]["steps"] = 30
    whole = run_doc(doc)
    part = build_model(validate_scenario(_without_zh(doc, keep_region=True)))
    part.run(12)
    blob = checkpoint_dumps(part)
    renamed = copy.deepcopy(doc)
    renamed["name_zh"], renamed["actors"][0]["name_zh"] = "另一个名字", "另一个主体"
    resumed = checkpoint_loads(validate_scenario(renamed), blob)
    resumed.run()
    assert resumed.kpis() == whole.kpis()
    multi = fixture_doc("east_data_west_computing")
    multi["horizon"]["steps"] = 4
    model = build_model(validate_scenario(_without_zh(multi, keep_region=True)))
    model.run(2)
    assert checkpoint_loads(validate_scenario(multi), checkpoint_dumps(model)).step_index == 2
    with pytest.raises(ValueError, match="different scenario"):  # a change that matters still does
        changed = copy.deepcopy(doc)
        changed["seed"] += 1
        checkpoint_loads(validate_scenario(changed), blob)
