"""Sweep grids: resolve dotted field paths in a scenario document, expand a grid into points, aggregate results.

Pure functions (no Django): ``web/sweep_services.py`` stores and runs what they produce; docs/sweeps.md.

A path addresses any field of the *normalised* scenario document (``Scenario.model_dump(mode="json")``, so
fields left at their default exist too): dict keys, list indices (``contracts.0.price_cny_per_mwh``) or, in a
list of objects with an ``id``, that id (``actors.dc_hohhot.battery.energy_capacity_mwh``). Every error carries a
``loc`` under the request (``params.1.path``, ``params.0.values.2``, ``seeds.3``, ``contract.price_cny_per_mwh``).
"""
from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_PARAMS = 8
MAX_VALUES = 100
MAX_SEEDS = 100
MAX_KPIS = 100
MODES = ("grid", "one_at_a_time")
KPI_ROOTS = ("region", "agents", "contracts")


class GridError(Exception):
    """A bad sweep definition: ``errors`` is a list of ``{"loc", "msg"}`` like ``ScenarioValidationError``."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{e['loc']}: {e['msg']}" for e in errors))


class TooManyRuns(GridError):
    """points × seeds above ``max_runs`` (the quota ``TWIN_SWEEP_MAX_RUNS``)."""

    def __init__(self, runs: int, limit: int):
        self.runs, self.limit = runs, limit
        super().__init__([{"loc": "params", "msg": f"{runs} runs (points × seeds) is more than the limit "
                                                   f"TWIN_SWEEP_MAX_RUNS = {limit}"}])


@dataclass(frozen=True)
class Param:
    path: str  # as the user wrote it
    loc: str  # canonical: list items by index (the loc validate_scenario reports)
    values: tuple
    base: object  # the value in the base document


@dataclass(frozen=True)
class Point:
    index: int
    values: dict  # user path -> value, every parameter (base value where not varied)
    varied: str | None  # one_at_a_time: the path varied at this point (None: the base point); grid: None


# ---------------------------------------------------------------------------------------------------- paths


def resolve(doc: dict, path: str) -> tuple[str, object]:
    """``(canonical loc, current value)`` of ``path`` in ``doc``; ``ValueError`` with the reason when unknown."""
    if not isinstance(path, str) or not path.strip():
        raise ValueError("a path is a dotted field name, e.g. markets.carbon_price_cny_per_t")
    node, done = doc, []
    for part in path.strip().split("."):
        where = ".".join(done) or "the scenario"
        if isinstance(node, dict):
            if part not in node:
                known = ", ".join(sorted(node)[:40])
                raise ValueError(f"unknown field {part!r} in {where} (fields: {known})")
            node, key = node[part], part
        elif isinstance(node, list):
            key = _list_index(node, part, where)
            node = node[key]
        elif node is None:
            raise ValueError(f"{where} is not set in the base scenario; sweep over the whole {where} object instead")
        else:
            raise ValueError(f"{where} is a value ({node!r}), it has no field {part!r}")
        done.append(str(key))
    return ".".join(done), node


def _list_index(items: list, part: str, where: str) -> int:
    if part.isdigit():
        index = int(part)
        if index >= len(items):
            raise ValueError(f"{where} has {len(items)} items; index {index} is out of range")
        return index
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("id") == part:
            return index
    ids = [str(i.get("id")) for i in items if isinstance(i, dict) and "id" in i]
    raise ValueError(f"no item with id {part!r} in {where} (ids: {', '.join(ids) or 'none'}; or use an index)")


def set_at(doc: dict, loc: str, value) -> None:
    """Set the field at a canonical ``loc`` (from ``resolve``) in place."""
    node = doc
    parts = loc.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = copy.deepcopy(value)
    else:
        node[last] = copy.deepcopy(value)


def apply_values(base: dict, params: Sequence[Param], values: dict) -> dict:
    """A copy of ``base`` with each parameter's value from ``values`` (keyed by user path)."""
    doc = copy.deepcopy(base)
    for param in params:
        if param.path in values:
            set_at(doc, param.loc, values[param.path])
    return doc


