"""Builder, compare and report pages through Django's test client: config from the schema and the units table,
both languages, owner checks."""
import json
import re

import pytest
from django.urls import reverse

from web import scenario_services, services
from web.builder_schema import builder_schema, entry_kinds, field_label
from web.models import Run

pytestmark = pytest.mark.django_db


def page_config(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def walk_properties(node, out):
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            out.append((name, prop))
        for value in node.values():
            walk_properties(value, out)
    elif isinstance(node, list):
        for item in node:
            walk_properties(item, out)
    return out


def test_every_field_of_the_builder_schema_has_a_label_and_help_and_numbers_their_unit():
    for lang in ("en", "zh-hans"):
        props = walk_properties(builder_schema(lang), [])
        assert len(props) > 100
        assert all(p.get("title") for _, p in props)
        assert all(p.get("description") for _, p in props)
    assert field_label("DataCenter", "it_capacity_mw", "en") == "IT capacity (MW)"
    assert field_label("DataCenter", "it_capacity_mw", "zh-hans") == "IT 容量 (MW)"
    assert field_label("Region", "lat", "zh-hans") == "纬度 (°N)"
    assert field_label("DataCenter", "racks", "en") == "Racks"  # a count has no unit
    kinds = entry_kinds(builder_schema("en"))
    assert {"data_center", "heat_utility"} <= {k["kind"] for k in kinds["actors"]}
    assert "heat_purchase" in {k["kind"] for k in kinds["contracts"]}


def test_builder_page_sends_schema_templates_and_an_empty_region(client, owner, tiny_data):
    client.force_login(owner)
    html = client.get(reverse("scenario-new"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    config = page_config(html, "builder-config")
    assert config["lang"] == "zh-hans"
    region = config["schema"]["$defs"]["Region"]["properties"]
    assert region["lat"]["title"] == "纬度 (°N)"
    assert set(config["templates"]["actors"]) >= {"data_center", "heat_utility", "grid_operator"}
    assert config["templates"]["contracts"]["heat_purchase"]["type"] == "heat_purchase"
    assert [a["type"] for a in config["empty"]["actors"]] == ["grid_operator"]
    assert config["api"]["validate"] == reverse("api-scenario-check")
    assert "<script>" not in html and "style=" not in html  # CSP: no inline script or style


def test_empty_region_is_a_valid_start(client, owner):
    from web.views import empty_region_document

    scenario_services.scenario_validate(empty_region_document())


def _run(owner, data, seed) -> Run:
    run = services.run_create(owner, data, seed=seed, name="Tiny")
    assert services.run_execute(run.id, "test-worker") == "succeeded"
    return Run.objects.get(pk=run.id)


def test_compare_page_lists_only_own_succeeded_runs(client, owner, other_user, tiny_data):
    mine = _run(owner, tiny_data, 1)
    theirs = _run(other_user, tiny_data, 2)
    client.force_login(owner)
    html = client.get(reverse("run-compare") + f"?runs={mine.id},{theirs.id}").content.decode()
    assert f'value="{mine.id}"' in html and f'value="{theirs.id}"' not in html
    assert page_config(html, "compare-config")["runs"] == [str(mine.id)]  # theirs is dropped, not leaked
    assert "Pick at least two runs." in html


def test_compare_page_draws_each_runs_map_and_sankey_from_its_owner_checked_endpoints(client, owner, tiny_data):
    runs = [_run(owner, tiny_data, seed) for seed in (4, 5)]
    client.force_login(owner)
    html = client.get(reverse("run-compare") + f"?runs={runs[0].id},{runs[1].id}").content.decode()
    twins = page_config(html, "compare-config")["twins"]
    assert [t["run_id"] for t in twins] == [str(r.id) for r in runs]
    for twin, run in zip(twins, runs, strict=True):
        assert twin["outline_url"].startswith(reverse("api-run-outline", args=[run.id]))
        assert twin["agent_state"] == reverse("api-run-agent-state", args=[run.id])
        assert set(twin["capacities"]) == {a["id"] for a in tiny_data["actors"]}
        assert client.get(twin["outline_url"]).status_code == 200
        state = client.get(twin["agent_state"] + f"?step={run.total_steps - 1}").json()
        assert len(state["power_mw"]) == len(tiny_data["actors"])
    assert html.count('class="twin-col"') == 2 and 'id="twins-step"' in html


def test_report_shows_every_kpi_with_its_unit_and_is_owner_only(client, owner, other_user, tiny_data):
    run = _run(owner, tiny_data, 3)
    client.force_login(other_user)
    assert client.get(reverse("run-report", args=[run.id])).status_code == 404
    client.force_login(owner)
    html = client.get(reverse("run-report", args=[run.id])).content.decode()
    row = re.search(r'<tr data-kpi="co2_t">.*?</tr>', html, re.S).group(0)
    assert "tCO₂" in row
    share = re.search(r'<tr data-kpi="renewable_share">.*?</tr>', html, re.S).group(0)
    value = run.kpis["region"]["renewable_share"] * 100
    assert "%" in share and f"{value:,.2f}" in share
    assert "@media print" in (open("web/static/web/builder.css", encoding="utf-8").read())
