from django.urls import path

from .views import career, coaching, goals, library

app_name = "goals"

urlpatterns = [
    # My goals, goal pages, lifecycle (views/goals.py)
    path("goals/", goals.my_goals, name="mine"),
    path("goals/new/", goals.goal_create, name="create"),
    path("goals/<uuid:public_id>/", goals.goal_detail, name="detail"),
    path("goals/<uuid:public_id>/edit/", goals.goal_edit, name="edit"),
    path("goals/<uuid:public_id>/activate/", goals.goal_activate, name="activate"),
    path("goals/<uuid:public_id>/close/", goals.goal_close, name="close"),
    path("goals/<uuid:public_id>/reopen/", goals.goal_reopen, name="reopen"),
    path("goals/<uuid:public_id>/carry-over/", goals.goal_carry_over, name="carry_over"),
    path("goals/<uuid:public_id>/confidence/", goals.goal_confidence, name="confidence"),
    path("goals/<uuid:public_id>/activity/", goals.goal_activity, name="activity"),
    # Key results
    path("goals/<uuid:public_id>/key-results/", goals.kr_add, name="kr_add"),
    path("key-results/<uuid:public_id>/value/", goals.kr_value, name="kr_value"),
    path("key-results/<uuid:public_id>/edit/", goals.kr_edit, name="kr_edit"),
    path("key-results/<uuid:public_id>/delete/", goals.kr_delete, name="kr_delete"),
    # Milestones and backward plans
    path("goals/<uuid:public_id>/milestones/", goals.milestone_add, name="milestone_add"),
    path("goals/<uuid:public_id>/plan/space/", goals.plan_space, name="plan_space"),
    path("milestones/<uuid:public_id>/done/", goals.milestone_done, name="milestone_done"),
    path("milestones/<uuid:public_id>/reschedule/", goals.milestone_reschedule, name="milestone_reschedule"),
    path("milestones/<uuid:public_id>/move/", goals.milestone_move, name="milestone_move"),
    path("milestones/<uuid:public_id>/delete/", goals.milestone_delete, name="milestone_delete"),
    # Coaching (GROW) and feedback (views/coaching.py)
    path("goals/<uuid:public_id>/coaching/", coaching.coaching_new, name="coaching_new"),
    path("coaching/<uuid:public_id>/will-to-milestones/", coaching.will_to_milestones, name="will_to_milestones"),
    path("goals/<uuid:public_id>/coaches/", coaching.coach_invite, name="coach_invite"),
    path("goals/<uuid:public_id>/feedback/", coaching.feedback_request, name="feedback_request"),
    path("feedback/", coaching.feedback_inbox, name="feedback_inbox"),
    path("feedback/<uuid:public_id>/", coaching.feedback_detail, name="feedback_detail"),
    # Template library (views/library.py)
    path("templates/", library.template_library, name="templates"),
    path("templates/new/", library.org_template_create, name="template_create"),
    path("templates/<slug:key>/use/", library.template_use, name="template_use"),
    path("templates/org/<uuid:public_id>/use/", library.org_template_use, name="org_template_use"),
    path("templates/org/<uuid:public_id>/edit/", library.org_template_edit, name="org_template_edit"),
    path("templates/org/<uuid:public_id>/delete/", library.org_template_delete, name="org_template_delete"),
    # Cycles (admin) (views/library.py)
    path("cycles/", library.cycles, name="cycles"),
    # Career profile (views/career.py)
    path("career/", career.my_career, name="career"),
    path("people/<uuid:public_id>/career/", career.person_career, name="person_career"),
]
