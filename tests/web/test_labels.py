"""One table of labels (web/labels.py): every region quantity, agent quantity, KPI key and ledger line item of the
fixtures has an English label and a different Chinese one, and the pages and exports show them (issue 14)."""

import copy
import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from agents import RegionModel, validate_scenario
from agents.contract_eval import kpis_with_contracts
from agents.contract_types import contract_template
from agents.ledger import CATEGORIES
from tests.model.helpers import tiny_doc
from tests.scenarios.helpers import ALL_FIXTURES, fixture_doc, run_doc
from web import labels, twin
from web.api.exports import kpi_rows
from web.models import Run
from web.views import run_page_strings

SHORT_STEPS = 48
STORAGE = {"type": "storage", "id": "bess", "name": "Shared battery", "lat": 40.8, "lon": 111.7,
           "battery": {"energy_capacity_mwh": 40.0, "power_capacity_mw": 10.0}}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _contracts_doc() -> dict:
    """The tiny region with one contract of every type, from the templates (fixtures/contracts/*.json): a DR
    program with an event, a battery, a cold store, a waste-heat purchase with assets, a PPA, a storage lease and
    a tolling; and a grid outage at the data center."""
    d = tiny_doc()
    d["horizon"]["steps"] = 72
    d["actors"].append(copy.deepcopy(STORAGE))
    d["actors"][1]["strategy"] = {"kind": "dr_committed", "flex": {"deferrable_pu": 0.4, "deadline_h": 12.0}}
    d["actors"][1]["cold_storage"] = {"capacity_mwh_th": 20.0, "charge_mw_th": 5.0, "discharge_mw_th": 5.0}
    d["demand_response"] = {
        "programs": [{"id": "p", "trigger": "price", "price_threshold_cny_per_mwh": 20000.0,
                      "baseline_method": "same_day_3_plus_2", "energy_payment_cny_per_mwh": 0.0}],
        "aggregators": [{"id": "vpp", "program_id": "p", "member_ids": ["dc_hohhot"], "commitment_mw": [4.0]}],
        "events": [{"program_id": "p", "start": "2025-01-16T18:00", "end": "2025-01-16T20:00", "called_mw": 4.0,
                    "notice_h": 24.0}]}
    dr = contract_template("demand_response", seller_id="vpp", buyer_id="grid")
    dr.update(capacity_mw=4.0, baseline_method="same_day_3_plus_2")
    lease = contract_template("storage_service", seller_id="bess", buyer_id="grid")
    lease.update(capacity_mw=5.0)
    tolling = contract_template("storage_service", seller_id="bess", buyer_id="dc_hohhot", contract_id="tolling")
    tolling.update(kind="tolling", capacity_mw=4.0, tolling_fee_cny_per_mwh=5.0)
    # a grid outage at the DC (agents.outages): its per-outage and per-site KPIs and series
    d["events"] = [{"type": "grid_outage", "at": "2025-01-16T10:00", "duration_h": 3.0}]
    d["contracts"] = [contract_template("waste_heat_purchase", seller_id="dc_hohhot", buyer_id="heat_city"),
                      contract_template("green_ppa", seller_id="wind_1", buyer_id="dc_hohhot"), dr, lease, tolling]
    return d


def _names(name: str) -> tuple[set[str], set[str], set[str]]:
    """(KPI keys incl. dotted paths as the exports show them, region quantities, agent quantities) of a short run."""
    doc = _contracts_doc() if name == "contracts" else fixture_doc(name)
    if not doc.get("demand_response", {}).get("events"):  # DR events must lie inside the horizon
        doc["horizon"]["steps"] = min(doc["horizon"]["steps"], SHORT_STEPS)
    model = run_doc(doc, min(doc["horizon"]["steps"], 72 if name == "contracts" else SHORT_STEPS))
    # the contracts' results against their counterfactual, as a run stores them (single-region models)
    kpis = kpis_with_contracts(model) if doc.get("contracts") and isinstance(model, RegionModel) else model.kpis()
    keys = {row["kpi"] for row in kpi_rows(kpis)}
    described = model.describe()
    blocks = [described, *(r for r in described.get("regions") or [] if isinstance(r, dict))]
    return (keys, {q for b in blocks for q in b.get("region_quantities", [])},
            {q for b in blocks for q in b.get("agent_quantities", [])})