# ---------------------------------------------------------------------------------------------------- definition


def with_contract(doc: dict, contract) -> dict:
    """``doc`` with ``contract`` added to its contracts (replacing the contract with the same id)."""
    if contract is None:
        return doc
    if not isinstance(contract, dict):
        raise GridError([{"loc": "contract", "msg": "a contract must be a JSON object (see fixtures/contracts/)"}])
    out = copy.deepcopy(doc)
    contracts = out.setdefault("contracts", [])
    if not isinstance(contracts, list):
        raise GridError([{"loc": "scenario.contracts", "msg": "contracts must be a list"}])
    same = [i for i, c in enumerate(contracts) if isinstance(c, dict) and c.get("id") == contract.get("id")]
    if same:
        contracts[same[0]] = copy.deepcopy(contract)
    else:
        contracts.append(copy.deepcopy(contract))
    return out


def contract_loc(loc: str, contract_index: int | None) -> str:
    """Validation loc of the base document: ``contract.x`` for the added contract, ``scenario.x`` otherwise."""
    prefix = f"contracts.{contract_index}"
    if contract_index is not None and (loc == prefix or loc.startswith(prefix + ".")):
        return "contract" + loc[len(prefix):]
    return f"scenario.{loc}" if loc else "scenario"


def parse_params(base: dict, raw) -> list[Param]:
    """Validate ``[{"path", "values"}]`` against the normalised base document."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise GridError([{"loc": "params", "msg": "params must be a list of {path, values}"}])
    if len(raw) > MAX_PARAMS:
        raise GridError([{"loc": "params", "msg": f"at most {MAX_PARAMS} parameters per sweep"}])
    errors, params, seen = [], [], {}
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or set(item) - {"path", "values"} or "path" not in item or "values" not in item:
            errors.append({"loc": f"params.{i}", "msg": "each parameter is {\"path\": str, \"values\": [..]}"})
            continue
        try:
            loc, current = resolve(base, item["path"])
        except ValueError as exc:
            errors.append({"loc": f"params.{i}.path", "msg": str(exc)})
            continue
        if loc in seen:
            errors.append({"loc": f"params.{i}.path", "msg": f"same field as params.{seen[loc]}.path ({loc})"})
            continue
        seen[loc] = i
        values = item["values"]
        if not isinstance(values, list) or not 1 <= len(values) <= MAX_VALUES:
            errors.append({"loc": f"params.{i}.values", "msg": f"values must be a list of 1 to {MAX_VALUES} values"})
            continue
        for j, value in enumerate(values):
            if isinstance(value, float) and not math.isfinite(value):
                errors.append({"loc": f"params.{i}.values.{j}", "msg": "values must be finite numbers"})
        if len({_key(v) for v in values}) != len(values):
            errors.append({"loc": f"params.{i}.values", "msg": "values must not repeat"})
        params.append(Param(path=item["path"].strip(), loc=loc, values=tuple(values), base=copy.deepcopy(current)))
    if errors:
        raise GridError(errors)
    return params


def _key(value) -> str:
    import json

    return json.dumps(value, sort_keys=True)


def parse_seeds(raw, default: int) -> list[int]:
    if raw is None or raw == []:
        return [int(default)]
    if not isinstance(raw, list) or len(raw) > MAX_SEEDS:
        raise GridError([{"loc": "seeds", "msg": f"seeds must be a list of at most {MAX_SEEDS} integers"}])
    errors = [{"loc": f"seeds.{j}", "msg": "a seed is an integer in 0 … 4294967295"}
              for j, s in enumerate(raw) if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= 2**32 - 1]
    if not errors and len(set(raw)) != len(raw):
        errors.append({"loc": "seeds", "msg": "seeds must not repeat"})
    if errors:
        raise GridError(errors)
    return [int(s) for s in raw]


def parse_kpis(raw) -> list[str]:
    """Dotted KPI paths into kpis.json (``region.system_cost_cny``); [] = the default selection."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_KPIS:
        raise GridError([{"loc": "kpis", "msg": f"kpis must be a list of at most {MAX_KPIS} dotted names"}])
    errors = []
    for j, name in enumerate(raw):
        if not isinstance(name, str) or name.split(".")[0] not in KPI_ROOTS or len(name.split(".")) < 2:
            errors.append({"loc": f"kpis.{j}", "msg": "a KPI is region.<name>, agents.<id>.<name> or "
                                                       "contracts.<id>.<name> (see kpis.json of a run)"})
    if errors:
        raise GridError(errors)
    return list(dict.fromkeys(raw))


