"""REST API URLs under /api/, with the OpenAPI schema and offline Swagger UI docs (ReDoc is left out: its page loads web fonts from Google)."""
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import builder_views, lab_views, twin_views, views

urlpatterns = [
    path("scenarios/", views.ScenarioListCreateView.as_view(), name="api-scenario-list"),
    path("scenarios/validate/", views.ScenarioValidateView.as_view(), name="api-scenario-validate"),
    path("scenarios/schema/", views.ScenarioSchemaView.as_view(), name="api-scenario-schema"),
    path("scenarios/<int:scenario_id>/", views.ScenarioDetailView.as_view(), name="api-scenario-detail"),
    # Scenario builder: versions, diff, restore, clone, import/export (web/api/builder_views.py)
    path("scenarios/check/", builder_views.ScenarioCheckView.as_view(), name="api-scenario-check"),
    path("scenarios/import/", builder_views.ScenarioImportView.as_view(), name="api-scenario-import"),
    path("scenarios/<int:scenario_id>/versions/", builder_views.ScenarioVersionListView.as_view(),
         name="api-scenario-versions"),
    path("scenarios/<int:scenario_id>/versions/<int:number>/", builder_views.ScenarioVersionDetailView.as_view(),
         name="api-scenario-version"),
    path("scenarios/<int:scenario_id>/versions/<int:number>/restore/",
         builder_views.ScenarioVersionRestoreView.as_view(), name="api-scenario-version-restore"),
    path("scenarios/<int:scenario_id>/diff/", builder_views.ScenarioDiffView.as_view(), name="api-scenario-diff"),
    path("scenarios/<int:scenario_id>/clone/", builder_views.ScenarioCloneView.as_view(), name="api-scenario-clone"),
    path("scenarios/<int:scenario_id>/export/", builder_views.ScenarioExportView.as_view(),
         name="api-scenario-export"),
    path("runs/", views.RunListCreateView.as_view(), name="api-run-list"),
    path("runs/<uuid:run_id>/", views.RunDetailView.as_view(), name="api-run-detail"),
    path("runs/<uuid:run_id>/control/", views.RunControlView.as_view(), name="api-run-control"),
    path("runs/<uuid:run_id>/decisions/", views.RunDecisionsView.as_view(), name="api-run-decisions"),
    path("runs/<uuid:run_id>/rerun/", views.RunRerunView.as_view(), name="api-run-rerun"),
    path("runs/<uuid:run_id>/snapshot/", views.RunSnapshotView.as_view(), name="api-run-snapshot"),
    path("runs/<uuid:run_id>/kpis/", views.RunKpisView.as_view(), name="api-run-kpis"),
    path("runs/<uuid:run_id>/series.csv", views.RunSeriesCsvView.as_view(), name="api-run-series-csv"),
    path("runs/<uuid:run_id>/series.parquet", views.RunSeriesParquetView.as_view(), name="api-run-series-parquet"),
    path("runs/<uuid:run_id>/outline.geojson", twin_views.RunOutlineView.as_view(), name="api-run-outline"),
    path("runs/<uuid:run_id>/agents/state/", twin_views.RunAgentStateView.as_view(), name="api-run-agent-state"),
    path("runs/<uuid:run_id>/agents/<str:agent_id>/series/", twin_views.RunAgentSeriesView.as_view(),
         name="api-run-agent-series"),
    path("outlines/", twin_views.OutlineListCreateView.as_view(), name="api-outline-list"),
    path("outlines/<slug:name>/", twin_views.OutlineDetailView.as_view(), name="api-outline-detail"),
    path("runs/<uuid:run_id>/kpis.csv", builder_views.RunKpisCsvView.as_view(), name="api-run-kpis-csv"),
    path("runs/<uuid:run_id>/kpis.xlsx", builder_views.RunKpisXlsxView.as_view(), name="api-run-kpis-xlsx"),
    path("compare/", builder_views.CompareView.as_view(), name="api-compare"),
    path("compare/kpis.csv", builder_views.CompareCsvView.as_view(), name="api-compare-csv"),
    path("compare/kpis.xlsx", builder_views.CompareXlsxView.as_view(), name="api-compare-xlsx"),
    path("lab/check/", lab_views.LabCheckView.as_view(), name="api-lab-check"),
    path("lab/runs/", lab_views.LabRunView.as_view(), name="api-lab-run"),
    path("token/", views.TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (Content-Security-Policy).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
