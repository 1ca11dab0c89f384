"""Map outlines of the live twin: the GeoJSON files shipped in ``fixtures/geo`` and outlines users upload.

An outline is picked for a run by the region's centre (``region.lat``/``lon``): the user's own outlines
first, then the shipped ones, the one with the smallest bounding box that contains the centre; with none,
a schematic rectangle around the agents. A multi-region scenario (a ``regions`` list) whose regions lie in
several provinces gets China's provinces (``china_provinces``); otherwise the outline that contains every
region's centre, picked the same way. Uploads are validated (size, structure, coordinate ranges,
vertex count) into field-level errors, normalised (name + geometry, coordinates rounded) and stored as
one file per user and name under ``VAR_DIR/geo/<user id>/``.
"""
import json
import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings

GEO_DIR = Path(settings.BASE_DIR) / "fixtures" / "geo"
UPLOAD_MAX_BYTES = 2 * 1024 * 1024
UPLOAD_MAX_FEATURES = 2000
UPLOAD_MAX_VERTICES = 200_000
UPLOADS_PER_USER = 20
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
COORD_DECIMALS = 5


class GeoValidationError(ValueError):
    """Invalid upload; ``errors`` is a list of ``{"loc": path, "msg": text}``."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"{e['loc']}: {e['msg']}" if e["loc"] else e["msg"] for e in errors))
        self.errors = errors


@lru_cache(maxsize=1)
def shipped_outlines() -> tuple[dict, ...]:
    """The entries of ``fixtures/geo/index.json`` (name, file, title, bbox, crs, source, licence)."""
    index = json.loads((GEO_DIR / "index.json").read_text(encoding="utf-8"))
    return tuple(index["outlines"])


def shipped_outline(name: str) -> dict | None:
    return next((o for o in shipped_outlines() if o["name"] == name), None)


def shipped_path(name: str) -> Path | None:
    entry = shipped_outline(name)
    return GEO_DIR / entry["file"] if entry else None


def _contains(bbox, lon: float, lat: float) -> bool:
    return bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def _area(bbox) -> float:
    return (bbox[2] - bbox[0]) * (bbox[3] - bbox[1])


def pick_outline(lat: float | None, lon: float | None, candidates) -> dict | None:
    """The candidate with the smallest bounding box containing (lon, lat), or None."""
    if lat is None or lon is None:
        return None
    inside = [c for c in candidates if _contains(c["bbox"], lon, lat)]
    return min(inside, key=lambda c: _area(c["bbox"])) if inside else None


# Multi-region scenarios -------------------------------------------------------------------------

CHINA_PROVINCES = "china_provinces"


def scenario_regions(scenario: dict) -> list[dict]:
    """The region blocks of a scenario document: each entry of a multi-region ``regions`` list, or the
    document itself (``region``, ``actors``, ``contracts``) for a single region."""
    regions = scenario.get("regions")
    if isinstance(regions, list) and regions:
        return [r for r in regions if isinstance(r, dict)]
    return [scenario]


def scenario_actors(scenario: dict) -> list[dict]:
    """Every actor of a scenario document, over all its regions."""
    return [a for r in scenario_regions(scenario) for a in (r.get("actors") or []) if isinstance(a, dict)]


def region_centres(scenario: dict) -> list[tuple[float, float]]:
    """(lat, lon) of each region's centre that has both."""
    out = []
    for block in scenario_regions(scenario):
        region = block.get("region") or {}
        lat, lon = region.get("lat"), region.get("lon")
        if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
            out.append((float(lat), float(lon)))
    return out


def scenario_centre(scenario: dict) -> tuple[float | None, float | None]:
    """The centre of a scenario's map: its region's, or the mean of its regions' centres."""
    centres = region_centres(scenario)
    if not centres:
        return None, None
    return (sum(c[0] for c in centres) / len(centres), sum(c[1] for c in centres) / len(centres))


def _in_ring(ring, lon: float, lat: float) -> bool:
    """Even-odd ray casting of (lon, lat) against one linear ring [[lon, lat], ...]."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        (xi, yi), (xj, yj) = ring[i][:2], ring[j][:2]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _in_polygon(rings, lon: float, lat: float) -> bool:
    return bool(rings) and _in_ring(rings[0], lon, lat) and not any(_in_ring(h, lon, lat) for h in rings[1:])


@lru_cache(maxsize=1)
def _province_features() -> tuple:
    path = shipped_path(CHINA_PROVINCES)
    if path is None or not path.is_file():
        return ()
    doc = json.loads(path.read_text(encoding="utf-8"))
    return tuple(doc.get("features") or ())


def province_of(lat: float, lon: float) -> str | None:
    """The name of China's province (fixtures/geo/china_provinces.geojson) containing the point, or None."""
    for feature in _province_features():
        geometry = feature.get("geometry") or {}
        polygons = geometry["coordinates"] if geometry.get("type") == "MultiPolygon" else [geometry.get("coordinates")]
        if any(_in_polygon(p, lon, lat) for p in polygons if p):
            return (feature.get("properties") or {}).get("name") or ""
    return None


