"""REST API of the scenario builder and of comparisons: versions (list, get, diff, restore), clone, import/export,
KPI exports (CSV, XLSX) of one run or of 2–4 runs. Thin: ``scenario_services`` writes, ``selectors`` read."""
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from agents import ScenarioValidationError, units

from .. import scenario_services, selectors
from ..models import Run, ScenarioVersion
from . import exports
from .exceptions import scenario_errors
from .serializers import DetailSerializer, ErrorsSerializer, ScenarioSerializer

COMPARE_MIN, COMPARE_MAX = 2, 4
_VALIDATION_ERROR = OpenApiResponse(ErrorsSerializer, description="Invalid input, with field paths")
_NOT_FOUND = OpenApiResponse(DetailSerializer, description="Unknown id, or not yours")


class ScenarioVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ScenarioVersion
        fields = ["number", "name", "description", "note", "created_by", "created_at"]


class ScenarioVersionDetailSerializer(ScenarioVersionSerializer):
    class Meta(ScenarioVersionSerializer.Meta):
        fields = [*ScenarioVersionSerializer.Meta.fields, "data"]


class CloneSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ImportSerializer(serializers.Serializer):
    document = serializers.JSONField(help_text="An export of GET …/export/, or a bare scenario document")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


def _scenario_or_404(user, scenario_id):
    try:
        return selectors.scenario_get_for_user(user, scenario_id)
    except Http404:
        raise NotFound("No such scenario.") from None


def _django_errors(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})


