"""Endpoints of the live twin: a run's map outline, per-agent state at a step and one agent's series
(owner-checked), user outlines (validated uploads, never a 500), and the outline picked for a region."""
import io
import json

import pytest
from rest_framework.test import APIClient

from agents import RegionModel, validate_scenario
from web import geo, services, twin
from web.models import Run, Scenario

pytestmark = pytest.mark.django_db

SQUARE = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Box"},
          "geometry": {"type": "Polygon", "coordinates": [[[111, 40], [112.5, 40], [112.5, 41.8], [111, 41.8], [111, 40]]]}}]}


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.force_login(owner)
    return client


@pytest.fixture
def intruder(other_user) -> APIClient:
    client = APIClient()
    client.force_login(other_user)
    return client


@pytest.fixture
def user_geo_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.fixture
def succeeded_run(owner, tiny_data) -> Run:
    scenario = Scenario.objects.create(owner=owner, name="Tiny", data=tiny_data)
    run = services.run_create(owner, tiny_data, seed=5, name="Tiny", scenario=scenario)
    assert services.run_execute(run.id, "test-worker") == "succeeded"
    return Run.objects.get(pk=run.id)


def test_agent_state_at_a_step_equals_the_models_agent_state(api, succeeded_run, tiny_data):
    model = RegionModel(validate_scenario(tiny_data), seed=5)
    for _ in range(20):
        model.step()
    for step in (0, 7, 19):
        body = api.get(f"/api/runs/{succeeded_run.id}/agents/state/", {"step": step}).json()
        expected = model.agent_state(step)
        assert body["step"] == step
        assert body["power_mw"] == pytest.approx(expected["power_mw"], rel=1e-9, abs=1e-9)
        assert body["heat_mw"] == pytest.approx(expected["heat_mw"], rel=1e-9, abs=1e-9)
    last = api.get(f"/api/runs/{succeeded_run.id}/agents/state/", {"step": 47}).json()
    assert last["power_mw"] == pytest.approx(succeeded_run.agent_state["power_mw"], rel=1e-5, abs=1e-5)  # stored rounded


@pytest.mark.parametrize("step", ["", "-1", "48", "x", "1e3"])
def test_agent_state_of_a_bad_step_is_a_field_error(api, succeeded_run, step):
    response = api.get(f"/api/runs/{succeeded_run.id}/agents/state/", {"step": step})
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"] == "step"


def test_one_agents_series_of_a_succeeded_run(api, succeeded_run):
    body = api.get(f"/api/runs/{succeeded_run.id}/agents/dc_hohhot/series/").json()
    assert body["step"] == list(range(48))
    assert "heat_delivered_mw" in body["quantities"] and len(body["quantities"]["it_power_mw"]) == 48
    assert api.get(f"/api/runs/{succeeded_run.id}/agents/nobody/series/").status_code == 404


def test_twin_endpoints_are_404_for_other_users(intruder, succeeded_run):
    for suffix in ("outline.geojson", "agents/state/?step=0", "agents/dc_hohhot/series/"):
        assert intruder.get(f"/api/runs/{succeeded_run.id}/{suffix}").status_code == 404, suffix
    assert intruder.get(f"/runs/{succeeded_run.id}/screen/").status_code == 404


def test_a_runs_outline_is_the_shipped_region_containing_its_centre(api, succeeded_run, user_geo_dir):
    response = api.get(f"/api/runs/{succeeded_run.id}/outline.geojson")
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    doc = json.loads(response.content)
    assert doc["features"][0]["id"] == "CN-NM"  # Tiny Hohhot lies in Inner Mongolia


@pytest.mark.parametrize(("lat", "lon", "name"), [
    (31.23, 121.47, "shanghai"), (39.38, 117.05, "tianjin"), (40.82, 111.68, "inner_mongolia"),
    (36.4, 94.9, "qinghai"), (60.21, 24.66, "uusimaa"), (30.6, 114.3, "china_provinces"), (48.85, 2.35, None),
])
def test_the_smallest_shipped_outline_containing_the_centre_is_picked(lat, lon, name):
    picked = geo.pick_outline(lat, lon, geo.shipped_outlines())
    assert (picked["name"] if picked else None) == name


def test_shipped_outlines_are_small_recorded_and_wgs84():
    readme = (geo.GEO_DIR.parent / "README.md").read_text(encoding="utf-8")
    for entry in geo.shipped_outlines():
        path = geo.GEO_DIR / entry["file"]
        assert path.stat().st_size < 300_000, entry["file"]
        doc = geo.validate_geojson(path.read_bytes())  # valid by our own upload rules
        bbox = geo.geojson_bbox(doc)
        assert all(abs(a - b) < 0.02 for a, b in zip(bbox, entry["bbox"], strict=True)), (entry["name"], bbox)
        assert entry["crs"] == "WGS-84" and entry["licence"] and entry["source"]
        assert entry["file"] in readme, f"{entry['file']} is not described in fixtures/README.md"