def _check(names, label=labels.label_of, known=labels.has_label) -> list[str]:
    """Names without a label, or whose English label is the raw name, or whose Chinese label is the English one."""
    bad = []
    for name in sorted(names):
        with translation.override("en"):
            english = label(name)
        with translation.override("zh-hans"):
            chinese = label(name)
        if not known(name) or english == name or chinese == english or not CJK.search(chinese):
            bad.append(f"{name}: en={english!r} zh={chinese!r}")
    return bad


@pytest.mark.parametrize("name", [*ALL_FIXTURES, "contracts"])
def test_every_kpi_key_and_quantity_of_a_fixture_has_an_english_and_a_chinese_label(name):
    keys, region, agent = _names(name)
    assert _check(keys) == []
    # region series, "<region>.<quantity>" in a multi-region run
    assert _check(region, labels.quantity_label, lambda q: q.rsplit(".", 1)[-1] in labels.REGION_QUANTITIES) == []
    with translation.override("zh-hans"):
        drawer = labels.agent_quantity_labels()
    missing = sorted(q for q in agent if q not in drawer or not CJK.search(drawer[q]))
    assert missing == [], "agent quantities without a Chinese label in the drawer"
    if name == "contracts":  # every ledger category and each party's total of it
        assert {k.rsplit(".", 1)[-1] for k in keys} >= {f"{c}_cny" for c in CATEGORIES}
        assert {"parties", "imports"} & {k.split(".")[0] for k in keys}


def test_every_ledger_line_item_and_label_table_entry_is_translated():
    assert set(labels.LINE_ITEMS) == set(CATEGORIES)
    tables = (labels.KPIS, labels.REGION_QUANTITIES, labels.AGENT_QUANTITIES, labels.LINE_ITEMS, labels.GROUPS,
              labels.BLOCKS, labels.CONTRACT_TYPES, labels.ACTOR_TYPES, labels.VALUES)
    with translation.override("zh-hans"):
        untranslated = [str(v) for table in tables for v in table.values() if not CJK.search(str(v))
                        and str(v) not in ("PUE",)]
    assert untranslated == []


def test_dotted_keys_name_their_group_and_id():
    with translation.override("en"):
        assert labels.label_of("parties.dc_hohhot.npv_cny") == "Party dc_hohhot: Net present value (NPV)"
        assert labels.label_of("imports.hh-ac-mengxi.energy_mwh") == "Import line hh-ac-mengxi: Energy"
    with translation.override("zh-hans"):
        assert labels.label_of("parties.dc_hohhot.npv_cny") == "合同方 dc_hohhot：净现值（NPV）"
    assert labels.label_of("mystery_value") == "mystery_value" and not labels.has_label("mystery_value")
    assert not labels.has_label("parties.dc_1.mystery_value") and not labels.has_label("mystery.npv_cny")


def test_kpi_rows_label_every_block_of_a_multi_region_and_dr_run():
    """Blocks beyond region / agents / contracts (multi-region ``regions`` and ``migration``, ``demand_response``)
    become rows too, each labelled where it sits."""
    kpis = {"region": {"co2_t": 1.0}, "regions": {"sh": {"co2_t": 2.0, "peak_load_mw": 3.0}},
            "migration": {"strategy": "carbon", "moved_it_mwh": 4.0,
                          "links": {"sh-hh": {"from_region": "sh", "moved_it_mwh_by_class": {"batch": 5.0}}}},
            "demand_response": {"programs": {"p1": {"called_mwh": 6.0, "events_count": 1}}}}
    with translation.override("en"):
        rows = {(r["scope"], r["id"], r["kpi"]): r["label"] for r in kpi_rows(kpis)}
    assert rows == {
        ("region", "", "co2_t"): "CO₂ emissions",
        ("region", "sh", "co2_t"): "CO₂ emissions",
        ("region", "sh", "peak_load_mw"): "Peak load",
        ("migration", "", "migration.strategy"): "Migration: Strategy",
        ("migration", "", "migration.moved_it_mwh"): "Migration: IT energy moved",
        ("migration", "", "migration.links.sh-hh.from_region"): "Migration · Link sh-hh: From region",
        ("migration", "", "migration.links.sh-hh.moved_it_mwh_by_class.batch"):
            "Migration · Link sh-hh · IT energy moved by latency class: batch",
        ("demand_response", "", "demand_response.programs.p1.called_mwh"): "Demand response · Program p1: Reduction called",
        ("demand_response", "", "demand_response.programs.p1.events_count"): "Demand response · Program p1: Events",
    }
    assert _check(kpi for _scope, _id, kpi in rows) == []
    with translation.override("zh-hans"):
        assert CJK.search(labels.value_label("carbon"))


