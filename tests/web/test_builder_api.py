"""Scenario builder back end: every save is a version (list, diff, restore), clone, import/export, KPI exports
(CSV, XLSX content) and the compare table — services and REST API, owner-checked."""
import copy
import csv
import io
import re

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from rest_framework.test import APIClient

from agents import units
from web import scenario_services, selectors, services
from web.models import Run, Scenario, ScenarioVersion

pytestmark = pytest.mark.django_db
COLS = {"scope", "id", "type", "kpi", "label", "unit"}


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.force_login(owner)
    return client


@pytest.fixture
def other_api(other_user) -> APIClient:
    client = APIClient()
    client.force_login(other_user)
    return client


@pytest.fixture
def scenario(owner, tiny_data) -> Scenario:
    return scenario_services.scenario_create(owner, name="Tiny", data=tiny_data, description="first")


def _succeeded(owner, data, seed, scenario=None) -> Run:
    run = services.run_create(owner, data, seed=seed, name=data.get("name", "x"), scenario=scenario)
    assert services.run_execute(run.id, "test-worker") == "succeeded"
    return Run.objects.get(pk=run.id)


@pytest.fixture
def two_runs(owner, tiny_data, scenario) -> list[Run]:
    cheaper = copy.deepcopy(tiny_data)
    cheaper["actors"][1]["it_capacity_mw"] = 12.0  # racks × density 18 MW stays within 0.5–2×
    return [_succeeded(owner, tiny_data, 5, scenario), _succeeded(owner, cheaper, 5)]


# Services --------------------------------------------------------------------------------------


def test_every_save_is_a_numbered_version(owner, scenario, tiny_data):
    assert [v.number for v in selectors.scenario_versions(scenario)] == [1]
    changed = copy.deepcopy(tiny_data)
    changed["horizon"]["steps"] = 24
    scenario_services.scenario_save(owner, scenario=scenario, name="Tiny", data=changed, description="first")
    scenario_services.scenario_save(owner, scenario=scenario, name="Tiny", data=changed, description="first")
    assert [v.number for v in selectors.scenario_versions(scenario)] == [2, 1]  # an unchanged save adds none
    assert scenario.versions.get(number=2).data["horizon"]["steps"] == 24


def test_diff_names_the_changed_field_paths(owner, scenario, tiny_data):
    changed = copy.deepcopy(tiny_data)
    changed["actors"][1]["it_capacity_mw"] = 20.0
    new_dc = {**copy.deepcopy(changed["actors"][1]), "id": "dc_new", "name": "New DC"}
    new_dc.pop("heat_recovery", None)
    changed["actors"].append(new_dc)
    scenario_services.scenario_save(owner, scenario=scenario, name="Tiny 2", data=changed)
    diff = selectors.scenario_version_diff(scenario, 1, 2)
    by_path = {c["path"]: c for c in diff["changes"]}
    assert by_path["actors.1.it_capacity_mw"]["op"] == "changed"
    assert by_path["actors.1.it_capacity_mw"]["new"] == 20.0
    assert by_path[f"actors.{len(changed['actors']) - 1}"]["op"] == "added"
    assert by_path["(name)"] == {"path": "(name)", "op": "changed", "old": "Tiny", "new": "Tiny 2"}
    assert selectors.scenario_version_diff(scenario, 2, 2)["changes"] == []


def test_document_diff_matches_list_items_by_id():
    old = {"actors": [{"id": "a", "x": 1}, {"id": "b", "x": 2}]}
    new = {"actors": [{"id": "new", "x": 0}, {"id": "a", "x": 1}, {"id": "b", "x": 3}]}
    assert selectors.document_diff(old, new) == [
        {"path": "actors.2.x", "op": "changed", "old": 2, "new": 3},
        {"path": "actors.0", "op": "added", "old": None, "new": {"id": "new", "x": 0}},
    ]
    assert selectors.document_diff({"a": 1}, {"a": 1.0}) == [{"path": "a", "op": "changed", "old": 1, "new": 1.0}]


def test_restore_makes_an_old_version_current_as_a_new_version(owner, scenario, tiny_data):
    changed = copy.deepcopy(tiny_data)
    changed["seed"] = 99
    scenario_services.scenario_save(owner, scenario=scenario, name="Tiny", data=changed, description="second")
    restored = scenario_services.scenario_restore(scenario, number=1, by=owner)
    assert restored.data == scenario_services.scenario_normalised(tiny_data) and restored.description == "first"
    latest = selectors.scenario_versions(scenario).first()
    assert latest.number == 3 and latest.note == "restored from v1"


def test_only_the_owner_saves_or_restores(other_user, scenario, tiny_data):
    with pytest.raises(PermissionError):
        scenario_services.scenario_save(other_user, scenario=scenario, name="Tiny", data=tiny_data)
    with pytest.raises(PermissionError):
        scenario_services.scenario_restore(scenario, number=1, by=other_user)