class ScenarioCheckView(APIView):
    """Validate a document (the request body) for the builder's live checks: always 200 with ``valid`` and the
    same ``errors`` as POST /api/scenarios/validate/ answers with 400 (a live check that fails is not an error)."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        if not isinstance(request.data, dict):
            return Response({"valid": False, "errors": [{"loc": "", "msg": "A scenario document must be a JSON object."}]})
        try:
            scenario = scenario_services.scenario_validate(request.data)
        except ScenarioValidationError as exc:
            return Response({"valid": False, "errors": scenario_errors(exc)})
        return Response({"valid": True, "errors": [], "summary": scenario_services.scenario_summary(scenario)})


class ScenarioVersionListView(APIView):
    """The saved versions of a scenario, newest first (every save adds one)."""

    @extend_schema(responses={200: ScenarioVersionSerializer(many=True), 404: _NOT_FOUND})
    def get(self, request, scenario_id):
        scenario = _scenario_or_404(request.user, scenario_id)
        return Response(ScenarioVersionSerializer(selectors.scenario_versions(scenario), many=True).data)


class ScenarioVersionDetailView(APIView):
    """One version with its document."""

    @extend_schema(responses={200: ScenarioVersionDetailSerializer, 404: _NOT_FOUND})
    def get(self, request, scenario_id, number):
        scenario = _scenario_or_404(request.user, scenario_id)
        try:
            version = selectors.scenario_version_get(scenario, number)
        except Http404:
            raise NotFound("No such version.") from None
        return Response(ScenarioVersionDetailSerializer(version).data)


class ScenarioVersionRestoreView(APIView):
    """Make an older version current again (stored as a new version). Owner only."""

    @extend_schema(request=None, responses={200: ScenarioSerializer, 403: DetailSerializer, 404: _NOT_FOUND})
    def post(self, request, scenario_id, number):
        scenario = _scenario_or_404(request.user, scenario_id)
        if scenario.owner_id != request.user.id:
            raise PermissionDenied("Demo scenarios are read-only; clone it first.")
        try:
            scenario = scenario_services.scenario_restore(scenario, number=number, by=request.user)
        except ScenarioVersion.DoesNotExist:
            raise NotFound("No such version.") from None
        return Response(ScenarioSerializer(scenario, context={"request": request}).data)


class ScenarioDiffView(APIView):
    """Changes between two versions (``from`` and ``to`` version numbers), with dotted field paths."""

    @extend_schema(
        parameters=[OpenApiParameter("from", int, required=True), OpenApiParameter("to", int, required=True)],
        responses={200: OpenApiTypes.OBJECT, 404: _NOT_FOUND},
    )
    def get(self, request, scenario_id):
        scenario = _scenario_or_404(request.user, scenario_id)
        old, new = request.query_params.get("from"), request.query_params.get("to")
        if not (old and old.isdigit() and new and new.isdigit()):
            raise ValidationError({"from": ["from and to must be version numbers"]})
        try:
            return Response(selectors.scenario_version_diff(scenario, old, new))
        except Http404:
            raise NotFound("No such version.") from None


class ScenarioCloneView(APIView):
    """A copy of one of your scenarios or of a demo scenario, as a new scenario of yours."""

    @extend_schema(request=CloneSerializer, responses={201: ScenarioSerializer, 404: _NOT_FOUND})
    def post(self, request, scenario_id):
        source = _scenario_or_404(request.user, scenario_id)
        body = CloneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        clone = scenario_services.scenario_clone(source, owner=request.user, name=body.validated_data["name"])
        return Response(ScenarioSerializer(clone, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ScenarioExportView(APIView):
    """The scenario as a JSON file that POST /api/scenarios/import/ reads back."""

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT, 404: _NOT_FOUND})
    def get(self, request, scenario_id):
        scenario = _scenario_or_404(request.user, scenario_id)
        body = json.dumps(scenario_services.scenario_export(scenario), indent=2, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="scenario-{scenario.id}.json"'
        return response


class ScenarioImportView(APIView):
    """A new scenario of yours from an exported file or a bare scenario document (validated)."""

    @extend_schema(request=ImportSerializer, responses={201: ScenarioSerializer, 400: _VALIDATION_ERROR})
    def post(self, request):
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            scenario = scenario_services.scenario_import(
                request.user, document=body.validated_data["document"], name=body.validated_data["name"]
            )
        except DjangoValidationError as exc:
            raise _django_errors(exc) from None
        return Response(ScenarioSerializer(scenario, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


# KPI exports -----------------------------------------------------------------------------------


def _succeeded_runs(user, ids: list[str]) -> list[Run]:
    try:
        runs = selectors.runs_for_compare(user, ids)
    except Http404:
        raise NotFound("No such run.") from None
    for run in runs:
        if run.status != Run.Status.SUCCEEDED or run.kpis is None:
            raise NotFound(f"KPIs are available once a run has succeeded; {run.id} is {run.status}.")
    return runs


def compare_ids(params) -> list[str]:
    """Run ids of ``?runs=a,b`` or ``?runs=a&runs=b``: 2–4 distinct ids, order kept."""
    ids: list[str] = []
    for value in params.getlist("runs"):
        ids.extend(i for i in value.split(",") if i)
    ids = list(dict.fromkeys(ids))
    if not COMPARE_MIN <= len(ids) <= COMPARE_MAX:
        raise ValidationError({"runs": [f"give {COMPARE_MIN} to {COMPARE_MAX} distinct run ids"]})
    return ids


def _attachment(body, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class RunKpisCsvView(APIView):
    """The KPIs of a succeeded run as CSV: scope, id, type, kpi, unit, value."""

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY, 404: _NOT_FOUND})
    def get(self, request, run_id):
        runs = _succeeded_runs(request.user, [run_id])
        return _attachment(exports.kpi_csv(runs), filename=f"run-{run_id}-kpis.csv",
                           content_type="text/csv; charset=utf-8")


class RunKpisXlsxView(APIView):
    """The KPIs of a succeeded run as an Excel workbook (sheets KPIs and Runs)."""

    @extend_schema(responses={(200, exports.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY, 404: _NOT_FOUND})
    def get(self, request, run_id):
        runs = _succeeded_runs(request.user, [run_id])
        return _attachment(exports.kpi_xlsx(runs), filename=f"run-{run_id}-kpis.xlsx",
                           content_type=exports.XLSX_CONTENT_TYPE)


_RUNS_PARAM = OpenApiParameter("runs", str, required=True, description="2–4 comma-separated run ids")


class CompareView(APIView):
    """KPIs of 2–4 succeeded runs side by side, with units and the deltas to the first run."""

    @extend_schema(parameters=[_RUNS_PARAM], responses={200: OpenApiTypes.OBJECT, 400: _VALIDATION_ERROR,
                                                       404: _NOT_FOUND})
    def get(self, request):
        runs = _succeeded_runs(request.user, compare_ids(request.query_params))
        return Response(compare_payload(runs))


def compare_payload(runs: list[Run]) -> dict:
    """KPI table of several runs with the deltas (run − first run) and units from ``agents.units``."""
    table = exports.kpi_table(runs)
    for row in table["rows"]:
        base = row["values"][0]
        row["deltas"] = [
            (v - base) if _is_number(v) and _is_number(base) else None for v in row["values"]
        ]
    leaf = {row["kpi"]: row["kpi"].rsplit(".", 1)[-1] for row in table["rows"]}  # nested KPIs: a.b.energy_mwh
    known = units.units_for(sorted(set(leaf.values())))
    return {
        "runs": [{"id": str(r.id), "label": exports.run_label(r), "scenario_name": r.scenario_name,
                  "seed": r.seed} for r in runs],
        **table,
        "units": {kpi: known[name] for kpi, name in leaf.items() if name in known},
    }


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class CompareCsvView(APIView):
    """The compare table as CSV (one value column per run)."""

    @extend_schema(parameters=[_RUNS_PARAM], responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request):
        runs = _succeeded_runs(request.user, compare_ids(request.query_params))
        return _attachment(exports.kpi_csv(runs), filename="compare-kpis.csv", content_type="text/csv; charset=utf-8")


class CompareXlsxView(APIView):
    """The compare table as an Excel workbook."""

    @extend_schema(parameters=[_RUNS_PARAM], responses={(200, exports.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    def get(self, request):
        runs = _succeeded_runs(request.user, compare_ids(request.query_params))
        return _attachment(exports.kpi_xlsx(runs), filename="compare-kpis.xlsx",
                           content_type=exports.XLSX_CONTENT_TYPE)
