"""core.api.FlatSerializer: fields copied, not rebuilt, per serializer, and still each serializer's own."""

import pytest
from rest_framework import serializers

from core.api import FlatSerializer
from servicecenters.api import BookingSerializer


def test_each_serializer_binds_its_own_copies():
    one, two = BookingSerializer(data={"attendees": 0}), BookingSerializer(data={"attendees": 5})
    assert one.fields["attendees"] is not two.fields["attendees"]
    assert one.fields["attendees"].parent is one and two.fields["attendees"].parent is two
    assert not one.is_valid() and "attendees" in one.errors
    assert not two.is_valid() and "attendees" not in two.errors, "one serializer's errors never reach another"
    declared = BookingSerializer._declared_fields["attendees"]
    assert declared.parent is None and declared.field_name is None, "the declaration itself is never bound"
    assert sorted(one.fields) == sorted(BookingSerializer._declared_fields)


def test_a_nested_serializer_is_refused():
    class Inner(serializers.Serializer):
        name = serializers.CharField()

    class Outer(FlatSerializer):
        inner = Inner()

    with pytest.raises(TypeError):
        Outer().fields
