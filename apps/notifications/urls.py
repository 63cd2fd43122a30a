from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/<uuid:public_id>/read/", views.notification_read, name="read"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("notifications/policy/", views.policy, name="policy"),
    path("notifications/policy/teams/<uuid:public_id>/", views.team_policy, name="team_policy"),
    path("digests/", views.digest_list, name="digests"),
    path("digests/<uuid:public_id>/", views.digest_detail, name="digest"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("unsubscribe/<str:token>/one-click/", views.unsubscribe_one_click, name="unsubscribe_one_click"),
    path("ops/notifications/", views.ops, name="ops"),
    path("ops/notifications/<uuid:public_id>/retry/", views.ops_retry, name="ops_retry"),
]
