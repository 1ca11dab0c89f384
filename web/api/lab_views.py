"""REST API of the Contract Lab (``web.lab``): check a drafted contract inside a scenario (always 200, errors on
the contract's fields) and start the run that tests it. Thin: ``web.lab`` does the work."""
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from agents import ScenarioValidationError

from .. import lab, selectors
from ..jsonlimits import MAX_DB_INT
from .exceptions import errors_response
from .serializers import MAX_SEED, DetailSerializer, ErrorsSerializer, RunSerializer

_VALIDATION_ERROR = OpenApiResponse(ErrorsSerializer, description="Invalid input, with field paths")
_NOT_FOUND = OpenApiResponse(DetailSerializer, description="Unknown id, or not yours")


class LabDraftSerializer(serializers.Serializer):
    scenario_id = serializers.IntegerField(min_value=1, max_value=MAX_DB_INT, help_text="Your scenario or a demo")
    contract = serializers.DictField(help_text="The drafted contract: one entry of a scenario's `contracts`")
    seed = serializers.IntegerField(required=False, min_value=0, max_value=MAX_SEED, allow_null=True)


def _draft(request):
    body = LabDraftSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    fields = body.validated_data
    try:
        scenario = selectors.scenario_get_for_user(request.user, fields["scenario_id"])
    except Http404:
        raise NotFound("No such scenario.") from None
    contract = dict(fields["contract"])
    parties = list(lab.contract_parties().get(str(contract.get("type")), {}))
    return scenario, contract, fields.get("seed"), parties or None


class LabCheckView(APIView):
    """The scenario with the drafted contract, validated: ``{valid, errors: [{loc, msg, field?}], replaced, index}``
    — ``field`` is the error's path inside the contract; ``replaced`` the scenario's contracts it replaces."""

    @extend_schema(request=LabDraftSerializer, responses={200: OpenApiTypes.OBJECT, 400: _VALIDATION_ERROR,
                                                          404: _NOT_FOUND})
    def post(self, request):
        scenario, contract, _seed, parties = _draft(request)
        return Response(lab.lab_check(scenario.data, contract, parties=parties))


class LabRunView(APIView):
    """Start the run that tests the drafted contract; its KPIs carry the results against the counterfactual."""

    @extend_schema(request=LabDraftSerializer, responses={201: OpenApiTypes.OBJECT, 400: _VALIDATION_ERROR,
                                                          404: _NOT_FOUND})
    def post(self, request):
        scenario, contract, seed, parties = _draft(request)
        checked = lab.lab_check(scenario.data, contract, parties=parties)
        if not checked["valid"]:  # the same errors as the live check, on the contract's fields
            return errors_response(checked["errors"])
        try:
            run, index, replaced = lab.lab_run_create(request.user, scenario=scenario, contract=contract, seed=seed,
                                                      parties=parties)
        except ScenarioValidationError as exc:  # e.g. the run budget (checked again by run_create)
            return errors_response(lab.lab_errors(lab.errors_of(exc), checked["index"]))
        return Response({"run": RunSerializer(run).data, "index": index, "replaced": replaced,
                         "contract_id": contract.get("id")}, status=status.HTTP_201_CREATED)