def expand(params: Sequence[Param], mode: str = "grid") -> list[Point]:
    """The points of a sweep. ``grid``: every combination (first parameter slowest). ``one_at_a_time``: the base
    point first, then each value of each parameter with the others at their base value (a tornado)."""
    if mode not in MODES:
        raise GridError([{"loc": "mode", "msg": f"mode is one of {', '.join(MODES)}"}])
    base = {p.path: p.base for p in params}
    if mode == "grid":
        combos = itertools.product(*(p.values for p in params)) if params else [()]
        return [Point(i, {p.path: v for p, v in zip(params, combo, strict=True)}, None)
                for i, combo in enumerate(combos)]
    points = [Point(0, dict(base), None)]
    for p in params:
        for v in p.values:
            points.append(Point(len(points), {**base, p.path: v}, p.path))
    return points


def count_points(params: Sequence[Param], mode: str) -> int:
    if mode == "one_at_a_time":
        return 1 + sum(len(p.values) for p in params)
    return math.prod(len(p.values) for p in params)


# ---------------------------------------------------------------------------------------------------- results


def select_metrics(kpis: dict, names: Sequence[str]) -> dict[str, float | None]:
    """``{name: number or None}`` of the chosen KPIs; default (``names`` empty): every numeric KPI of ``region``
    (top level) and every numeric leaf under ``contracts``."""
    if names:
        return {name: _number(_lookup(kpis, name)) for name in names}
    out = {f"region.{k}": _number(v) for k, v in (kpis.get("region") or {}).items() if _is_number(v)}
    out.update(_leaves(kpis.get("contracts") or {}, "contracts"))
    return out


def _lookup(tree, name: str):
    node = tree
    for part in name.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _number(v) -> float | None:
    if not _is_number(v) or not math.isfinite(v):
        return None
    return float(v)


def _leaves(node, prefix: str, depth: int = 0) -> dict[str, float | None]:
    out = {}
    if isinstance(node, dict) and depth < 6:
        for k, v in node.items():
            out.update(_leaves(v, f"{prefix}.{k}", depth + 1))
    elif _is_number(node):
        out[prefix] = _number(node)
    return out


def aggregate(values: Iterable[float | None]) -> tuple[int, float | None, float | None]:
    """``(n, mean, std)`` over the seeds' values (None skipped); std is the sample standard deviation (ddof=1),
    None with fewer than two values."""
    xs = [float(v) for v in values if v is not None]
    n = len(xs)
    if n == 0:
        return 0, None, None
    mean = math.fsum(xs) / n
    if n < 2:
        return n, mean, None
    var = math.fsum((x - mean) ** 2 for x in xs) / (n - 1)
    return n, mean, math.sqrt(var)


def metric_names(rows: Iterable[dict]) -> list[str]:
    """Union of the metric names of result rows, in first-seen order."""
    names: dict[str, None] = {}
    for row in rows:
        for name in row or {}:
            names.setdefault(name, None)
    return list(names)


