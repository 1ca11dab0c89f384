"""REST API views: thin; services write, selectors read. Others' private scenarios and runs are 404, never 403."""
from django.contrib.auth import authenticate
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from agents import scenario_json_schema

from .. import scenario_services, selectors, services
from ..jsonlimits import int_query_param
from ..models import Run
from . import downloads
from .exceptions import errors_response
from .serializers import (
    DetailSerializer,
    ErrorsSerializer,
    RunControlSerializer,
    RunCreateSerializer,
    RunRerunSerializer,
    RunSerializer,
    ScenarioSerializer,
    ScenarioValidateSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)

_VALIDATION_ERROR = OpenApiResponse(ErrorsSerializer, description="Invalid input, with field paths")
_NOT_FOUND = OpenApiResponse(DetailSerializer, description="Unknown id, or not yours")


def run_for_user_or_404(user, run_id, *, defer: tuple[str, ...] = ()) -> Run:
    """The user's run, or 404 whether it does not exist or belongs to someone else."""
    try:
        return selectors.run_get_for_user(user, run_id, defer=defer)
    except (Http404, Run.DoesNotExist):
        raise NotFound("No such run.") from None


# Scenarios -------------------------------------------------------------------------------------


class ScenarioListCreateView(generics.ListCreateAPIView):
    """Your scenarios; POST creates one (the document is validated)."""

    serializer_class = ScenarioSerializer

    def get_queryset(self):
        return selectors.scenario_list_for_user(self.request.user)

    @extend_schema(responses={201: ScenarioSerializer, 400: _VALIDATION_ERROR})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform_create(self, serializer):
        fields = serializer.validated_data
        serializer.instance = scenario_services.scenario_create(
            self.request.user, name=fields["name"], data=fields["data"], description=fields.get("description", "")
        )


@extend_schema(responses={200: ScenarioSerializer, 404: _NOT_FOUND})
class ScenarioDetailView(generics.RetrieveUpdateDestroyAPIView):
    """One of your scenarios (or a demo scenario, read-only): read, replace (PUT), change (PATCH), delete."""

    serializer_class = ScenarioSerializer
    lookup_url_kwarg = "scenario_id"

    def get_queryset(self):
        return selectors.scenario_list_for_user(self.request.user)

    def get_object(self):
        scenario = super().get_object()
        if self.request.method not in SAFE_METHODS and scenario.owner_id != self.request.user.id:
            raise PermissionDenied("Demo scenarios are read-only; save a copy under another name to change it.")
        return scenario

    @extend_schema(responses={200: ScenarioSerializer, 400: _VALIDATION_ERROR, 404: _NOT_FOUND})
    def put(self, request, *args, **kwargs):
        return super().put(request, *args, **kwargs)

    @extend_schema(responses={200: ScenarioSerializer, 400: _VALIDATION_ERROR, 404: _NOT_FOUND})
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)

    @extend_schema(responses={204: None, 404: _NOT_FOUND})
    def delete(self, request, *args, **kwargs):
        return super().delete(request, *args, **kwargs)

    def perform_update(self, serializer):
        serializer.instance = scenario_services.scenario_update(serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        scenario_services.scenario_delete(instance)


class ScenarioValidateView(APIView):
    """Validate a scenario document (the request body) without saving it."""

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: ScenarioValidateSerializer, 400: _VALIDATION_ERROR},
    )
    def post(self, request):
        if not isinstance(request.data, dict):
            return errors_response([{"loc": "", "msg": "A scenario document must be a JSON object."}])
        scenario = scenario_services.scenario_validate(request.data)  # invalid → 400 via the exception handler
        return Response({"valid": True, "summary": scenario_services.scenario_summary(scenario)})