def test_the_pages_scripts_get_the_tables():
    with translation.override("zh-hans"):
        strings = run_page_strings()
    assert strings["kpi_labels"]["backup_energy_mwh"] == "备用发电"
    assert CJK.search(strings["quantity_labels"]["heat_from_dc_mw"])
    assert strings["line_items"]["penalty"] == "罚金"


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_the_drawers_parameters_of_every_fixture_have_chinese_labels(name):
    """The drawer's parameter table (web/twin.py::parameter_labels, the builder's field labels) in Chinese."""
    shown = twin.parameter_labels(validate_scenario(fixture_doc(name)).model_dump(mode="json"), "zh-hans")
    assert shown
    assert [f"{k}: {v}" for k, v in shown.items() if not all(CJK.search(part) for part in v.split(" · "))] == []


class _HeaderCells(HTMLParser):
    """Text of every ``<th title="key">`` (the report's KPI labels) by key."""

    def __init__(self):
        super().__init__()
        self.cells: dict[str, str] = {}
        self._key = None

    def handle_starttag(self, tag, attrs):
        if tag == "th" and dict(attrs).get("title"):
            self._key = dict(attrs)["title"]
            self.cells[self._key] = ""

    def handle_endtag(self, tag):
        if tag == "th":
            self._key = None

    def handle_data(self, data):
        if self._key:
            self.cells[self._key] += data


@pytest.mark.django_db
def test_report_and_kpi_csv_of_a_hohhot_run_in_chinese_show_no_raw_key(client, owner):
    doc = fixture_doc("hohhot")
    doc["horizon"]["steps"] = SHORT_STEPS
    model = RegionModel(validate_scenario(doc))
    model.run()
    run = Run.objects.create(owner=owner, scenario_name="Hohhot", scenario_snapshot=doc, seed=1,
                             status=Run.Status.SUCCEEDED, step=SHORT_STEPS, total_steps=SHORT_STEPS,
                             kpis=json.loads(json.dumps(kpis_with_contracts(model))))
    assert "backup_energy_mwh" in json.dumps(run.kpis) and run.kpis["contracts"]
    client.force_login(owner)

    html = client.get(reverse("run-report", kwargs={"run_id": run.id}), HTTP_ACCEPT_LANGUAGE="zh-hans")
    cells = _HeaderCells()
    cells.feed(html.content.decode())
    shown = {k: v.strip() for k, v in cells.cells.items() if not k.startswith("http")}
    assert len(shown) > 50 and "parties." + next(iter(run.kpis["contracts"][next(iter(run.kpis["contracts"]))]
                                                       ["parties"])) + ".npv_cny" in shown
    raw = sorted(k for k, v in shown.items() if v == k or not CJK.search(v))
    assert raw == [], "report rows under their raw key"

    response = client.get(f"/api/runs/{run.id}/kpis.csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows and [r["kpi"] for r in rows if not CJK.search(r["label"])] == []


def test_why_there_is_no_irr_is_said_in_the_page_language():
    """agents.finance.irr_pu's reasons were shown in English on Chinese pages (report, KPI table, Contract Lab)."""
    from django.utils import translation

    from agents.finance import irr_pu

    reasons = [irr_pu(cf)[1] for cf in ([10.0, 5.0], [-10.0, -5.0], [-10.0, 25.0, -16.0])]
    assert set(reasons[:2]) <= set(labels.IRR_REASONS)
    with translation.override("zh-hans"):
        shown = [labels.value_label(r) for r in reasons]
    assert all(CJK.search(s) for s in shown), shown
    assert "2" in shown[2]
    with translation.override("en"):
        assert [labels.value_label(r) for r in reasons] == reasons
