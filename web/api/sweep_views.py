"""REST API of sweeps (docs/sweeps.md): create, list, get, cancel, results (JSON table, CSV, Parquet), one point.

Others' sweeps are 404; a bad grid is a 400 with ``loc`` paths (``params.0.values.2``); quotas are a 429.
"""
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services, sweep_selectors, sweep_services
from ..models import Sweep
from ..sweep_grid import MODES, GridError
from .exceptions import errors_response
from .serializers import DetailSerializer, ErrorsSerializer, RunRerunSerializer, RunSerializer

_VALIDATION_ERROR = OpenApiResponse(ErrorsSerializer, description="Invalid grid or scenario, with field paths")
_NOT_FOUND = OpenApiResponse(DetailSerializer, description="Unknown id, or not yours")
_QUOTA = OpenApiResponse(OpenApiTypes.OBJECT, description="Quota reached: {detail, quota, limit, used}")


class SweepParamSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="Dotted field of the scenario document: markets.carbon_price_cny_per_t, "
                                           "contracts.0.price_cny_per_mwh, actors.<id>.battery.energy_capacity_mwh")
    values = serializers.ListField(child=serializers.JSONField(), help_text="Values to try (1 … 100)")


class SweepCreateSerializer(serializers.Serializer):
    """Exactly one of ``scenario_id`` and ``scenario``. Validation of the grid itself is web.sweep_grid.plan."""

    scenario_id = serializers.IntegerField(required=False, min_value=1, help_text="One of your (or a demo) scenarios")
    scenario = serializers.JSONField(required=False, help_text="Or an inline scenario document")
    contract = serializers.JSONField(required=False, allow_null=True, default=None,
                                     help_text="A contract object added to the scenario (replaces the same id)")
    name = serializers.CharField(required=False, max_length=200, allow_blank=True)
    mode = serializers.ChoiceField(choices=MODES, default="grid",
                                   help_text="grid: every combination; one_at_a_time: base point + each value alone")
    params = SweepParamSerializer(many=True, required=False, help_text="The grid (at most 8 parameters)")
    seeds = serializers.ListField(child=serializers.JSONField(), required=False,
                                  help_text="Seeds (default: the scenario's seed)")
    kpis = serializers.ListField(child=serializers.CharField(), required=False,
                                 help_text="KPI paths into kpis.json, e.g. region.system_cost_cny (default: every "
                                           "numeric region KPI and contract figure)")

    def validate(self, attrs):
        if ("scenario_id" in attrs) == ("scenario" in attrs):
            raise serializers.ValidationError({"scenario": ["give exactly one of scenario_id and scenario"]})
        return attrs


class SweepProgressSerializer(serializers.Serializer):
    queued = serializers.IntegerField()
    running = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    total = serializers.IntegerField()
    finished = serializers.IntegerField()
    fraction = serializers.FloatField(help_text="finished / total, 0..1")
    compute_s = serializers.FloatField(help_text="Seconds spent stepping models, summed over the runs")