class ScenarioSchemaView(APIView):
    """The JSON Schema of a scenario document."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(scenario_json_schema())


# Runs ------------------------------------------------------------------------------------------


class RunListCreateView(generics.ListAPIView):
    """Your runs, newest first; POST starts a run of one of your scenarios or of an inline document."""

    serializer_class = RunSerializer

    def get_queryset(self):
        runs = selectors.runs_for_user(self.request.user)
        wanted = [s for s in self.request.query_params.get("status", "").split(",") if s]
        unknown = set(wanted) - set(Run.Status.values)
        if unknown:
            raise ValidationError({"status": [f"unknown status {', '.join(sorted(unknown))}"]})
        if wanted:
            runs = runs.filter(status__in=wanted)
        scenario_id = int_query_param(self.request.query_params, "scenario_id", minimum=1)
        if scenario_id is not None:
            runs = runs.filter(scenario_id=scenario_id)
        return runs

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="Comma-separated statuses, e.g. running,paused"),
            OpenApiParameter("scenario_id", int, description="Only runs of this scenario"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=RunCreateSerializer, responses={201: RunSerializer, 400: _VALIDATION_ERROR, 404: _NOT_FOUND})
    def post(self, request):
        body = RunCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        fields = body.validated_data
        scenario = None
        if fields.get("scenario_id") is not None:
            scenario = selectors.scenario_list_for_user(request.user).filter(pk=fields["scenario_id"]).first()
            if scenario is None:
                raise NotFound("No such scenario.")
            data, name = scenario.data, fields.get("name") or scenario.name
        else:
            data, name = fields["scenario"], fields["name"]
        run = services.run_create(
            request.user, data, fields.get("seed"), name, scenario=scenario,
            speed=fields.get("speed_steps_per_s", 0.0),
        )
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)


class RunDetailView(APIView):
    @extend_schema(responses={200: RunSerializer, 404: _NOT_FOUND})
    def get(self, request, run_id):
        run = run_for_user_or_404(request.user, run_id, defer=selectors.RUN_RESULT_FIELDS + ("scenario_snapshot",))
        return Response(RunSerializer(run).data)


class RunControlView(APIView):
    """Pause, resume, cancel, or change the playback speed (0 = as fast as possible)."""

    @extend_schema(
        request=RunControlSerializer,
        responses={
            200: RunSerializer, 400: _VALIDATION_ERROR, 404: _NOT_FOUND,
            409: OpenApiResponse(DetailSerializer, description="The action does not apply to the run's status"),
        },
    )
    def post(self, request, run_id):
        run = run_for_user_or_404(request.user, run_id, defer=selectors.RUN_RESULT_FIELDS + ("scenario_snapshot",))
        body = RunControlSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        action = body.validated_data["action"]
        kwargs = {}
        if action == "speed":
            kwargs["speed"] = body.validated_data["speed_steps_per_s"]
        try:
            run = services.run_control(run, action, **kwargs)
        except services.RunStateError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(RunSerializer(run).data)


class RunDecisionsView(APIView):
    """Decisions at decision points (agents.decisions): GET lists them and, when the run waits, the actors and
    parameters that may be decided; POST (owner) submits ``{"decisions": [{actor_id, parameter, value}]}`` and
    continues the run."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: _NOT_FOUND})
    def get(self, request, run_id):
        return Response(selectors.run_decisions(run_for_user_or_404(request.user, run_id)))

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            200: OpenApiTypes.OBJECT, 400: _VALIDATION_ERROR, 404: _NOT_FOUND,
            409: OpenApiResponse(DetailSerializer, description="The run is not waiting for decisions"),
        },
    )
    def post(self, request, run_id):
        run = run_for_user_or_404(request.user, run_id)
        if not isinstance(request.data, dict) or "decisions" not in request.data:
            return errors_response([{"loc": "decisions", "msg": "a JSON object with a decisions list is required"}])
        try:
            run = services.run_submit_decisions(run, request.user, request.data["decisions"])
        except services.RunStateError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(selectors.run_decisions(run))


class RunRerunView(APIView):
    """Start a new run of the same scenario snapshot (same seed unless another is given)."""

    @extend_schema(request=RunRerunSerializer, responses={201: RunSerializer, 400: _VALIDATION_ERROR, 404: _NOT_FOUND})
    def post(self, request, run_id):
        run = run_for_user_or_404(request.user, run_id)
        body = RunRerunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        seed = body.validated_data.get("seed")
        new_run = services.run_create(
            request.user, run.scenario_snapshot, run.seed if seed is None else seed, run.scenario_name,
            scenario=run.scenario, speed=run.speed_steps_per_s,
        )
        return Response(RunSerializer(new_run).data, status=status.HTTP_201_CREATED)


class RunSnapshotView(APIView):
    """The run so far, in the same JSON as the WebSocket snapshot (docs/streaming.md)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: _NOT_FOUND})
    def get(self, request, run_id):
        return Response(selectors.run_snapshot(run_for_user_or_404(request.user, run_id)))


class RunKpisView(APIView):
    """KPIs of a succeeded run (region, agents, contracts)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: _NOT_FOUND})
    def get(self, request, run_id):
        run = run_for_user_or_404(request.user, run_id)
        if run.status != Run.Status.SUCCEEDED or run.kpis is None:
            raise NotFound(f"KPIs are available once the run has succeeded; it is {run.status}.")
        return Response(run.kpis)


def _run_and_series_path_or_404(user, run_id):
    """The user's run and its series Parquet file; 404 for others' runs and until the run has succeeded."""
    run = run_for_user_or_404(user, run_id)
    path = downloads.series_path_or_none(run)
    if path is None:
        raise NotFound(f"Series are available once the run has succeeded; it is {run.status}.")
    return run, path


class RunSeriesCsvView(APIView):
    """Every recorded step and quantity as CSV (converted from the run's Parquet file while streaming)."""

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY, 404: _NOT_FOUND})
    def get(self, request, run_id):
        run, path = _run_and_series_path_or_404(request.user, run_id)
        return downloads.download_response(
            request, downloads.parquet_to_csv_chunks(path),
            filename=downloads.download_name(run, "csv"), content_type="text/csv; charset=utf-8",
        )


class RunSeriesParquetView(APIView):
    """Every recorded step and quantity as the run's Parquet file."""

    @extend_schema(responses={(200, "application/vnd.apache.parquet"): OpenApiTypes.BINARY, 404: _NOT_FOUND})
    def get(self, request, run_id):
        run, path = _run_and_series_path_or_404(request.user, run_id)
        return downloads.download_response(
            request, downloads.file_chunks(path), filename=downloads.download_name(run, "parquet"),
            content_type="application/vnd.apache.parquet", length=path.stat().st_size,
        )


# Tokens ----------------------------------------------------------------------------------------


class TokenView(APIView):
    """Exchange a username and password for an API token (send it as ``Authorization: Token <token>``)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer, 400: _VALIDATION_ERROR,
            429: OpenApiResponse(DetailSerializer, description="Too many attempts"),
        },
    )
    def post(self, request):
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        username, password = body.validated_data["username"], body.validated_data["password"]
        django_request = request._request  # throttled by web/throttle.py (per address, per account+address)
        user = authenticate(django_request, username=username, password=password)
        if user is None or not user.is_active:
            return errors_response([{"loc": "", "msg": "Unable to log in with the given username and password."}])
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

