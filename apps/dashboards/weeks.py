"""SQL that keeps ``dashboards_goalweek`` in step with ``checkins_checkin`` (PostgreSQL triggers).

Statement-level triggers with transition tables: one set-based refresh per
INSERT / UPDATE / DELETE statement (a COPY of 500,000 check-ins is one refresh),
recomputing only the (goal, week) cells the statement touched. Two check-ins
written at once for the same goal and week by two transactions can leave the
cell at the later committer's view; ``manage.py dashboards_rebuild_weeks``
(or the next check-in of that goal and week) puts it right.
"""

from __future__ import annotations

from django.db import connection

_REFRESH = """
    DELETE FROM dashboards_goalweek w USING (SELECT DISTINCT goal_id, period_start FROM {rows}) t
        WHERE w.goal_id = t.goal_id AND w.week = t.period_start;
    INSERT INTO dashboards_goalweek (goal_id, week, progress)
        SELECT c.goal_id, c.period_start, max(c.progress)
        FROM checkins_checkin c JOIN (SELECT DISTINCT goal_id, period_start FROM {rows}) t
            ON c.goal_id = t.goal_id AND c.period_start = t.period_start
        GROUP BY c.goal_id, c.period_start
        ON CONFLICT (goal_id, week) DO UPDATE SET progress = EXCLUDED.progress;
"""

INSTALL = f"""
CREATE OR REPLACE FUNCTION dashboards_goalweek_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {_REFRESH.format(rows="new_rows")} RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION dashboards_goalweek_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {_REFRESH.format(rows="old_rows")} RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION dashboards_goalweek_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {_REFRESH.format(rows="(SELECT goal_id, period_start FROM old_rows UNION SELECT goal_id, period_start FROM new_rows) u")}
RETURN NULL; END $$;
CREATE TRIGGER dashboards_goalweek_ins AFTER INSERT ON checkins_checkin
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboards_goalweek_inserted();
CREATE TRIGGER dashboards_goalweek_del AFTER DELETE ON checkins_checkin
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboards_goalweek_deleted();
CREATE TRIGGER dashboards_goalweek_upd AFTER UPDATE ON checkins_checkin
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboards_goalweek_updated();
"""  # noqa: S608 - module constants only

UNINSTALL = """
DROP TRIGGER IF EXISTS dashboards_goalweek_ins ON checkins_checkin;
DROP TRIGGER IF EXISTS dashboards_goalweek_del ON checkins_checkin;
DROP TRIGGER IF EXISTS dashboards_goalweek_upd ON checkins_checkin;
DROP FUNCTION IF EXISTS dashboards_goalweek_inserted();
DROP FUNCTION IF EXISTS dashboards_goalweek_deleted();
DROP FUNCTION IF EXISTS dashboards_goalweek_updated();
"""

REBUILD = """
DELETE FROM dashboards_goalweek;
INSERT INTO dashboards_goalweek (goal_id, week, progress)
    SELECT goal_id, period_start, max(progress) FROM checkins_checkin GROUP BY goal_id, period_start;
ANALYZE dashboards_goalweek;
"""


def enabled() -> bool:
    """Whether the table is kept (PostgreSQL); elsewhere the dashboards read the check-ins."""
    return connection.vendor == "postgresql"


def rebuild() -> None:
    if enabled():
        with connection.cursor() as cursor:
            cursor.execute(REBUILD)