class SweepSerializer(serializers.Serializer):
    """The public JSON of a sweep (web.sweep_selectors.sweep_public); also each WebSocket progress message."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    scenario_id = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=Sweep.Status.values)
    mode = serializers.ChoiceField(choices=MODES)
    params = serializers.ListField(child=serializers.DictField(), help_text="[{path, values, base}]")
    seeds = serializers.ListField(child=serializers.IntegerField())
    kpis = serializers.ListField(child=serializers.CharField())
    points = serializers.IntegerField()
    total_runs = serializers.IntegerField(help_text="points × seeds")
    progress = SweepProgressSerializer()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    links = serializers.DictField(child=serializers.CharField(),
                                  help_text="self, results, csv, parquet, cancel, stream (WebSocket), page")


class SweepResultRowSerializer(serializers.Serializer):
    point = serializers.IntegerField()
    params = serializers.DictField(help_text="{path: value} of every parameter at this point")
    varied = serializers.CharField(allow_null=True, help_text="one_at_a_time: the path varied (null: base point)")
    seeds = serializers.ListField(child=serializers.IntegerField())
    status = serializers.CharField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.CharField())
    n = serializers.DictField(child=serializers.IntegerField(), help_text="{kpi: seeds with a value}")
    mean = serializers.DictField(help_text="{kpi: mean over the seeds}")
    std = serializers.DictField(help_text="{kpi: sample standard deviation (ddof=1), null with < 2 seeds}")
    url = serializers.CharField(help_text="The point's runs: seeds, full kpis")


class SweepResultsSerializer(serializers.Serializer):
    sweep = serializers.UUIDField()
    status = serializers.CharField()
    complete = serializers.BooleanField(help_text="true once every row is finished")
    mode = serializers.CharField()
    params = serializers.ListField(child=serializers.CharField())
    base = serializers.DictField(help_text="{path: value in the base scenario}")
    kpis = serializers.ListField(child=serializers.CharField())
    units = serializers.DictField(help_text="{kpi: {unit, kind}} from agents.units")
    rows = SweepResultRowSerializer(many=True)


def sweep_for_user_or_404(user, sweep_id, **kwargs) -> Sweep:
    try:
        return sweep_selectors.sweep_get_for_user(user, sweep_id, **kwargs)
    except Http404:
        raise NotFound("No such sweep.") from None


class SweepListCreateView(generics.ListAPIView):
    """Your sweeps, newest first; POST starts one (a parameter grid and/or seeds over a scenario)."""

    serializer_class = SweepSerializer

    def get_queryset(self):
        sweeps = sweep_selectors.sweeps_for_user(self.request.user)
        wanted = [s for s in self.request.query_params.get("status", "").split(",") if s]
        unknown = set(wanted) - set(Sweep.Status.values)
        if unknown:
            raise ValidationError({"status": [f"unknown status {', '.join(sorted(unknown))}"]})
        return sweeps.filter(status__in=wanted) if wanted else sweeps

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        progress = sweep_services.sweeps_progress([s.pk for s in page])
        return self.get_paginated_response([sweep_selectors.sweep_public(s, progress[str(s.pk)]) for s in page])

    @extend_schema(parameters=[OpenApiParameter("status", str, description="Comma-separated statuses")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=SweepCreateSerializer,
                   responses={201: SweepSerializer, 400: _VALIDATION_ERROR, 404: _NOT_FOUND, 429: _QUOTA})
    def post(self, request):
        body = SweepCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = body.validated_data
        scenario = None
        if fields.get("scenario_id") is not None:
            scenario = selectors.scenario_list_for_user(request.user).filter(pk=fields["scenario_id"]).first()
            if scenario is None:
                raise NotFound("No such scenario.")
            data = scenario.data
        else:
            data = fields["scenario"]
        try:
            sweep = sweep_services.sweep_create(
                request.user, data, params=request.data.get("params"), seeds=request.data.get("seeds"),
                contract=fields.get("contract"), mode=fields["mode"], kpis=fields.get("kpis"),
                name=fields.get("name") or None, scenario=scenario)
        except GridError as exc:
            return errors_response(exc.errors)
        return Response(sweep_selectors.sweep_public(sweep), status=status.HTTP_201_CREATED)


class SweepDetailView(APIView):
    @extend_schema(responses={200: SweepSerializer, 404: _NOT_FOUND})
    def get(self, request, sweep_id):
        return Response(sweep_selectors.sweep_public(sweep_for_user_or_404(request.user, sweep_id,
                                                                           defer=("base_snapshot",))))


class SweepCancelView(APIView):
    """Cancel a queued or running sweep: rows not finished become cancelled; results so far stay."""

    @extend_schema(request=None, responses={
        200: SweepSerializer, 404: _NOT_FOUND,
        409: OpenApiResponse(DetailSerializer, description="The sweep has finished already")})
    def post(self, request, sweep_id):
        sweep = sweep_for_user_or_404(request.user, sweep_id, defer=("base_snapshot",))
        try:
            sweep = sweep_services.sweep_cancel(sweep)
        except sweep_services.SweepStateError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(sweep_selectors.sweep_public(sweep))


class SweepResultsView(APIView):
    """The results table: one row per point, mean ± std of each KPI across seeds (partial while running)."""

    @extend_schema(responses={200: SweepResultsSerializer, 404: _NOT_FOUND})
    def get(self, request, sweep_id):
        return Response(sweep_selectors.sweep_results(sweep_for_user_or_404(request.user, sweep_id)))


class SweepPointView(APIView):
    """One point: its parameter values and, per seed, status, attempts, selected metrics and full kpis."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: _NOT_FOUND})
    def get(self, request, sweep_id, point):
        sweep = sweep_for_user_or_404(request.user, sweep_id)
        try:
            return Response(sweep_selectors.sweep_point_detail(sweep, point))
        except Http404:
            raise NotFound("No such point.") from None


class SweepPointRunView(APIView):
    """Start an ordinary run of one point (its scenario document; ``seed`` default: the sweep's first seed), to
    watch it step by step and download its series."""

    @extend_schema(request=RunRerunSerializer, responses={201: RunSerializer, 400: _VALIDATION_ERROR, 404: _NOT_FOUND,
                                                          429: _QUOTA})
    def post(self, request, sweep_id, point):
        sweep = sweep_for_user_or_404(request.user, sweep_id)
        body = RunRerunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        seed = body.validated_data.get("seed")
        try:
            document = sweep_selectors.point_scenario(sweep, point)
        except Http404:
            raise NotFound("No such point.") from None
        run = services.run_create(request.user, document, sweep.seeds[0] if seed is None else seed,
                                  f"{sweep.name} · point {point}"[:200], scenario=sweep.scenario)
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)


_PER = OpenApiParameter("per", str, enum=["point", "run"],
                        description="point (default): one line per point with <kpi>_mean/_std/_n; run: per seed")


def _table(request, sweep_id):
    per = request.query_params.get("per", "point")
    if per not in ("point", "run"):
        raise ValidationError({"per": ["per is point or run"]})
    sweep = sweep_for_user_or_404(request.user, sweep_id)
    return sweep, per, sweep_selectors.results_table(sweep, per)


def _attachment(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class SweepResultsCsvView(APIView):
    @extend_schema(parameters=[_PER], responses={(200, "text/csv"): OpenApiTypes.BINARY, 404: _NOT_FOUND})
    def get(self, request, sweep_id):
        sweep, per, table = _table(request, sweep_id)
        return _attachment(sweep_selectors.table_csv(table), "text/csv; charset=utf-8",
                           f"sweep-{sweep.pk}-{per}.csv")


class SweepResultsParquetView(APIView):
    @extend_schema(parameters=[_PER],
                   responses={(200, "application/vnd.apache.parquet"): OpenApiTypes.BINARY, 404: _NOT_FOUND})
    def get(self, request, sweep_id):
        sweep, per, table = _table(request, sweep_id)
        return _attachment(sweep_selectors.table_parquet(table), "application/vnd.apache.parquet",
                           f"sweep-{sweep.pk}-{per}.parquet")
