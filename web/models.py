"""Persistence: scenarios owned by users, and runs of a scenario snapshot with a seed."""
import uuid

from django.conf import settings
from django.db import models


class Scenario(models.Model):
    """A user's scenario document (validated against ``agents.scenario`` on every write)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    data = models.JSONField(help_text="Scenario document, see docs/scenario.schema.json")
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_scenario_name_per_owner")]

    def __str__(self) -> str:
        return self.name


class Run(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        PAUSED = "paused"
        WAITING = "waiting"  # stopped at a decision point until its owner submits decisions (agents.decisions)
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.PAUSED, Status.WAITING)
    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    class Control(models.TextChoices):
        NONE = ""
        PAUSE = "pause"
        CANCEL = "cancel"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="runs")
    scenario = models.ForeignKey(Scenario, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    scenario_name = models.CharField(max_length=200)
    scenario_name_zh = models.CharField(
        max_length=200, blank=True, default="",
        help_text="The snapshot's name_zh while scenario_name is the snapshot's name (web/display_names.py)")
    scenario_snapshot = models.JSONField()
    seed = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    control = models.CharField(max_length=16, choices=Control.choices, default=Control.NONE, blank=True)
    speed_steps_per_s = models.FloatField(default=0.0, help_text="0 = as fast as possible")
    step = models.IntegerField(default=0)
    total_steps = models.IntegerField(default=0)
    attempts = models.IntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True, default="")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    checkpoint = models.BinaryField(null=True, blank=True, help_text="npz bytes (no pickle) from agents.checkpoint")
    checkpoint_step = models.IntegerField(default=0)
    error = models.TextField(blank=True, default="")
    kpis = models.JSONField(null=True, blank=True)
    region_series = models.JSONField(null=True, blank=True, help_text="Region series of the finished run")
    describe = models.JSONField(null=True, blank=True, help_text="model.describe() written when the run is built")
    agent_state = models.JSONField(null=True, blank=True, help_text="Per-agent values at the last completed step")
    series_path = models.CharField(max_length=500, blank=True, default="")
    package_versions = models.JSONField(default=dict)
    git_sha = models.CharField(max_length=64, blank=True, default="")
    steps_per_s = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    compute_s = models.FloatField(default=0.0, help_text="Seconds spent stepping the model")
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="Last time a worker claimed it (fair order)")
    decisions = models.JSONField(default=list, blank=True,
                                 help_text="People's decisions [{step, actor_id, parameter, value}] (agents.decisions)")
    result_bytes = models.BigIntegerField(default=0, help_text="Bytes stored for its results (files, series, checkpoint)")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "status"], name="run_owner_status"),
            # A user's runs newest first (run list page, /api/runs/): the filter and the order from one index.
            models.Index(fields=["owner", "-created_at"], name="run_owner_created"),
            # Fair dispatch and the re-enqueue sweep: queued runs oldest first.
            models.Index(fields=["status", "created_at"], name="run_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.scenario_name} #{self.seed} ({self.status})"

    @property
    def progress(self) -> float:
        return self.step / self.total_steps if self.total_steps else 0.0

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at
        if end is None:
            from django.utils import timezone

            end = timezone.now()
        return (end - self.started_at).total_seconds()


class ScenarioVersion(models.Model):
    """One saved state of a scenario: every save adds a version (numbered 1, 2, … per scenario), never edits one."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    data = models.JSONField(help_text="The scenario document as saved")
    note = models.CharField(max_length=200, blank=True, default="", help_text="What changed, e.g. restored from v2")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scenario", "-number"]
        constraints = [models.UniqueConstraint(fields=["scenario", "number"], name="unique_version_number_per_scenario")]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"


class Sweep(models.Model):
    """A parameter grid and/or seeds over one base scenario (docs/sweeps.md); its runs are ``SweepPoint`` rows."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"  # every point succeeded
        FAILED = "failed"  # every point finished, at least one failed
        CANCELLED = "cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sweeps")
    scenario = models.ForeignKey(Scenario, null=True, blank=True, on_delete=models.SET_NULL, related_name="sweeps")
    name = models.CharField(max_length=200)
    base_snapshot = models.JSONField(help_text="Normalised base scenario document (contract included)")
    contract = models.JSONField(null=True, blank=True, help_text="Contract added to the base scenario, if any")
    mode = models.CharField(max_length=16, default="grid", help_text="grid or one_at_a_time")
    params = models.JSONField(default=list, help_text="[{path, loc, values, base}] (web.sweep_grid)")
    seeds = models.JSONField(default=list)
    kpis = models.JSONField(default=list, help_text="Selected KPI paths ([] = default selection)")
    points = models.IntegerField(default=0)
    total_runs = models.IntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True, default="")
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="Last time its queued points were sent")
    package_versions = models.JSONField(default=dict)
    git_sha = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="sweep_owner_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class SweepPoint(models.Model):
    """One run of a sweep: (sweep, point, seed) is its key; the task that runs it writes its result here."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    sweep = models.ForeignKey(Sweep, on_delete=models.CASCADE, related_name="runs")
    point = models.IntegerField(help_text="Index of the grid point (0 …)")
    seed = models.BigIntegerField()
    values = models.JSONField(default=dict, help_text="{path: value} of every parameter at this point")
    varied = models.CharField(max_length=300, blank=True, default="", help_text="one_at_a_time: the path varied")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.IntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True, default="")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    compute_s = models.FloatField(default=0.0)
    metrics = models.JSONField(null=True, blank=True, help_text="Selected KPIs {path: number}")
    kpis = models.JSONField(null=True, blank=True, help_text="Full kpis.json of the run")
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["sweep", "point", "seed"]
        constraints = [models.UniqueConstraint(fields=["sweep", "point", "seed"], name="unique_sweep_point_seed")]
        indexes = [models.Index(fields=["sweep", "status"], name="sweep_point_status"),
                   models.Index(fields=["status", "heartbeat_at"], name="sweep_point_stale")]

    def __str__(self) -> str:
        return f"sweep {self.sweep_id} point {self.point} seed {self.seed} ({self.status})"
