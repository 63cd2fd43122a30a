"""Derived rows the dashboards read instead of scanning every check-in."""

from __future__ import annotations

from django.db import models

from apps.goals.models import Goal


class GoalWeek(models.Model):
    """A goal's best check-in progress in one week (the pacing chart's points), one row per goal and week.

    Kept by PostgreSQL triggers on ``checkins_checkin`` (migration 0002): every insert,
    update or delete of check-ins recomputes the cells it touched, in the same transaction,
    COPY included. Derived from the goal's own rows, so it is scoped by the goal it names
    (no organization column). ``manage.py dashboards_rebuild_weeks`` rebuilds it from scratch.
    On SQLite (development) there are no triggers: the dashboards read the check-ins.
    """

    goal = models.ForeignKey(Goal, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    week = models.DateField()
    progress = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["goal", "week"], name="dashboards_goalweek_goal_week")]

    def __str__(self) -> str:
        return f"goal {self.goal_id}, week of {self.week}: {self.progress:.0%}"