def spans_provinces(scenario: dict) -> bool:
    """True for a scenario with regions in at least two of China's provinces (and none outside China)."""
    centres = region_centres(scenario)
    if len(centres) < 2:
        return False
    provinces = [province_of(lat, lon) for lat, lon in centres]
    return None not in provinces and len(set(provinces)) > 1


def pick_outline_all(centres: list[tuple[float, float]], candidates) -> dict | None:
    """The candidate with the smallest bounding box containing every (lat, lon) centre, or None."""
    if not centres:
        return None
    inside = [c for c in candidates if all(_contains(c["bbox"], lon, lat) for lat, lon in centres)]
    return min(inside, key=lambda c: _area(c["bbox"])) if inside else None


def schematic_outline(agents: list[dict], lat: float | None = None, lon: float | None = None) -> dict:
    """A rectangle around the agents (and the region centre), 10 % margin: the map of a region without one."""
    lons = [a["lon"] for a in agents if isinstance(a.get("lon"), (int, float))]
    lats = [a["lat"] for a in agents if isinstance(a.get("lat"), (int, float))]
    if lon is not None and lat is not None:
        lons.append(lon)
        lats.append(lat)
    if not lons:
        lons, lats = [0.0], [0.0]
    x0, x1, y0, y1 = min(lons), max(lons), min(lats), max(lats)
    mx = max(0.05, (x1 - x0) * 0.1)
    my = max(0.05, (y1 - y0) * 0.1)
    ring = [[x0 - mx, y0 - my], [x1 + mx, y0 - my], [x1 + mx, y1 + my], [x0 - mx, y1 + my], [x0 - mx, y0 - my]]
    ring = [[round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)] for x, y in ring]
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {"name": ""}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}


# Uploads ----------------------------------------------------------------------------------------


def _user_dir(user) -> Path:
    return Path(settings.VAR_DIR) / "geo" / str(int(user.pk))


def user_outlines(user) -> list[dict]:
    """The user's uploaded outlines: {name, title, bbox, source, licence, crs, user: True}."""
    directory = _user_dir(user)
    out = []
    for meta_path in sorted(directory.glob("*.meta.json")) if directory.is_dir() else []:
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        out.append(meta)
    return out


def user_outline_path(user, name: str) -> Path | None:
    if not NAME_RE.match(name or ""):
        return None
    path = _user_dir(user) / f"{name}.geojson"
    return path if path.is_file() else None


def _ring_errors(ring, loc: str, errors: list[dict], counter: list[int]) -> list:
    if not isinstance(ring, list) or len(ring) < 4:
        errors.append({"loc": loc, "msg": "a linear ring needs at least 4 positions"})
        return []
    out = []
    for k, pos in enumerate(ring):
        if (not isinstance(pos, list) or len(pos) < 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos[:2])):
            errors.append({"loc": f"{loc}.{k}", "msg": "a position is [longitude, latitude] in degrees"})
            return []
        lon, lat = float(pos[0]), float(pos[1])
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            errors.append({"loc": f"{loc}.{k}", "msg": "longitude must be in [-180, 180] and latitude in [-90, 90] "
                                                       "(WGS-84 degrees, not projected metres)"})
            return []
        out.append([round(lon, COORD_DECIMALS), round(lat, COORD_DECIMALS)])
    if out[0] != out[-1]:
        errors.append({"loc": loc, "msg": "a linear ring must end where it starts"})
    counter[0] += len(out)
    return out


def _polygon(coords, loc: str, errors: list[dict], counter: list[int]) -> list:
    if not isinstance(coords, list) or not coords:
        errors.append({"loc": loc, "msg": "a polygon is a list of linear rings"})
        return []
    return [_ring_errors(ring, f"{loc}.{i}", errors, counter) for i, ring in enumerate(coords)]


