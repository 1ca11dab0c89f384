"""REST endpoints of the live twin: a run's map outline, one agent's recorded series, and the user's own
map outlines (upload, list, delete). Owner-checked like every run endpoint (404 for others' runs)."""
import json

import pyarrow.parquet as pq
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import geo, twin
from . import downloads
from .exceptions import errors_response
from .serializers import DetailSerializer, ErrorsSerializer
from .views import run_for_user_or_404

_NOT_FOUND = OpenApiResponse(DetailSerializer, description="Unknown id, or not yours")
_VALIDATION_ERROR = OpenApiResponse(ErrorsSerializer, description="Invalid input, with field paths")
AGENT_SERIES_MAX_STEPS = 200_000


def _geojson_response(body: bytes | str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/geo+json")
    response["Cache-Control"] = "private, max-age=3600"
    return response


class RunOutlineView(APIView):
    """The map outline of a run's region (GeoJSON, WGS-84): the user's own outline containing the region's
    centre, else a shipped one (fixtures/geo), else a schematic rectangle around the agents."""

    @extend_schema(responses={(200, "application/geo+json"): OpenApiTypes.OBJECT, 404: _NOT_FOUND})
    def get(self, request, run_id):
        run = run_for_user_or_404(request.user, run_id)
        scenario = run.scenario_snapshot or {}
        picked = geo.outline_for_run(request.user, scenario)
        path = None
        if picked["kind"] == "user":
            path = geo.user_outline_path(request.user, picked["name"])
        elif picked["kind"] == "shipped":
            path = geo.shipped_path(picked["name"])
        if path is not None and path.is_file():
            return _geojson_response(path.read_bytes())
        lat, lon = geo.scenario_centre(scenario)  # every region's actors of a multi-region scenario
        return _geojson_response(json.dumps(geo.schematic_outline(geo.scenario_actors(scenario), lat, lon)))


class RunAgentSeriesView(APIView):
    """One agent's recorded series of a succeeded run: ``{"agent_id", "step": [...], "quantities": {name:
    [...]}}`` (the Parquet columns ``<agent id>.<quantity>``)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: _NOT_FOUND})
    def get(self, request, run_id, agent_id):
        run = run_for_user_or_404(request.user, run_id)
        known = {a.get("id") for a in (run.describe or {}).get("agents", [])}
        if agent_id not in known:
            raise NotFound("No such agent in this run.")
        path = downloads.series_path_or_none(run)
        if path is None:
            raise NotFound(f"Series are available once the run has succeeded; it is {run.status}.")
        prefix = f"{agent_id}."
        names = [n for n in pq.read_schema(path).names if n.startswith(prefix)]
        table = pq.read_table(path, columns=["step", *names])
        if table.num_rows > AGENT_SERIES_MAX_STEPS:
            table = table.slice(0, AGENT_SERIES_MAX_STEPS)
        quantities = {n[len(prefix):]: _finite(table.column(n).to_pylist()) for n in names}
        return Response({"agent_id": agent_id, "step": table.column("step").to_pylist(), "quantities": quantities})


class RunAgentStateView(APIView):
    """Every agent's power (consumption +, generation −) and heat [MW] at one step of a succeeded run, in
    the order of ``describe.agents`` (as the stream's ``agents``): ``?step=N``."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 400: _VALIDATION_ERROR, 404: _NOT_FOUND})
    def get(self, request, run_id):
        run = run_for_user_or_404(request.user, run_id)
        raw = request.query_params.get("step", "")
        if not raw.isdigit() or int(raw) >= max(1, run.total_steps):
            return errors_response([{"loc": "step", "msg": f"an integer in [0, {max(0, run.total_steps - 1)}]"}])
        step = int(raw)
        path = downloads.series_path_or_none(run)
        if path is None:
            raise NotFound(f"Series are available once the run has succeeded; it is {run.status}.")
        agents = (run.describe or {}).get("agents", [])
        present = set(pq.read_schema(path).names)
        columns = [c for c in twin.state_columns(agents) if c in present]
        table = pq.read_table(path, columns=["step", *columns], filters=[("step", "=", step)])
        if table.num_rows == 0:
            raise NotFound("No such step in the recorded series.")
        row = {name: table.column(name)[0].as_py() for name in columns}
        return Response({"step": step, **twin.agent_state_from_row(agents, row)})


def _finite(values: list) -> list:
    return [v if isinstance(v, (int, float)) and v == v and abs(v) != float("inf") else None for v in values]


class OutlineListCreateView(APIView):
    """Map outlines: the shipped ones and yours. POST uploads one of yours (GeoJSON FeatureCollection of
    Polygons/MultiPolygons in WGS-84 degrees, at most 2 MiB; as a multipart ``file`` or as the JSON body
    with ``?name=``): it is used for every run of yours whose region centre lies inside it."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(operation_id="outlines_list", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        shipped = [{k: o[k] for k in ("name", "title", "bbox", "crs", "source", "licence")} for o in geo.shipped_outlines()]
        return Response({"shipped": shipped, "mine": geo.user_outlines(request.user)})

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT, 400: _VALIDATION_ERROR})
    def post(self, request):
        source = licence = ""
        if request.content_type and "json" in request.content_type:
            raw = request._request.body  # the JSON body is the GeoJSON itself (not parsed twice)
            name = request.query_params.get("name", "").strip()
            title = request.query_params.get("title", "").strip()
        else:
            upload = request.FILES.get("file")
            if upload is None:
                return errors_response([{"loc": "file", "msg": "send a GeoJSON file (multipart field 'file') or a JSON body"}])
            if upload.size > geo.UPLOAD_MAX_BYTES:
                return errors_response([{"loc": "file", "msg": f"the file has {upload.size} bytes; at most "
                                                               f"{geo.UPLOAD_MAX_BYTES} are accepted"}])
            raw = upload.read(geo.UPLOAD_MAX_BYTES + 1)
            name = (request.data.get("name") or upload.name.rsplit(".", 1)[0].lower()).strip()
            title = (request.data.get("title") or "").strip()
            source, licence = request.data.get("source", ""), request.data.get("licence", "")
        try:
            meta = geo.user_outline_save(request.user, name=name, title=title, raw=raw, source=source, licence=licence)
        except geo.GeoValidationError as exc:
            return errors_response(exc.errors)
        return Response(meta, status=status.HTTP_201_CREATED)


class OutlineDetailView(APIView):
    """One of your outlines: GET its GeoJSON, DELETE it."""

    @extend_schema(responses={(200, "application/geo+json"): OpenApiTypes.OBJECT, 404: _NOT_FOUND})
    def get(self, request, name):
        path = geo.user_outline_path(request.user, name)
        if path is None:
            shipped = geo.shipped_path(name)
            if shipped is None:
                raise NotFound("No such outline.")
            path = shipped
        return _geojson_response(path.read_bytes())

    @extend_schema(responses={204: None, 404: _NOT_FOUND})
    def delete(self, request, name):
        if not geo.user_outline_delete(request.user, name):
            raise NotFound("No such outline of yours.")
        return Response(status=status.HTTP_204_NO_CONTENT)