# ---------------------------------------------------------------------------------------------------- the whole plan


@dataclass(frozen=True)
class Plan:
    base: dict  # normalised base document (contract included)
    params: list[Param]
    points: list[Point]
    seeds: list[int]
    kpis: list[str]
    mode: str

    @property
    def total_runs(self) -> int:
        return len(self.points) * len(self.seeds)


def plan(scenario: dict, *, params=None, seeds=None, contract=None, mode: str = "grid", kpis=None,
         max_runs: int = 1000) -> Plan:
    """Validate a sweep definition completely: the base scenario (+ contract), every path, every value alone
    (``params.i.values.j``) and every point's document (``validate_scenario``, incl. the memory budget).
    Raises ``GridError`` listing every problem."""
    from agents import ScenarioValidationError, validate_scenario

    if not isinstance(scenario, dict):
        raise GridError([{"loc": "scenario", "msg": "a scenario must be a JSON object"}])
    mode = mode or "grid"
    if mode not in MODES:
        raise GridError([{"loc": "mode", "msg": f"mode is one of {', '.join(MODES)}"}])
    doc = with_contract(scenario, contract)
    index = None
    if contract is not None:
        index = next(i for i, c in enumerate(doc["contracts"]) if isinstance(c, dict) and c.get("id") == contract.get("id"))
    try:
        parsed = validate_scenario(doc)
    except ScenarioValidationError as exc:
        raise GridError([{"loc": contract_loc(str(e.get("loc") or ""), index), "msg": e["msg"]} for e in exc.errors]) \
            from None
    base = parsed.model_dump(mode="json")
    errors: list[dict] = []
    parsed_params: list[Param] = []
    for part, fn in (("params", lambda: parse_params(base, params)),
                     ("seeds", lambda: parse_seeds(seeds, parsed.seed)),
                     ("kpis", lambda: parse_kpis(kpis))):
        try:
            value = fn()
        except GridError as exc:
            errors += exc.errors
            continue
        if part == "params":
            parsed_params = value
        elif part == "seeds":
            seed_list = value
        else:
            kpi_list = value
    if errors:
        raise GridError(errors)
    n = count_points(parsed_params, mode) * len(seed_list)
    if n > max_runs:  # before any point is built: a grid of 100^8 points is refused, not expanded
        raise TooManyRuns(n, max_runs)
    for i, p in enumerate(parsed_params):  # each value alone: errors at the value that causes them
        for j, v in enumerate(p.values):
            errs = _point_errors(validate_scenario, ScenarioValidationError, apply_values(base, [p], {p.path: v}))
            errors += [{"loc": f"params.{i}.values.{j}", "msg": f"{p.path} = {v!r}: {e}"} for e in errs]
    if errors:
        raise GridError(errors)
    points = expand(parsed_params, mode)
    if len(parsed_params) > 1 and mode == "grid":  # combinations: cross-field rules
        for point in points:
            errs = _point_errors(validate_scenario, ScenarioValidationError,
                                 apply_values(base, parsed_params, point.values))
            errors += [{"loc": "params", "msg": f"point {point.index} {point.values}: {e}"} for e in errs]
            if len(errors) >= 20:
                break
    if errors:
        raise GridError(errors)
    return Plan(base=base, params=parsed_params, points=points, seeds=seed_list, kpis=kpi_list, mode=mode)


def _point_errors(validate, error_type, doc) -> list[str]:
    try:
        validate(doc)
    except error_type as exc:
        return [f"{e.get('loc') or 'scenario'}: {e['msg']}" for e in exc.errors]
    return []


def point_document(base: dict, params: Sequence[dict], values: dict) -> dict:
    """A point's scenario document from stored params (``[{"path", "loc"}]``) and its values by path."""
    doc = copy.deepcopy(base)
    for p in params:
        if p["path"] in values:
            set_at(doc, p["loc"], values[p["path"]])
    return doc
