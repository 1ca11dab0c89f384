"""Invalid contract terms are field errors in the API (issue 13): validate and create answer 400 with the
contract's field path, never a 500."""

import copy

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner)
    return client


def _with(tiny_data, contract):
    doc = copy.deepcopy(tiny_data)
    doc["contracts"].append(contract)
    return doc


@pytest.mark.parametrize(("contract", "loc"), [
    ({"type": "green_ppa", "id": "ppa", "seller_id": "wind_1", "buyer_id": "dc_hohhot",
      "strike_price_cny_per_mwh": -10.0}, "contracts.1.strike_price_cny_per_mwh"),
    ({"type": "green_ppa", "id": "ppa", "seller_id": "ghost", "buyer_id": "dc_hohhot",
      "strike_price_cny_per_mwh": 250.0}, "contracts.1.seller_id"),
    ({"type": "green_ppa", "id": "ppa", "seller_id": "wind_1", "buyer_id": "heat_city",
      "strike_price_cny_per_mwh": 250.0}, "contracts.1.buyer_id"),
    ({"type": "waste_heat_purchase", "id": "again", "seller_id": "dc_hohhot", "buyer_id": "heat_city",
      "pricing": {"kind": "fixed", "price_cny_per_mwh": 50.0}}, "contracts.1.seller_id"),
])
def test_invalid_contract_terms_are_400_with_the_field_path(api, tiny_data, contract, loc):
    doc = _with(tiny_data, contract)
    validate = api.post("/api/scenarios/validate/", doc, format="json")
    assert validate.status_code == 400
    assert loc in {e["loc"] for e in validate.json()["errors"]}
    created = api.post("/api/scenarios/", {"name": "deal", "data": doc}, format="json")
    assert created.status_code == 400, created.content
    assert loc in str(created.json())


def test_a_valid_ppa_passes_validation(api, tiny_data):
    doc = _with(tiny_data, {"type": "green_ppa", "id": "ppa", "seller_id": "wind_1", "buyer_id": "dc_hohhot",
                            "strike_price_cny_per_mwh": 250.0})
    assert api.post("/api/scenarios/validate/", doc, format="json").status_code == 200