def test_save_with_a_taken_name_is_a_field_error(owner, scenario, tiny_data):
    with pytest.raises(ValidationError) as info:
        scenario_services.scenario_save(owner, name="Tiny", data=tiny_data)
    assert "name" in info.value.message_dict


def test_clone_and_export_import_round_trip(owner, other_user, scenario):
    clone = scenario_services.scenario_clone(scenario, owner=other_user)
    assert clone.owner == other_user and clone.data == scenario.data and clone.name == "Tiny (copy)"
    again = scenario_services.scenario_clone(scenario, owner=other_user)
    assert again.name == "Tiny (copy) (2)"
    exported = scenario_services.scenario_export(scenario)
    assert exported["format"] == scenario_services.EXPORT_FORMAT and exported["version"] == 1
    imported = scenario_services.scenario_import(owner, document=exported)
    assert imported.name == "Tiny (2)" and imported.data == scenario.data and imported.description == "first"
    bare = scenario_services.scenario_import(owner, document=scenario.data, name="Bare")
    assert bare.name == "Bare" and bare.versions.get().note == "imported"
    with pytest.raises(ValidationError):
        scenario_services.scenario_import(owner, document={"format": "something-else", "data": {}})


# API -------------------------------------------------------------------------------------------


def test_api_saves_versions_and_restores(api, scenario, tiny_data):
    changed = copy.deepcopy(tiny_data)
    changed["seed"] = 3
    put = api.put(f"/api/scenarios/{scenario.id}/", {"name": "Tiny", "description": "x", "data": changed},
                  format="json")
    assert put.status_code == 200, put.json()
    versions = api.get(f"/api/scenarios/{scenario.id}/versions/").json()
    assert [v["number"] for v in versions] == [2, 1] and versions[0]["created_by"] == "owner"
    stored = scenario_services.scenario_normalised(tiny_data)  # documents are stored normalised
    assert api.get(f"/api/scenarios/{scenario.id}/versions/1/").json()["data"] == stored
    diff = api.get(f"/api/scenarios/{scenario.id}/diff/?from=1&to=2").json()
    assert {"path": "seed", "op": "changed", "old": tiny_data["seed"], "new": 3} in diff["changes"]
    restored = api.post(f"/api/scenarios/{scenario.id}/versions/1/restore/")
    assert restored.status_code == 200 and restored.json()["data"] == stored
    assert api.post(f"/api/scenarios/{scenario.id}/versions/9/restore/").status_code == 404
    assert api.get(f"/api/scenarios/{scenario.id}/diff/?from=a&to=2").status_code == 400


def test_api_hides_others_scenarios_and_refuses_restoring_a_demo(api, other_api, owner, scenario, tiny_data):
    for url in (f"/api/scenarios/{scenario.id}/versions/", f"/api/scenarios/{scenario.id}/versions/1/",
                f"/api/scenarios/{scenario.id}/export/", f"/api/scenarios/{scenario.id}/diff/?from=1&to=1"):
        assert other_api.get(url).status_code == 404, url
    assert other_api.post(f"/api/scenarios/{scenario.id}/clone/", {}, format="json").status_code == 404
    demo = scenario_services.scenario_create(owner, name="Demo", data=tiny_data, is_demo=True)
    assert other_api.post(f"/api/scenarios/{demo.id}/versions/1/restore/").status_code == 403
    cloned = other_api.post(f"/api/scenarios/{demo.id}/clone/", {"name": "My demo"}, format="json")
    assert cloned.status_code == 201 and cloned.json()["name"] == "My demo"


def test_api_export_then_import(api, scenario):
    exported = api.get(f"/api/scenarios/{scenario.id}/export/")
    assert exported.status_code == 200 and "attachment" in exported["Content-Disposition"]
    document = exported.json()
    created = api.post("/api/scenarios/import/", {"document": document, "name": "Back"}, format="json")
    assert created.status_code == 201 and created.json()["data"] == scenario.data
    broken = copy.deepcopy(document)
    broken["data"]["horizon"]["steps"] = -1
    bad = api.post("/api/scenarios/import/", {"document": broken}, format="json")
    assert bad.status_code == 400 and any(e["loc"].startswith("horizon.steps") for e in bad.json()["errors"])
    assert ScenarioVersion.objects.filter(scenario__name="Back").count() == 1


