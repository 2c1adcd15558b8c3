import uuid

import pytest
from django.urls import reverse

from core.links import uuid_links


def test_uuid_links_give_what_reverse_gives():
    values = [uuid.uuid4() for _ in range(3)]
    link = uuid_links("cases:file")
    assert [link(v) for v in values] == [reverse("cases:file", args=[v]) for v in values]


def test_uuid_links_with_a_leading_argument():
    file, entry = uuid.uuid4(), uuid.uuid4()
    link = uuid_links("cases:entry_edit", file)
    assert link(entry) == reverse("cases:entry_edit", args=[file, entry])
    assert str(file) in link(entry)


def test_uuid_links_accept_only_uuids():
    link = uuid_links("cases:file")
    assert link(str(uuid.UUID(int=5))) == reverse("cases:file", args=[uuid.UUID(int=5)])
    with pytest.raises(ValueError):
        link("../admin")
