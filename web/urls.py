"""Page URLs: login/logout, scenarios (pick, edit), runs (list, live page), the Contract Lab."""
from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from . import lab_views, sweep_pages, views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="scenario-list", permanent=False), name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("scenarios/", views.scenario_list, name="scenario-list"),
    path("scenarios/new/", views.scenario_edit, name="scenario-new"),
    path("scenarios/<int:scenario_id>/edit/", views.scenario_edit, name="scenario-edit"),
    path("lab/", lab_views.contract_lab, name="contract-lab"),
    path("runs/", views.run_list, name="run-list"),
    path("runs/start/", views.run_start, name="run-start"),
    path("runs/compare/", views.run_compare, name="run-compare"),
    path("runs/<uuid:run_id>/report/", views.run_report, name="run-report"),
    path("runs/<uuid:run_id>/", views.run_detail, name="run-detail"),
    path("runs/<uuid:run_id>/screen/", views.run_screen, name="run-screen"),
    path("sweeps/", sweep_pages.sweep_list, name="sweep-list"),
    path("sweeps/<uuid:sweep_id>/", sweep_pages.sweep_detail, name="sweep-detail"),
]
