"""The twin of a multi-region run: China's provinces as the outline when the regions lie in several
provinces, every region's actors in the page's summary and capacities, the region switcher and the
migration panel on the run page and the big screen (single-region pages keep neither)."""
import copy
import json
import re
from pathlib import Path

import pytest

from web import geo, services

ROOT = Path(__file__).resolve().parents[2]
EDWC = ROOT / "fixtures" / "scenarios" / "east_data_west_computing.json"

pytestmark = pytest.mark.django_db


class _User:
    pk = 10**9  # no uploaded outlines


def edwc(steps: int = 24) -> dict:
    doc = json.loads(EDWC.read_text(encoding="utf-8"))
    doc["horizon"]["steps"] = steps
    return doc


def test_regions_in_several_provinces_get_chinas_provinces():
    doc = edwc()
    assert [geo.province_of(lat, lon) for lat, lon in geo.region_centres(doc)] == ["Shanghai", "Nei Mongol", "Qinghai"]
    assert geo.spans_provinces(doc)
    assert geo.outline_for_run(_User(), doc)["name"] == "china_provinces"
    # two regions in one province: that province's outline, as for one region
    same = copy.deepcopy(doc)
    same["regions"] = [same["regions"][1], copy.deepcopy(same["regions"][1])]
    same["regions"][1]["region"] = {**same["regions"][1]["region"], "lat": 41.0, "lon": 113.0}
    assert not geo.spans_provinces(same)
    assert geo.outline_for_run(_User(), same)["name"] == "inner_mongolia"
    # a single-region document is unchanged
    shanghai = json.loads((ROOT / "fixtures" / "scenarios" / "shanghai.json").read_text(encoding="utf-8"))
    assert geo.outline_for_run(_User(), shanghai)["name"] == "shanghai"
    # a region outside China: no provinces map (the outline containing every centre, here none)
    abroad = copy.deepcopy(doc)
    abroad["regions"][2]["region"] = {**abroad["regions"][2]["region"], "lat": 60.2, "lon": 24.9}
    assert not geo.spans_provinces(abroad)
    assert geo.outline_for_run(_User(), abroad)["kind"] == "schematic"


def _unqueued(owner, data):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "_enqueue", lambda run_id: None)
        return services.run_create(owner, data, seed=3)


def _config(html: str) -> dict:
    match = re.search(r'<script id="run-config" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_the_run_page_of_a_multi_region_run_shows_every_region(owner, client):
    run = _unqueued(owner, edwc())
    client.force_login(owner)
    page = client.get(f"/runs/{run.pk}/").content.decode()
    options = re.findall(r'<option value="(\w+)">', page.split('id="region-select"', 1)[1].split("</select>", 1)[0])
    assert options == ["shanghai", "hohhot", "qaidam"]
    assert '<option value="">All regions</option>' in page  # the whole system first
    assert 'id="chart-migration"' in page and "twin-multi" in page
    assert "514 agents" in page
    config = _config(page)
    assert config["geo"]["name"] == "twin-shipped-china_provinces"
    assert config["region_centre"]["lat"] == pytest.approx((31.23 + 40.82 + 36.42) / 3)
    assert len(config["capacities"]) == 514
    assert list(config["migration_units"])[0] == "moved_it_mwh"
    assert config["i18n"]["layers"]["links"] == "Links between regions"
    outline = client.get(f"/api/runs/{run.pk}/outline.geojson")
    assert outline.content == (ROOT / "fixtures" / "geo" / "china_provinces.geojson").read_bytes()
    screen = client.get(f"/runs/{run.pk}/screen/").content.decode()
    assert 'id="region-select"' in screen and 'id="chart-migration"' in screen


def test_the_chinese_run_page_labels_the_region_switcher(owner, client):
    run = _unqueued(owner, edwc())
    client.force_login(owner)
    page = client.get(f"/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "面板和卡片显示的地区" in page and "各链路区域间迁移的算力" in page
    assert _config(page)["i18n"]["regions_total"] == "全部地区"


def test_a_single_region_run_page_has_no_region_switcher(owner, client, tiny_data):
    run = _unqueued(owner, tiny_data)
    client.force_login(owner)
    page = client.get(f"/runs/{run.pk}/").content.decode()
    assert 'id="region-select"' not in page and 'id="chart-migration"' not in page and "twin-multi" not in page
