import datetime

import pytest

from members.records.validators import normalize_id_number
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_an_early_join_date_moves_the_sequence_birth_date_before_it(tree):
    MemberFactory.reset_sequence(400)  # the sequence's birth date for 400 is in 1990
    member = MemberFactory(org=tree.grid, joined_on=datetime.date(1990, 1, 3))
    assert member.birth_date.year == 1965 and member.id_number[6:14] == f"{member.birth_date:%Y%m%d}"
    assert normalize_id_number(member.id_number) == member.id_number
    later = MemberFactory(org=tree.grid)  # nothing fixed: the sequence's own dates, joined at 25
    assert later.joined_on.year - later.birth_date.year == 25
