"""Request and response shapes of the REST API (documented in the OpenAPI schema at /api/schema/)."""
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents import ScenarioValidationError

from ..jsonlimits import MAX_DB_INT
from ..models import Run, Scenario
from ..scenario_services import DESCRIPTION_MAX_CHARS, NAME_MAX_CHARS, scenario_validate

MAX_SEED = 2**32 - 1  # the range web.services.run_create accepts


def validate_document(data):
    """Validate a scenario document; errors keep the core's field paths (``actors.3.it_capacity_mw``)."""
    if not isinstance(data, dict):
        raise serializers.ValidationError("A scenario document must be a JSON object.")
    try:
        scenario_validate(data)
    except ScenarioValidationError as exc:
        by_loc: dict[str, list[str]] = {}
        for error in exc.errors:
            by_loc.setdefault(str(error.get("loc", "")) or "non_field_errors", []).append(str(error.get("msg", "")))
        raise serializers.ValidationError(by_loc or str(exc)) from None
    return data


class ScenarioSerializer(serializers.ModelSerializer):
    data = serializers.JSONField(help_text="Scenario document, validated with the JSON Schema at /api/scenarios/schema/")
    name = serializers.CharField(max_length=NAME_MAX_CHARS)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_CHARS, required=False, allow_blank=True, default="",
        help_text=f"Free text, at most {DESCRIPTION_MAX_CHARS} characters",
    )

    class Meta:
        model = Scenario
        fields = ["id", "name", "description", "data", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["id", "is_demo", "created_at", "updated_at"]

    def validate_name(self, name: str) -> str:
        owner = self.context["request"].user
        taken = Scenario.objects.filter(owner=owner, name=name)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("You already have a scenario with this name.")
        return name

    def validate_data(self, data):
        return validate_document(data)


class ScenarioValidateSerializer(serializers.Serializer):
    """The body of POST /api/scenarios/validate/ is a scenario document itself (documentation only)."""

    valid = serializers.BooleanField()
    summary = serializers.DictField()


class ErrorItemSerializer(serializers.Serializer):
    loc = serializers.CharField(help_text="Dotted path of the offending field, e.g. actors.3.it_capacity_mw")
    msg = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    errors = ErrorItemSerializer(many=True)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class RunSerializer(serializers.ModelSerializer):
    scenario_id = serializers.IntegerField(read_only=True, allow_null=True)
    progress = serializers.FloatField(read_only=True, help_text="step / total_steps, 0..1")
    duration_s = serializers.FloatField(read_only=True, allow_null=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = Run
        fields = [
            "id", "scenario_name", "scenario_id", "seed", "status", "step", "total_steps", "progress",
            "steps_per_s", "speed_steps_per_s", "attempts", "error", "created_at", "started_at",
            "finished_at", "duration_s", "package_versions", "git_sha", "links",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                name: {"type": "string"}
                for name in (
                    "self", "control", "rerun", "snapshot", "kpis", "series_csv", "series_parquet", "websocket",
                )
            },
        }
    )
    def get_links(self, run: Run) -> dict[str, str]:
        kwargs = {"run_id": run.id}
        return {
            "self": reverse("api-run-detail", kwargs=kwargs),
            "control": reverse("api-run-control", kwargs=kwargs),
            "rerun": reverse("api-run-rerun", kwargs=kwargs),
            "snapshot": reverse("api-run-snapshot", kwargs=kwargs),
            "kpis": reverse("api-run-kpis", kwargs=kwargs),
            "series_csv": reverse("api-run-series-csv", kwargs=kwargs),
            "series_parquet": reverse("api-run-series-parquet", kwargs=kwargs),
            "websocket": f"/ws/runs/{run.id}/",  # web/routing.py; frames and snapshot: docs/streaming.md
        }


class RunCreateSerializer(serializers.Serializer):
    """Either ``scenario_id`` (one of your scenarios) or an inline ``scenario`` document with a ``name``."""

    scenario_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)
    scenario = serializers.JSONField(required=False, help_text="Inline scenario document")
    name = serializers.CharField(required=False, max_length=200, help_text="Run name for an inline scenario")
    seed = serializers.IntegerField(required=False, min_value=0, max_value=MAX_SEED, allow_null=True)
    speed_steps_per_s = serializers.FloatField(
        required=False, min_value=0.0, max_value=1e6, help_text="Playback speed [steps/s]; 0 = as fast as possible"
    )

    def validate_scenario(self, data):
        return validate_document(data)

    def validate(self, attrs):
        has_id = attrs.get("scenario_id") is not None
        has_doc = attrs.get("scenario") is not None
        if has_id == has_doc:
            raise serializers.ValidationError("Give exactly one of scenario_id or scenario.")
        if has_doc and not attrs.get("name"):
            raise serializers.ValidationError({"name": ["A name is required with an inline scenario."]})
        return attrs


class RunControlSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["pause", "resume", "cancel", "speed"])
    speed_steps_per_s = serializers.FloatField(
        required=False, min_value=0.0, max_value=1e6, help_text="Playback speed [steps/s] for 'speed'; 0 = fastest"
    )

    def validate(self, attrs):
        if attrs["action"] == "speed" and attrs.get("speed_steps_per_s") is None:
            raise serializers.ValidationError({"speed_steps_per_s": ["Required for the 'speed' action."]})
        return attrs


class RunRerunSerializer(serializers.Serializer):
    seed = serializers.IntegerField(required=False, min_value=0, max_value=MAX_SEED, allow_null=True)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()

