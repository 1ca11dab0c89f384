"""Multi-region scenario documents: several regions stepped together, joined by links that carry work.

A multi-region document is told from a single-region one by its ``regions`` key (``is_multi_region``). Name,
schema version, horizon and seed are shared; each entry of ``regions`` is an ordinary single-region body
(``region``, ``actors``, ``markets``, ``contracts``, ``events``, ``demand_response``) with an ``id``, validated
by the single-region rules (agents.scenario.validate_scenario, errors under ``regions.<k>.``). ``links`` join
regions (directed: work moves from ``from_region`` to ``to_region``); ``migration`` says how the coordinator
decides (agents.strategies.migration). ``validate_scenario`` / ``load_scenario`` here accept both kinds of
document (``agents.validate_scenario`` and ``agents.load_scenario`` are these).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from agents import scenario as single
from agents.budget import budget_errors
from agents.decisions import DecisionPointsSpec
from agents.scenario import (
    SCHEMA_VERSION,
    Actor,
    Contract,
    DemandResponse,
    Event,
    Horizon,
    Markets,
    Region,
    Scenario,
    ScenarioValidationError,
    _pydantic_errors,
    _Strict,
    migrate,
)
from agents.strategies.migration import MigrationSpec

RegionId = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$",
                                description="Unique id of the region (letters, digits, _ -)")]
INTERACTIVE_MAX_LATENCY_MS = 50.0  # [A] round trip an interactive service tolerates across regions
MAX_REGIONS = 20
_BODY_KEYS = ("description", "region", "actors", "markets", "contracts", "events", "demand_response")


class RegionEntry(_Strict):
    """One region of a multi-region scenario: an id and a single-region scenario body."""

    id: RegionId
    description: str = Field("", max_length=5000, description="Free text about this region")
    region: Region = Field(description="The region: location, time zone, weather site, grid CO2 factor, tariff")
    actors: list[Actor] = Field(min_length=1, description="Actors of the region")
    markets: Markets = Field(default_factory=Markets, description="Market rules of the region")
    contracts: list[Contract] = Field(default_factory=list, description="Bilateral contracts inside the region")
    events: list[Event] = Field(default_factory=list, description="Grid events of the region (voltage dips)")
    demand_response: DemandResponse = Field(default_factory=DemandResponse,
                                            description="Demand-response programs, aggregators and event calls")


class LinkSpec(_Strict):
    """A directed link between two regions that carries migratable data-center work."""

    id: RegionId
    name: str = Field("", max_length=120, description="Display name")
    name_zh: str = Field("", max_length=120, description="Display name in Chinese, shown on Chinese pages (optional; "
                                                        "empty: the name); display only")
    from_region: str = Field(min_length=1, max_length=40, description="Id of the region work moves out of")
    to_region: str = Field(min_length=1, max_length=40, description="Id of the region work moves to")
    work_capacity_mw: float = Field(gt=0, le=100_000,
                                    description="Most IT power of work the link carries in a step, measured at the "
                                                "source [MW]")
    loss_pu: float = Field(
        0.02, ge=0, le=0.5,
        description="Extra IT energy at the destination per MWh of moved work [-]: moving data, checkpoints and "
                    "state over the network. Default 0.02 is an assumption [A] (fixtures/README.md: order of "
                    "magnitude from Aslan et al. 2018, ~0.06 kWh/GB in 2015, halving every ~2 years)")
    latency_ms: float = Field(ge=0, le=1000, description="Round-trip network latency of the link [ms]")
    latency_class: Literal["interactive", "batch"] = Field(
        "batch", description="Work the link may carry: interactive (latency low enough for online traffic; it also "
                             "carries batch work) or batch (batch and training work only)")


class MultiRegionScenario(_Strict):
    """A multi-region scenario document."""

    schema_version: int = Field(SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION, description="Scenario schema version")
    name: str = Field("scenario", min_length=1, max_length=200, description="Scenario name")
    name_zh: str = Field("", max_length=200, description=single.NAME_ZH_DESCRIPTION)
    description: str = Field("", max_length=5000, description="Free text")
    description_zh: str = Field("", max_length=5000, description=single.DESCRIPTION_ZH_DESCRIPTION)
    horizon: Horizon = Field(description="Simulated period shared by every region: start (local time of the "
                                         "regions, which share one time zone), number of steps, step length")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Random seed (each region derives its own from it)")
    regions: list[RegionEntry] = Field(min_length=2, max_length=MAX_REGIONS,
                                       description="The regions, each with its own weather, grid, market and prices")
    links: list[LinkSpec] = Field(default_factory=list, max_length=200,
                                  description="Directed links that carry migratable work between regions")
    migration: MigrationSpec = Field(default_factory=MigrationSpec,
                                     description="How migratable work is moved between regions "
                                                 "(agents.strategies.migration)")
    decision_points: DecisionPointsSpec = Field(
        default_factory=DecisionPointsSpec,
        description="Where the whole run stops and waits for people's decisions (every N steps, day_start, "
                    "dr_event of any region; agents.multi_region_decisions)")

    @property
    def actors(self) -> list[Any]:
        """Every actor of every region, in region order."""
        return [a for r in self.regions for a in r.actors]

    @property
    def contracts(self) -> list[Any]:
        """Every contract of every region, in region order."""
        return [c for r in self.regions for c in r.contracts]

    def region_of_contract(self, contract_id: str) -> str:
        """Id of the region that holds contract ``contract_id``."""
        return next(r.id for r in self.regions if any(c.id == contract_id for c in r.contracts))

    def region_index(self, region_id: str) -> int:
        return next(k for k, r in enumerate(self.regions) if r.id == region_id)

    def scenario_of(self, region_id: str) -> Scenario:
        """The single-region scenario of one region (shared name, horizon and seed + its body)."""
        r = self.regions[self.region_index(region_id)]
        return Scenario.model_validate({"schema_version": self.schema_version, "name": f"{self.name} — {r.id}",
                                        "horizon": self.horizon, "seed": self.seed,
                                        **{k: getattr(r, k) for k in _BODY_KEYS}})


def is_multi_region(data: Any) -> bool:
    """A document is multi-region when it has a ``regions`` key (the discriminating key)."""
    return isinstance(data, dict) and "regions" in data


def _region_docs(doc: dict) -> list[tuple[int, dict]]:
    regions = doc.get("regions")
    if not isinstance(regions, list):
        return []
    shared = {k: doc[k] for k in ("schema_version", "horizon", "seed") if k in doc}
    return [(k, {**shared, **{key: r[key] for key in _BODY_KEYS if key in r}})
            for k, r in enumerate(regions) if isinstance(r, dict)]


def _cross_region_errors(s: MultiRegionScenario) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    region_ids: dict[str, int] = {}
    for k, r in enumerate(s.regions):
        if r.id in region_ids:
            errors.append({"loc": f"regions.{k}.id", "msg": f"duplicate region id {r.id!r} (also regions."
                                                          f"{region_ids[r.id]})"})
        region_ids.setdefault(r.id, k)
    actor_at: dict[str, str] = {}
    for k, r in enumerate(s.regions):
        for i, a in enumerate(r.actors):
            if a.id in actor_at:
                errors.append({"loc": f"regions.{k}.actors.{i}.id",
                               "msg": f"duplicate id {a.id!r} across regions (also {actor_at[a.id]})"})
            actor_at.setdefault(a.id, f"regions.{k}.actors.{i}")
    tz0 = s.regions[0].region.tz
    for k, r in enumerate(s.regions[1:], start=1):
        if r.region.tz != tz0:
            errors.append({"loc": f"regions.{k}.region.tz",
                           "msg": f"every region must share one time zone (regions.0 has {tz0!r}): the regions step "
                                  f"in lock-step from one local start"})
    link_ids: set[str] = set()
    for j, link in enumerate(s.links):
        if link.id in link_ids or link.id in region_ids:
            errors.append({"loc": f"links.{j}.id", "msg": f"duplicate id {link.id!r}"})
        link_ids.add(link.id)
        for key in ("from_region", "to_region"):
            if getattr(link, key) not in region_ids:
                errors.append({"loc": f"links.{j}.{key}",
                               "msg": f"{getattr(link, key)!r} is not a region of this scenario "
                                      f"(expected one of {sorted(region_ids)})"})
        if link.from_region == link.to_region:
            errors.append({"loc": f"links.{j}.to_region", "msg": "a link joins two different regions"})
        if link.latency_class == "interactive" and link.latency_ms > INTERACTIVE_MAX_LATENCY_MS:
            errors.append({"loc": f"links.{j}.latency_class",
                           "msg": f"an interactive link needs latency_ms ≤ {INTERACTIVE_MAX_LATENCY_MS:g} "
                                  f"(this one has {link.latency_ms:g}); use latency_class batch"})
    return errors


def validate_multi_region_scenario(data: dict) -> MultiRegionScenario:
    """Migrate and validate a multi-region document; raise ScenarioValidationError listing every error with its
    ``loc`` path (a region's own errors under ``regions.<k>.``)."""
    doc = migrate(data)
    errors: list[dict[str, str]] = []
    for k, body in _region_docs(doc):
        try:
            single.validate_scenario(body)
        except ScenarioValidationError as exc:
            errors += [{"loc": f"regions.{k}" + (f".{e['loc']}" if e["loc"] else ""), "msg": e["msg"]}
                       for e in exc.errors]
    try:
        parsed = MultiRegionScenario.model_validate(doc)
    except ValidationError as exc:
        seen = {e["loc"] for e in errors}
        region_errors = {e["loc"].split(".")[1] for e in errors}
        errors += [e for e in _pydantic_errors(exc) if e["loc"] not in seen
                   and not (e["loc"].startswith("regions.") and e["loc"].split(".")[1] in region_errors)]
        raise ScenarioValidationError(errors) from None
    errors += _cross_region_errors(parsed)
    # the memory budget of the whole run (agents.budget sums the regions' shapes)
    errors = errors or [{**e, "loc": "regions" if e["loc"] == "actors" else e["loc"]} for e in budget_errors(parsed)]
    if errors:
        raise ScenarioValidationError(errors)
    return parsed


def validate_scenario(data: dict) -> Scenario | MultiRegionScenario:
    """Validate a single- or multi-region document (dispatch on the ``regions`` key)."""
    if is_multi_region(data):
        return validate_multi_region_scenario(data)
    return single.validate_scenario(data)


def load_scenario(path: str | Path) -> Scenario | MultiRegionScenario:
    """Read a JSON scenario file (single- or multi-region) and validate it."""
    return validate_scenario(single.read_scenario_document(path))


def multi_region_json_schema() -> dict:
    """JSON Schema (draft 2020-12) of a multi-region scenario document, as pydantic generates it."""
    schema = TypeAdapter(MultiRegionScenario).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Compute–power–heat twin multi-region scenario"
    return schema
