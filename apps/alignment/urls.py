from django.urls import path

from . import views

app_name = "alignment"

urlpatterns = [
    path("alignment/", views.alignment_tree, name="tree"),
    path("alignment/teams/<uuid:public_id>/", views.team_node, name="team_node"),
    path("alignment/people/<uuid:public_id>/", views.person_node, name="person_node"),
    path("alignment/goals/<uuid:public_id>/contributors/", views.goal_node, name="goal_node"),
    path("alignment/path/<uuid:public_id>/", views.goal_path, name="path"),
    path("alignment/gaps/", views.gaps, name="gaps"),
    path("alignment/report/<uuid:public_id>/", views.cycle_report, name="report"),
    path("alignment/goals/<uuid:public_id>/", views.goal_alignment, name="goal"),
    path("alignment/goals/<uuid:public_id>/link/", views.link_create, name="link"),
    path("alignment/links/<uuid:public_id>/weight/", views.link_weight, name="link_weight"),
    path("alignment/links/<uuid:public_id>/unlink/", views.link_delete, name="unlink"),
    path("alignment/key-results/<uuid:public_id>/contribute/", views.kr_contribute, name="kr_contribute"),
]
