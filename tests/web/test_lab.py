"""The Contract Lab's server side (web.lab, /lab/, /api/lab/): the draft inside a scenario, its errors on the
contract's own fields exactly as the core words them, the run that tests it, the page's config."""
import copy
import json

import pytest
from rest_framework.test import APIClient

from agents import ScenarioValidationError, validate_scenario
from web import lab, scenario_services
from web.models import Run

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.force_login(owner)
    return client


@pytest.fixture
def scenario(owner, tiny_data):
    return scenario_services.scenario_create(owner, name="Tiny", data=tiny_data)


def _draft(tiny_data, **terms) -> dict:
    draft = copy.deepcopy(tiny_data["contracts"][0])
    draft.update(id="lab_deal", **terms)
    return draft


def test_the_draft_replaces_the_scenarios_contract_between_the_same_parties(tiny_data):
    draft = _draft(tiny_data, price_cny_per_mwh=120.0)
    doc, index, replaced = lab.lab_document(tiny_data, draft)
    assert replaced == ["heat_deal"]
    assert [c["id"] for c in doc["contracts"]] == ["lab_deal"] and index == 0
    assert tiny_data["contracts"][0]["id"] == "heat_deal"  # the scenario itself is untouched
    validate_scenario(doc)


def test_errors_on_the_drafts_fields_carry_the_cores_own_message(tiny_data):
    draft = _draft(tiny_data, price_cny_per_mwh=-5.0)
    doc, index, _ = lab.lab_document(tiny_data, draft)
    with pytest.raises(ScenarioValidationError) as exc:
        validate_scenario(doc)
    core = [e for e in exc.value.errors if e["loc"] == f"contracts.{index}.price_cny_per_mwh"]
    checked = lab.lab_check(tiny_data, draft)
    assert not checked["valid"]
    mine = [e for e in checked["errors"] if e.get("field") == "price_cny_per_mwh"]
    assert core and [e["msg"] for e in mine] == [e["msg"] for e in core]


def test_check_api_puts_a_party_of_the_wrong_type_on_its_field(api, scenario, tiny_data):
    draft = _draft(tiny_data, seller_id="heat_city")  # a heat utility cannot sell DC heat
    answer = api.post("/api/lab/check/", {"scenario_id": scenario.id, "contract": draft}, format="json")
    assert answer.status_code == 200
    body = answer.json()
    assert body["valid"] is False
    assert any(e.get("field") == "seller_id" and "heat_city" in e["msg"] for e in body["errors"]), body


def test_check_api_answers_bad_bodies_with_field_errors_not_500(api, scenario):
    for body in ({"scenario_id": scenario.id, "contract": "nope"}, {"contract": {}}, {"scenario_id": 0, "contract": {}},
                 {"scenario_id": scenario.id, "contract": {"type": "no_such_type", "id": "x"}}):
        answer = api.post("/api/lab/check/", body, format="json")
        assert answer.status_code in (200, 400), (body, answer.status_code)
        data = answer.json()
        assert data["errors"] and all("loc" in e for e in data["errors"]), data


def test_others_scenarios_are_404(api, other_user, tiny_data):
    theirs = scenario_services.scenario_create(other_user, name="Theirs", data=tiny_data)
    answer = api.post("/api/lab/check/", {"scenario_id": theirs.id, "contract": _draft(tiny_data)}, format="json")
    assert answer.status_code == 404