SHANGHAI_DISTRICTS = {  # GB/T 2260 code → name
    "310101": "黄浦区", "310104": "徐汇区", "310105": "长宁区", "310106": "静安区", "310107": "普陀区", "310109": "虹口区",
    "310110": "杨浦区", "310112": "闵行区", "310113": "宝山区", "310114": "嘉定区", "310115": "浦东新区", "310116": "金山区",
    "310117": "松江区", "310118": "青浦区", "310120": "奉贤区", "310151": "崇明区",
}


def test_shanghai_is_shipped_as_its_16_districts_with_their_source_and_licence():
    doc = json.loads(geo.shipped_path("shanghai").read_text(encoding="utf-8"))
    assert {f["id"]: f["properties"]["name_zh"] for f in doc["features"]} == SHANGHAI_DISTRICTS
    assert all(f["properties"]["name"].isascii() and f["properties"]["code"] == f["id"] for f in doc["features"])
    entry = geo.shipped_outline("shanghai")
    assert entry["licence"] == "ODbL 1.0" and "OpenStreetMap contributors" in entry["source"]
    # the city centre (People's Square) lies in Huangpu; the province picker still finds Shanghai
    huangpu = next(f for f in doc["features"] if f["id"] == "310101")
    assert geo._in_polygon(huangpu["geometry"]["coordinates"], 121.475, 31.232)
    assert geo.province_of(31.232, 121.475) == "Shanghai"


def test_upload_an_outline_and_the_run_uses_it(api, succeeded_run, user_geo_dir):
    upload = io.BytesIO(json.dumps(SQUARE).encode())
    upload.name = "my-hohhot.geojson"
    response = api.post("/api/outlines/", {"file": upload, "title": "My Hohhot"}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "my-hohhot" and response.json()["bbox"] == [111, 40, 112.5, 41.8]
    doc = api.get(f"/api/runs/{succeeded_run.id}/outline.geojson").json()
    assert doc["features"][0]["properties"]["name"] == "Box"
    assert [o["name"] for o in api.get("/api/outlines/").json()["mine"]] == ["my-hohhot"]
    assert api.delete("/api/outlines/my-hohhot/").status_code == 204
    assert api.get(f"/api/runs/{succeeded_run.id}/outline.geojson").json()["features"][0]["id"] == "CN-NM"


def test_an_outline_as_a_json_body(api, user_geo_dir):
    response = api.generic("POST", "/api/outlines/?name=box", json.dumps(SQUARE["features"][0]["geometry"]),
                           content_type="application/json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(("doc", "loc"), [
    ("not json", ""),
    ([], "type"),
    ({"type": "FeatureCollection", "features": []}, "features"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}}]},
     "features.0.geometry.type"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "features.0.geometry.coordinates.0"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0.5]]]}, "features.0.geometry.coordinates.0"),
    ({"type": "Polygon", "coordinates": [[[500000, 0], [1, 0], [1, 1], [500000, 0]]]}, "features.0.geometry.coordinates.0.0"),
    ({"type": "Polygon", "coordinates": [[["a", 0], [1, 0], [1, 1], ["a", 0]]]}, "features.0.geometry.coordinates.0.0"),
    ({"type": "MultiPolygon", "coordinates": "x"}, "features.0.geometry.coordinates"),
])
def test_bad_outlines_are_field_errors_not_500(api, user_geo_dir, doc, loc):
    body = doc if isinstance(doc, str) else json.dumps(doc)
    response = api.generic("POST", "/api/outlines/?name=bad", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["loc"] == loc


def test_bad_outline_names_and_sizes(api, user_geo_dir):
    response = api.generic("POST", "/api/outlines/?name=../etc", json.dumps(SQUARE), content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["loc"] == "name"
    big = io.BytesIO(b" " * (geo.UPLOAD_MAX_BYTES + 10))
    big.name = "big.geojson"
    response = api.post("/api/outlines/", {"file": big}, format="multipart")
    assert response.status_code in (400, 413)
    assert api.post("/api/outlines/", {"title": "no file"}, format="multipart").status_code == 400
    assert api.delete("/api/outlines/nothing/").status_code == 404


def test_agent_capacities_and_parameters_from_the_scenario(tiny_data):
    capacities, params = twin.agents_info(tiny_data)
    assert capacities["dc_hohhot"] == 18.0 and capacities["coal_1"] == 120.0 and capacities["wind_1"] == 50.0
    assert capacities["heat_city"] > 0  # the heat units' capacities summed
    assert params["dc_hohhot"]["it_capacity_mw"] == 18.0
    assert "id" not in params["dc_hohhot"] and "lat" not in params["dc_hohhot"]


def test_run_page_and_big_screen_carry_the_twin_config(owner, succeeded_run, client):
    client.force_login(owner)
    for path in (f"/runs/{succeeded_run.id}/", f"/runs/{succeeded_run.id}/screen/"):
        page = client.get(path).content.decode()
        config = json.loads(page.split('<script id="run-config" type="application/json">')[1].split("</script>")[0])
        assert config["geo"]["url"] == f"/api/runs/{succeeded_run.id}/outline.geojson?v=shipped-inner_mongolia"
        assert config["capacities"]["dc_hohhot"] == 18.0
        assert config["i18n"]["layers"]["heat_flows"]
        assert "示意图" in page and 'type="module"' in page and " style=" not in page
    assert config["big"] is True
