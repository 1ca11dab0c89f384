"""A region's Chinese name (region.name_zh) on Chinese pages, and the KPI rows of a multi-region run: the whole
system, then each region's own KPIs under its id (the compare table, its CSV/XLSX and the report)."""
import json
from pathlib import Path

from django.utils import translation

from web import views
from web.api import exports

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "east_data_west_computing.json"


def test_multi_region_summary_uses_the_chinese_names_on_chinese_pages_only():
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    with translation.override("en"):
        assert views.scenario_summary(doc)["region"] == "Shanghai, Hohhot (Inner Mongolia), Qaidam basin (Golmud, Qinghai)"
    with translation.override("zh-hans"):
        assert views.scenario_summary(doc)["region"] == "上海、呼和浩特（内蒙古）、柴达木盆地（青海格尔木）"
    doc["regions"][1]["region"].pop("name_zh")  # a region without one keeps its name
    with translation.override("zh-hans"):
        assert views.scenario_summary(doc)["region"] == "上海、Hohhot (Inner Mongolia)、柴达木盆地（青海格尔木）"


def test_single_region_summary_uses_name_zh_too():
    doc = {"region": {"name": "Shanghai", "name_zh": "上海"}, "actors": [], "horizon": {"steps": 24}}
    with translation.override("zh-hans"):
        assert views.scenario_summary(doc)["region"] == "上海"
    with translation.override("en"):
        assert views.scenario_summary(doc)["region"] == "Shanghai"


def test_kpi_rows_of_a_multi_region_run_have_each_regions_block_under_its_id():
    kpis = {"region": {"energy_mwh": 30.0, "co2_t": 12.0},
            "regions": {"shanghai": {"energy_mwh": 20.0, "co2_t": 10.0}, "hohhot": {"energy_mwh": 10.0, "co2_t": 2.0}},
            "agents": {"dc1": {"type": "data_center", "energy_mwh": 5.0}}}
    rows = list(exports.kpi_rows(kpis))
    region = [(r["id"], r["kpi"], r["value"]) for r in rows if r["scope"] == "region"]
    assert region == [("", "energy_mwh", 30.0), ("", "co2_t", 12.0), ("shanghai", "energy_mwh", 20.0),
                      ("shanghai", "co2_t", 10.0), ("hohhot", "energy_mwh", 10.0), ("hohhot", "co2_t", 2.0)]
    assert all(r["unit"] == "MWh" for r in rows if r["kpi"] == "energy_mwh")
    assert [r["id"] for r in rows if r["scope"] == "agent"] == ["dc1"]
    # A single-region run: as before.
    assert [r["id"] for r in exports.kpi_rows({"region": {"energy_mwh": 1.0}}) if r["scope"] == "region"] == [""]