def test_kpi_csv_and_xlsx_carry_every_kpi_with_its_unit(api, two_runs):
    run = two_runs[0]
    response = api.get(f"/api/runs/{run.id}/kpis.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    region = {r["kpi"]: r for r in rows if r["scope"] == "region"}
    scalars = {k for k, v in run.kpis["region"].items() if not isinstance(v, (dict, list))}
    assert scalars <= set(region)
    nested = [k for k, v in run.kpis["region"].items() if isinstance(v, dict)]
    for key in nested:  # nested KPIs (per import line …) flatten to dotted names
        assert any(r.startswith(key + ".") for r in region)
    assert region["co2_t"]["unit"] == "tCO₂" and region["dc_it_energy_mwh"]["unit"] == "MWh"
    numeric = [r for r in rows if re.fullmatch(r"-?[\d.]+(e-?\d+)?", r[next(iter(r.keys() - COLS))] or "x")]
    assert numeric and all(r["unit"] == units.unit_of(r["kpi"].rsplit(".", 1)[-1]).unit for r in numeric)
    header = next(iter(rows))
    value_column = [k for k in header if k not in COLS][0]
    assert region["co2_t"]["label"] == "CO₂ emissions"  # the KPI in words (web/labels.py)
    assert float(region["co2_t"][value_column]) == pytest.approx(run.kpis["region"]["co2_t"])

    xlsx = api.get(f"/api/runs/{run.id}/kpis.xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book["KPIs"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["scope", "id", "type", "kpi", "label", "unit"]
    cells = {(r[0], r[1] or "", r[3]): r for r in sheet.iter_rows(min_row=2, values_only=True)}
    co2 = cells[("region", "", "co2_t")]
    assert co2[4] == "CO₂ emissions" and co2[5] == "tCO₂"
    assert co2[6] == pytest.approx(run.kpis["region"]["co2_t"])  # a number, not text
    dc_id = next(k for k, v in run.kpis["agents"].items() if v["type"] == "data_center")
    assert cells[("agent", dc_id, "pue")][6] == pytest.approx(run.kpis["agents"][dc_id]["pue"])
    assert [c.value for c in book["Runs"][2]][0] == str(run.id)


def test_compare_two_runs_gives_deltas_and_units(api, two_runs):
    ids = ",".join(str(r.id) for r in two_runs)
    body = api.get(f"/api/compare/?runs={ids}").json()
    assert [r["id"] for r in body["runs"]] == [str(r.id) for r in two_runs]
    row = next(r for r in body["rows"] if r["scope"] == "region" and r["kpi"] == "dc_it_energy_mwh")
    first, second = (r.kpis["region"]["dc_it_energy_mwh"] for r in two_runs)
    assert row["values"] == [pytest.approx(first), pytest.approx(second)]
    assert row["deltas"][0] == 0 and row["deltas"][1] == pytest.approx(second - first) and second < first
    assert body["units"]["dc_it_energy_mwh"] == {"unit": "MWh", "kind": "energy"}
    book = load_workbook(io.BytesIO(api.get(f"/api/compare/kpis.xlsx?runs={ids}").content))
    assert len([c.value for c in book["KPIs"][1]]) == 6 + 2
    assert row["label"] == "Data-center IT energy"  # compare.js shows it (web/labels.py)
    assert api.get(f"/api/compare/?runs={two_runs[0].id}").status_code == 400  # one run is not a comparison


def test_compare_refuses_others_and_unfinished_runs(other_api, api, owner, two_runs, tiny_data):
    ids = ",".join(str(r.id) for r in two_runs)
    assert other_api.get(f"/api/compare/?runs={ids}").status_code == 404
    assert other_api.get(f"/api/runs/{two_runs[0].id}/kpis.xlsx").status_code == 404
    queued = services.run_create(owner, tiny_data, seed=1, name="q")
    assert api.get(f"/api/compare/?runs={two_runs[0].id},{queued.id}").status_code == 404


def test_describe_of_a_run_carries_units_of_its_kpis(two_runs):
    described = two_runs[0].describe
    assert described["units"]["price_cny_per_mwh"] == {"unit": "CNY/MWh", "kind": "price"}
    assert units.kpi_names(two_runs[0].kpis) <= set(described["units"])


def test_live_check_gives_the_validate_apis_errors_with_status_200(api, tiny_data):
    broken = copy.deepcopy(tiny_data)
    broken["horizon"]["steps"] = 0
    broken["actors"][1]["it_capacity_mw"] = -1
    validate = api.post("/api/scenarios/validate/", broken, format="json")
    check = api.post("/api/scenarios/check/", broken, format="json")
    assert validate.status_code == 400 and check.status_code == 200
    assert check.json() == {"valid": False, "errors": validate.json()["errors"]}
    ok = api.post("/api/scenarios/check/", tiny_data, format="json").json()
    assert ok["valid"] is True and ok["errors"] == [] and ok["summary"]["actors"] == len(tiny_data["actors"])
    assert api.post("/api/scenarios/check/", [1, 2], format="json").json()["valid"] is False
