from django.core.exceptions import PermissionDenied

from apps.accounts.models import Membership, Role, TeamRole

from .models import Goal


def is_goal_owner(actor: Membership, goal: Goal) -> bool:
    return goal.owner_member_id == actor.pk


def can_edit_goal(actor: Membership, goal: Goal) -> bool:
    """Owner, the owner's line manager, a team goal's managers, and admins."""
    if goal.organization_id != actor.organization_id or not actor.is_active:
        return False
    if actor.role == Role.ADMIN:
        return True
    if goal.owner_member_id:
        return goal.owner_member_id == actor.pk or goal.owner_member.line_manager_id == actor.pk
    return actor.team_memberships.filter(team_id=goal.owner_team_id, role=TeamRole.MANAGER).exists()


def check_can_edit_goal(actor: Membership, goal: Goal) -> None:
    if not can_edit_goal(actor, goal):
        raise PermissionDenied("Only the goal's owner, their manager or an admin can change this goal.")


def can_coach_goal(actor: Membership, goal: Goal) -> bool:
    """Editors, plus anyone the owner invited as coach or mentor."""
    if can_edit_goal(actor, goal):
        return True
    return goal.organization_id == actor.organization_id and goal.coaches.filter(member=actor).exists()


def check_can_coach_goal(actor: Membership, goal: Goal) -> None:
    if not can_coach_goal(actor, goal):
        raise PermissionDenied("Only the owner, their manager or an invited coach can record coaching here.")


def check_org_admin(actor: Membership) -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied("Only an organization admin can do this.")
