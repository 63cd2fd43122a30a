"""Every check-in URL that takes an id: another organization's object is a 404, for GET and POST alike."""

import pytest
from django.urls import reverse

from .conftest import CHECKIN_SWEEP


@pytest.mark.parametrize(("name", "kwarg"), sorted(CHECKIN_SWEEP))
def test_other_organizations_objects_are_not_found(client_for, world, name, kwarg):
    obj = CHECKIN_SWEEP[(name, kwarg)](world, world.org_b)
    url = reverse(name, kwargs={kwarg: obj.public_id})
    for person in (world.member, world.manager, world.admin):
        client = client_for(person)
        assert client.get(url).status_code in (404, 405), (url, person)
        assert client.post(url, {"on": "1", "body": "x"}).status_code in (404, 405), (url, person)
        assert 404 in (client.get(url).status_code, client.post(url).status_code)


@pytest.mark.parametrize(("name", "kwarg"), sorted(CHECKIN_SWEEP))
def test_own_organizations_objects_are_reachable_by_its_admin(client_for, world, name, kwarg):
    obj = CHECKIN_SWEEP[(name, kwarg)](world, world.org_a)
    url = reverse(name, kwargs={kwarg: obj.public_id})
    client = client_for(world.admin)
    assert 404 not in (client.get(url).status_code, client.post(url, {"on": "1", "body": "x"}).status_code)
