import datetime

import factory
from factory.django import DjangoModelFactory

from servicecenters.models import OpeningHours, Room, RoomKind, ServiceCenter
from tests.factories import StreetFactory


class CenterFactory(DjangoModelFactory):
    class Meta:
        model = ServiceCenter
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"SC{n:02d}")
    name = factory.Sequence(lambda n: f"测试党群服务中心{n}")
    street = factory.SubFactory(StreetFactory)
    address = "河南省郑州市金水区"
    floor_area = 1700

    @factory.post_generation
    def open_hours(obj, create, extracted, **kwargs):
        """Open every day 08:00–21:00 unless told otherwise (open_hours=[(weekday, opens, closes)…])."""
        if not create:
            return
        spec = extracted if extracted is not None else [
            (d, datetime.time(8, 0), datetime.time(21, 0)) for d in range(7)
        ]
        OpeningHours.objects.bulk_create(
            [OpeningHours(center=obj, weekday=d, opens=o, closes=c) for d, o, c in spec]
        )


class RoomFactory(DjangoModelFactory):
    class Meta:
        model = Room

    center = factory.SubFactory(CenterFactory)
    kind = RoomKind.MULTI_FUNCTION
    name = factory.Sequence(lambda n: f"活动室{n}")
    capacity = 20
    min_minutes = 30
    max_minutes = 240
    max_days_ahead = 30