def validate_geojson(raw: bytes | str) -> dict:
    """A normalised FeatureCollection of (Multi)Polygons from an upload, or GeoValidationError."""
    size = len(raw.encode("utf-8") if isinstance(raw, str) else raw)
    if size > UPLOAD_MAX_BYTES:
        raise GeoValidationError([{"loc": "", "msg": f"the file has {size} bytes; at most {UPLOAD_MAX_BYTES} are accepted"}])
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise GeoValidationError([{"loc": "", "msg": f"not JSON: {exc}"}]) from None
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    elif isinstance(doc, dict) and doc.get("type") in ("Polygon", "MultiPolygon"):
        doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": doc}]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise GeoValidationError([{"loc": "type", "msg": "expected a GeoJSON FeatureCollection, Feature or (Multi)Polygon"}])
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise GeoValidationError([{"loc": "features", "msg": "expected a non-empty list of features"}])
    if len(features) > UPLOAD_MAX_FEATURES:
        raise GeoValidationError([{"loc": "features", "msg": f"{len(features)} features; at most {UPLOAD_MAX_FEATURES}"}])
    errors: list[dict] = []
    counter = [0]
    out = []
    for i, feature in enumerate(features):
        loc = f"features.{i}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.append({"loc": loc, "msg": "expected a Feature"})
            continue
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind == "Polygon":
            coords = _polygon(geometry.get("coordinates"), f"{loc}.geometry.coordinates", errors, counter)
        elif kind == "MultiPolygon":
            parts = geometry.get("coordinates")
            if not isinstance(parts, list) or not parts:
                errors.append({"loc": f"{loc}.geometry.coordinates", "msg": "a MultiPolygon is a list of polygons"})
                continue
            coords = [_polygon(p, f"{loc}.geometry.coordinates.{j}", errors, counter) for j, p in enumerate(parts)]
        else:
            errors.append({"loc": f"{loc}.geometry.type", "msg": "only Polygon and MultiPolygon outlines are drawn"})
            continue
        if counter[0] > UPLOAD_MAX_VERTICES:
            errors.append({"loc": loc, "msg": f"more than {UPLOAD_MAX_VERTICES} vertices: simplify the outline first"})
            break
        props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        name = props.get("name", "")
        name = str(name)[:200] if isinstance(name, (str, int, float)) and not isinstance(name, bool) else ""
        out.append({"type": "Feature", "properties": {"name": name}, "geometry": {"type": kind, "coordinates": coords}})
        if len(errors) >= 20:
            break
    if errors:
        raise GeoValidationError(errors[:20])
    return {"type": "FeatureCollection", "features": out}


def geojson_bbox(doc: dict) -> list[float]:
    xs: list[float] = []
    ys: list[float] = []

    def walk(c):
        if c and isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for x in c:
                walk(x)

    for f in doc["features"]:
        walk(f["geometry"]["coordinates"])
    return [min(xs), min(ys), max(xs), max(ys)]


def user_outline_save(user, *, name: str, title: str, raw: bytes | str, source: str = "", licence: str = "") -> dict:
    """Validate and store an upload under the user's outlines (replacing one of the same name)."""
    errors = []
    if not NAME_RE.match(name or ""):
        errors.append({"loc": "name", "msg": "1–40 characters: lower-case letters, digits, - and _, starting with a letter or digit"})
    if len(title or "") > 200:
        errors.append({"loc": "title", "msg": "at most 200 characters"})
    if errors:
        raise GeoValidationError(errors)
    doc = validate_geojson(raw)
    directory = _user_dir(user)
    existing = {o["name"] for o in user_outlines(user)}
    if name not in existing and len(existing) >= UPLOADS_PER_USER:
        raise GeoValidationError([{"loc": "name", "msg": f"at most {UPLOADS_PER_USER} outlines per user; delete one first"}])
    directory.mkdir(parents=True, exist_ok=True)
    meta = {"name": name, "title": title or name, "bbox": geojson_bbox(doc), "crs": "WGS-84 (as uploaded)",
            "source": str(source)[:300], "licence": str(licence)[:100], "user": True}
    (directory / f"{name}.geojson").write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
    (directory / f"{name}.meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return meta


def user_outline_delete(user, name: str) -> bool:
    path = user_outline_path(user, name)
    if path is None:
        return False
    path.unlink(missing_ok=True)
    (path.parent / f"{name}.meta.json").unlink(missing_ok=True)
    return True


def outline_for_run(user, scenario: dict) -> dict:
    """{"kind": "user"|"shipped"|"schematic", "name", "title", "source", "licence"} for a run's map."""
    centres = region_centres(scenario)
    if len(centres) > 1 and spans_provinces(scenario) and shipped_outline(CHINA_PROVINCES) is not None:
        shipped = shipped_outline(CHINA_PROVINCES)
        return {"kind": "shipped", **{k: shipped[k] for k in ("name", "title", "source", "licence")},
                "title_zh": shipped.get("title_zh", "")}
    mine = pick_outline_all(centres, user_outlines(user))
    if mine is not None:
        return {"kind": "user", **{k: mine.get(k, "") for k in ("name", "title", "source", "licence")}}
    shipped = pick_outline_all(centres, shipped_outlines())
    if shipped is not None:
        return {"kind": "shipped", **{k: shipped[k] for k in ("name", "title", "source", "licence")},
                "title_zh": shipped.get("title_zh", "")}
    return {"kind": "schematic", "name": "schematic", "title": "", "source": "", "licence": ""}
