from django.urls import path

from .views import feed, goal, team, week

app_name = "checkins"

urlpatterns = [
    # Weekly check-in (views/week.py)
    path("checkins/week/", week.week, name="week"),
    path("checkins/help-search/", week.help_search, name="help_search"),
    path("checkins/submitted/<uuid:public_id>/", week.submitted, name="submitted"),
    # On a goal page (views/goal.py)
    path("goals/<uuid:public_id>/checkin/", goal.goal_checkin, name="goal_checkin"),
    path("goals/<uuid:public_id>/checkins/", goal.goal_section, name="goal_checkins"),
    path("key-results/<uuid:public_id>/history/", goal.kr_history, name="kr_history"),
    path("blockers/<uuid:public_id>/resolve/", goal.blocker_resolve, name="blocker_resolve"),
    # Manager review (views/team.py)
    path("checkins/team/", team.team, name="team"),
    path("checkins/<uuid:public_id>/seen/", team.checkin_seen, name="checkin_seen"),
    path("checkins/<uuid:public_id>/flag/", team.checkin_flag, name="checkin_flag"),
    path("checkins/<uuid:public_id>/comments/", team.checkin_comment, name="checkin_comment"),
    # Team feed and notices (views/feed.py)
    path("checkins/feed/", feed.feed, name="feed"),
    path("celebrations/<uuid:public_id>/kudos/", feed.kudos, name="kudos"),
    path("celebrations/<uuid:public_id>/comments/", feed.celebration_comment, name="celebration_comment"),
    path("notices/", feed.notices, name="notices"),
    path("notices/read/", feed.notices_read, name="notices_read"),
]
