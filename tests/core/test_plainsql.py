"""Model instances loaded from hand-written SQL are the instances the ORM would load."""

from django.db import connection
from django.forms.models import model_to_dict

from apps.accounts.models import Membership, User
from apps.core import plainsql


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
