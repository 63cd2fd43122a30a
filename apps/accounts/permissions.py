from django.core.exceptions import PermissionDenied

from .models import Membership, Role, TeamRole


def is_org_admin(actor: Membership) -> bool:
    return actor.is_active and actor.role == Role.ADMIN


def check_org_admin(actor: Membership) -> None:
    if not is_org_admin(actor):
        raise PermissionDenied("Only an organization admin can do this.")


def can_manage_team(actor: Membership, team) -> bool:
    """Admins manage every team; a team's manager manages its membership."""
    if is_org_admin(actor):
        return True
    if team.organization_id != actor.organization_id:
        return False
    return actor.team_memberships.filter(team=team, role=TeamRole.MANAGER).exists()


def check_can_manage_team(actor: Membership, team) -> None:
    if not can_manage_team(actor, team):
        raise PermissionDenied("Only an admin or this team's manager can change its members.")