def test_run_api_starts_one_run_of_the_scenario_with_the_draft(api, owner, scenario, tiny_data, drain_runs):
    draft = _draft(tiny_data, price_cny_per_mwh=111.0)
    answer = api.post("/api/lab/runs/", {"scenario_id": scenario.id, "contract": draft, "seed": 3}, format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    run = Run.objects.get(pk=body["run"]["id"])
    assert run.owner == owner and run.seed == 3 and run.scenario_id == scenario.id
    contracts = run.scenario_snapshot["contracts"]
    assert [c["id"] for c in contracts] == ["lab_deal"] and contracts[0]["price_cny_per_mwh"] == 111.0
    assert body["replaced"] == ["heat_deal"] and body["contract_id"] == "lab_deal"


def test_run_api_refuses_an_invalid_draft_with_its_field(api, scenario, tiny_data):
    answer = api.post("/api/lab/runs/", {"scenario_id": scenario.id, "contract": _draft(tiny_data, price_cny_per_mwh=-1)},
                      format="json")
    assert answer.status_code == 400
    assert any(e.get("field") == "price_cny_per_mwh" for e in answer.json()["errors"])
    assert not Run.objects.exists()


def test_lab_page_is_in_the_navigation_with_its_config(client, owner, scenario):
    client.force_login(owner)
    page = client.get("/lab/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/lab/"' in html and 'class="active"' in html
    config = json.loads(html.split('id="lab-config" type="application/json">')[1].split("</script>")[0])
    assert {"scenarios", "templates", "types", "api", "i18n"} <= set(config)
    assert any(s["id"] == scenario.id for s in config["scenarios"])
    for kind, spec in config["types"].items():
        assert spec["schema"]["properties"]["type"]["options"]["hidden"] is True, kind
    client.get("/")  # other pages link the Lab too
    assert 'href="/lab/"' in client.get("/runs/").content.decode()


def test_lab_page_speaks_chinese(client, owner, scenario):
    client.force_login(owner)
    page = client.get("/lab/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "合同实验室" in html
    config = json.loads(html.split('id="lab-config" type="application/json">')[1].split("</script>")[0])
    assert config["i18n"]["npv"] == "净现值"


def test_each_contract_type_names_the_parties_the_core_declares_and_its_terms_with_units():
    from agents import CONTRACT_CLASSES, units

    types = lab.contract_types("en")
    assert set(types) == set(CONTRACT_CLASSES)
    for kind, spec in types.items():
        assert spec["parties"] == {f: list(k) for f, k in CONTRACT_CLASSES[kind].PARTIES.items()}, kind
        for path, term in spec["terms"].items():
            assert term["unit"] == units.unit_of(path.rsplit(".", 1)[-1]).unit, (kind, path)
    assert types["waste_heat_purchase"]["volume_of_seller"]["path"] == "heat_recovery.heat_pump_capacity_mw"
    assert "volume_of_seller" not in types["green_ppa"]


def test_every_contract_field_has_a_chinese_label_and_help(tiny_data):
    """The Lab's form in Chinese: no field falls back to its English name (labels and help of web.contract_labels)."""
    import re

    han = re.compile(r"[\u4e00-\u9fff]")
    missing = []
    for kind, spec in lab.contract_types("zh-hans").items():
        defs = spec["schema"]["$defs"]
        nodes = [("", spec["schema"])] + [(n, defs[n]) for n in ("ContractAsset", "FixedHeatPrice", "IndexedHeatPrice",
                                                                  "SharedSavingsHeatPrice") if n in defs]
        for owner, node in nodes:
            for name, prop in (node.get("properties") or {}).items():
                hidden = (prop.get("options") or {}).get("hidden")
                if hidden or name == "kind":
                    continue
                if not han.search(prop.get("title", "")) or not han.search(prop.get("description", "")):
                    missing.append(f"{kind}/{owner}.{name}: {prop.get('title')} — {prop.get('description', '')[:40]}")
    assert not missing, "\n".join(sorted(set(missing)))


def test_the_ledger_line_items_in_the_kpis_add_up_to_each_partys_totals(tiny_data):
    from agents import RegionModel

    model = RegionModel(validate_scenario(tiny_data))
    model.run()
    contract = model.kpis()["contracts"]["heat_deal"]
    for party, row in contract["parties"].items():
        signed = sum(i["amount_cny"] * ((i["payee_id"] == party) - (i["payer_id"] == party)) for i in contract["items"])
        assert signed == pytest.approx(row["net_cny"], abs=1e-6), party
    transfers = [i for i in contract["items"] if "external" not in (i["payer_id"], i["payee_id"])]
    assert transfers and all(i["payer_id"] != i["payee_id"] for i in transfers)


def test_lab_endpoints_never_answer_5xx_to_mutated_drafts(api, scenario, tiny_data, drain_runs):
    """Property-based: a template's draft with any field set to any JSON value (or dropped) → 200/201/400/429,
    errors with a ``loc``; never a 5xx."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    base = {**lab.contract_templates()[0]["contract"], "seller_id": "dc_hohhot", "buyer_id": "heat_city"}
    values = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
                       st.text(max_size=20), st.lists(st.integers(), max_size=3),
                       st.dictionaries(st.text(max_size=8), st.integers(), max_size=3))

    @settings(max_examples=60, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(key=st.sampled_from(sorted(base) + ["pricing.kind", "pricing.factor_pu", "heat_pump.capex_cny", "extra"]),
           value=values, drop=st.booleans(), endpoint=st.sampled_from(["check", "runs"]))
    def run(key, value, drop, endpoint):
        draft = copy.deepcopy(base)
        holder, name = (draft, key) if "." not in key else (draft.get(key.split(".")[0]) or {}, key.split(".")[1])
        if drop:
            holder.pop(name, None)
        else:
            holder[name] = value
        answer = api.post(f"/api/lab/{endpoint}/", {"scenario_id": scenario.id, "contract": draft}, format="json")
        assert answer.status_code in (200, 201, 400, 429), (key, value, answer.status_code)
        body = answer.json()
        if answer.status_code == 400 or (answer.status_code == 200 and not body["valid"]):
            assert body["errors"] and all("loc" in e and e["msg"] for e in body["errors"])

    run()
