import os

from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.team_dashboard, name="team"),
]

if os.environ.get("GOALSITE_BENCH") == "1":  # bench/dashboards.py's baseline; never routed otherwise
    urlpatterns.append(path("bench/bare", views.bare, name="bench_bare"))
