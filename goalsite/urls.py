from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("apps.core.urls")),
    path("", include("apps.accounts.urls")),
    path("", include("apps.goals.urls")),
    path("", include("apps.checkins.urls")),
    path("", include("apps.alignment.urls")),
    path("", include("apps.notifications.urls")),
    path("", include("apps.dashboards.urls")),
    path("django-admin/", admin.site.urls),
]

handler404 = "apps.core.views.not_found"
