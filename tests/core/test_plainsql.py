"""Model instances loaded from hand-written SQL are the instances the ORM would load."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.forms.models import model_to_dict

from apps.accounts.models import Membership, User
from apps.core import plainsql
from apps.goals.models import Goal


def _goal(world) -> Goal:
    """A goal with a date, a score and a weighty progress: values SQLite hands back as text or floats."""
    return Goal.objects.create(
        organization=world.org_a,
        owner_member=world.member,
        title="Ship the plain reads",
        start_date=date(2026, 10, 1),
        due_date=date(2026, 12, 31),
        progress=0.375,
        score=Decimal("0.70"),
    )


def test_a_joined_row_loads_as_the_same_instances_as_the_orm(world):
    query = (
        f"SELECT {plainsql.select_list(Membership, 'm')}, {plainsql.select_list(User, 'u')} "
        "FROM accounts_membership m JOIN accounts_user u ON u.id = m.user_id WHERE m.id IN (%s, %s) ORDER BY m.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [world.manager.pk, world.member.pk])
        loaded = plainsql.load(cursor.fetchall(), Membership, User)
    expected = list(Membership.objects.filter(pk__in=[world.manager.pk, world.member.pk]).select_related("user"))
    expected.sort(key=lambda m: m.pk)
    assert len(loaded) == 2
    for (member, user), orm in zip(loaded, expected, strict=True):
        assert model_to_dict(member) == model_to_dict(orm)
        assert model_to_dict(user) == model_to_dict(orm.user)
        assert member.public_id == orm.public_id and user.email == orm.user.email
        assert not member._state.adding and member._state.db == "default"


def test_goal_rows_come_back_with_the_orm_s_types(world):
    goal = _goal(world)
    query = f"SELECT {plainsql.select_list(Goal, 'g')} FROM goals_goal g WHERE g.id = %s"
    with connection.cursor() as cursor:
        cursor.execute(query, [goal.pk])
        [(loaded,)] = plainsql.load(cursor.fetchall(), Goal)
    orm = Goal.objects.get(pk=goal.pk)
    for field in Goal._meta.concrete_fields:
        mine, theirs = getattr(loaded, field.attname), getattr(orm, field.attname)
        assert mine == theirs and type(mine) is type(theirs), field.name


def test_convert_turns_chosen_columns_into_field_values(world):
    goal = _goal(world)
    fields = (None, Goal._meta.get_field("public_id"), Goal._meta.get_field("start_date"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT g.id, g.public_id, g.start_date FROM goals_goal g WHERE g.id = %s", [goal.pk])
        [[pk, public_id, start]] = plainsql.convert(cursor.fetchall(), fields)
    orm = Goal.objects.get(pk=goal.pk)
    assert (pk, public_id, start) == (orm.pk, orm.public_id, orm.start_date)
