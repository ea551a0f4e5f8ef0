"""Demo data of the service centers, run by seed_demo after the tree and the accounts exist.

22 centers per copy of the district (the first three with the seed's floor areas, 1,700–4,700 m²),
rooms of all twelve kinds, opening hours and a holiday, a staff account `center-<center code>` for
each, partner social organizations with their yearly evaluations, and weeks of past and future bookings
by the demo residents. Everything goes in with bulk_create (no history rows: the demo starts clean).
"""

import collections
import datetime
import sys
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, RoleGrant
from demo.tree import seed_all
from grids.models import Level, OrgNode
from inbox.models import ContactPreference, Message

from servicecenters.models import (
    Booking,
    BookingStatus,
    ClosedDay,
    OpeningHours,
    PartnerEvaluation,
    PartnerOrganization,
    Room,
    RoomKind,
    ServiceCenter,
    UPCOMING_STATUSES,
    WaitlistEntry,
)
from servicecenters.services import MAX_ACTIVE_PER_RESIDENT

CENTERS_PER_COPY = 22


def _under_limit(resident, others, upcoming):
    """`resident`, or when they already hold the most upcoming bookings one resident may, the next resident in
    line who holds fewer (None when every resident is at the limit)."""
    if upcoming[resident] < MAX_ACTIVE_PER_RESIDENT:
        return resident
    at = others.index(resident) if resident in others else 0
    for step in range(1, len(others) + 1):
        candidate = others[(at + step) % len(others)]
        if upcoming[candidate] < MAX_ACTIVE_PER_RESIDENT:
            return candidate
    return None


#: The first three centers built (the seed: 7.6 million yuan, 1,700 to 4,700 m²).
BUILT_AREAS = (4700, 3200, 1700)
PLACES = (
    "凤凰台", "经八路", "花园路", "人民路", "杜岭", "大石桥", "文化路", "南阳路", "南阳新村", "东风路", "北林路",
    "未来路", "丰产路", "兴达路", "国基路", "杨金路", "丰庆路", "龙子湖", "祭城路", "如意湖", "金光路", "博学路",
)
#: kind → (name, capacity, needs approval, bookable, longest booking in minutes)
ROOMS = {
    RoomKind.PARTY_SCHOOL: ("区域党校", 80, True, True, 240),
    RoomKind.READING_BAR: ("书吧", 20, False, True, 180),
    RoomKind.MEMBERS_HOME: ("党员之家", 30, False, True, 180),
    RoomKind.VILLAGE_HISTORY: ("村史馆", 25, True, True, 120),
    RoomKind.PARTY_STUDIO: ("区域化党建工作室", 15, True, True, 240),
    RoomKind.DEPUTIES_STUDIO: ("“两代表一委员”工作室", 12, True, True, 180),
    RoomKind.SERVICE_HALL: ("居民服务大厅", 60, False, False, 240),
    RoomKind.FOUR_OCLOCK: ("四点钟课堂", 30, False, True, 180),
    RoomKind.PLAYGROUND: ("儿童乐园", 25, False, True, 120),
    RoomKind.CHESS: ("益智棋类室", 16, False, True, 180),
    RoomKind.GYM: ("健身室", 20, False, True, 120),
    RoomKind.MULTI_FUNCTION: ("多功能活动室", 100, True, True, 240),
}
PURPOSES = ("读书会", "党小组学习", "四点钟课堂辅导", "象棋比赛", "志愿者培训", "社区议事会", "亲子活动", "健身操",
            "主题党日", "法律咨询", "老年合唱排练", "书法练习")
PARTNERS = ("金水区社会工作服务中心", "郑州市益友社工服务中心", "河南省青年志愿者协会", "金水区阳光社工事务所",
            "郑州市幸福家园社会服务中心", "金水区邻里互助协会")
EVALUATOR = "河南省社会组织评估中心"
PAST_DAYS, FUTURE_DAYS = 28, 14
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红梅玉兰海峰鹏飞雪晶婷宇浩然博文欣怡思琪子轩"
BATCH = 2000


def _at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


def _where(place, copy_streets, *, fallback):
    """The organization a center named after `place` stands in: the street of that name, else a community or
    village of that name in the copy's streets, else `fallback` (a street). Its street is then the one served."""
    street = next((s for s in copy_streets if s.name.startswith(place)), None)
    if street is not None:
        return street
    within = Q()
    for s in copy_streets:
        within |= Q(path__startswith=s.path)
    return OrgNode.objects.filter(within, level=Level.COMMUNITY, name__startswith=place).order_by("path").first() \
        or fallback


def _name_residents(rng, resident_ids):
    """The demo residents' names and phones (on their contact preferences, for text messages): center staff see a
    booker's name and masked phone, as they would a real resident's."""
    User = get_user_model()
    users = list(User.objects.filter(pk__in=resident_ids, first_name="").order_by("pk"))
    for user in users:
        user.first_name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    User.objects.bulk_update(users, ["first_name"], batch_size=BATCH)
    have = set(ContactPreference.objects.filter(user_id__in=resident_ids).values_list("user_id", flat=True))
    ContactPreference.objects.bulk_create([
        ContactPreference(user_id=pk, phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                          phone_verified_at=timezone.now())
        for pk in resident_ids if pk not in have
    ], batch_size=BATCH)


def seed(*, scale, seed, hashed_password, today):
    """The centers of every copy of an already built district; returns [(label, count)] lines."""
    return seed_all(sys.modules[__name__], scale=scale, seed=seed, hashed_password=hashed_password, today=today)


def _booking_codes(copy):
    """Booking codes for one copy, reproducible and unique across copies by construction: the first two characters
    name the copy, the other six come from the copy's own stream (the model's default draws from `secrets`, so a
    seed of a million bookings would meet a repeated code and could not be run again to the same data)."""
    from servicecenters.models import CODE_ALPHABET, CODE_LENGTH, Booking

    rng, n = copy.rng("booking-codes"), len(CODE_ALPHABET)
    head = CODE_ALPHABET[copy.number // n % n] + CODE_ALPHABET[copy.number % n]
    # Codes already there with this head (drawn at random by the portal, or by an older seed) are not drawn again.
    seen = set(Booking.objects.filter(code__startswith=head).values_list("code", flat=True))
    while True:
        code = head + "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH - 2))
        if code not in seen:
            seen.add(code)
            yield code


def seed_copy(copy):
    """One copy's 22 centers with their rooms, staff, partners and bookings by the copy's residents."""
    rng = copy.rng("servicecenters")
    codes = _booking_codes(copy)
    today, hashed_password = copy.today, copy.hashed_password
    now = timezone.now()
    copy_streets = list(copy.nodes().filter(level=Level.STREET).order_by("pk"))
    if not copy_streets:
        return []
    prefix, suffix = copy.prefix, copy.suffix()
    centers = []
    for i in range(CENTERS_PER_COPY):
        place = PLACES[i]
        node = _where(place, copy_streets, fallback=copy_streets[i % len(copy_streets)])
        street = next(s for s in copy_streets if node.path.startswith(s.path))
        area = BUILT_AREAS[i] if i < len(BUILT_AREAS) else rng.randrange(1200, 3600, 50)
        centers.append(ServiceCenter(
            code=f"{prefix}SC{i + 1:02d}", name=f"{place}党群服务中心{suffix}",
            street=street, node=node, address=f"河南省郑州市金水区{place}{rng.randint(1, 200)}号",
            floor_area=area, phone=f"0371-6{rng.randint(1000000, 9999999)}",
            opened_on=datetime.date(2018, 6, 1) if i < 3 else datetime.date(2019 + i % 4, 1 + i % 12, 1),
        ))
    ServiceCenter.objects.bulk_create(centers, batch_size=BATCH)

    hours, closed = [], []
    for n, center in enumerate(centers):
        for weekday in range(7):
            if n % 5 == 4 and weekday == 0:
                continue  # some centers rest on Mondays
            opens = datetime.time(8, 30) if weekday < 5 else datetime.time(9, 0)
            hours.append(OpeningHours(center=center, weekday=weekday, opens=opens, closes=datetime.time(21, 0)))
        new_year = datetime.date(today.year + 1, 1, 1)
        closed.append(ClosedDay(center=center, date=new_year, reason="元旦"))
    OpeningHours.objects.bulk_create(hours, batch_size=BATCH)
    ClosedDay.objects.bulk_create(closed, batch_size=BATCH)
    open_by_center = {}
    for h in hours:
        open_by_center.setdefault(h.center.pk, {})[h.weekday] = h

    rooms = []
    for center in centers:
        for kind, (name, capacity, approval, bookable, longest) in ROOMS.items():
            rooms.append(Room(
                center=center, kind=kind, name=name, capacity=capacity, needs_approval=approval, bookable=bookable,
                min_minutes=30, max_minutes=longest, max_days_ahead=30,
            ))
    Room.objects.bulk_create(rooms, batch_size=BATCH)

    User = get_user_model()
    staff = [User(username=f"center-{c.code}", password=hashed_password, is_staff=False,
                  first_name=f"{PLACES[i % CENTERS_PER_COPY]}社工") for i, c in enumerate(centers)]
    User.objects.bulk_create(staff, batch_size=BATCH)
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=u, role=Role.CENTER_STAFF, center_id=c.pk) for u, c in zip(staff, centers)], batch_size=BATCH
    )

    partners = []
    for i, center in enumerate(centers):
        for j in range(2 if i < 3 else 1):
            partners.append(PartnerOrganization(
                name=PARTNERS[(i + j) % len(PARTNERS)] + ("" if copy.first and i < len(PARTNERS) else center.code),
                kind=PartnerOrganization.Kind.SOCIAL_WORK_AGENCY if j else PartnerOrganization.Kind.SOCIAL_ORGANIZATION,
                center=center, social_workers=rng.randint(3, 6), admitted_on=center.opened_on,
            ))
    PartnerOrganization.objects.bulk_create(partners, batch_size=BATCH)
    evaluations = []
    for partner in partners:
        for year in range(max(partner.admitted_on.year, today.year - 3), today.year):
            score = Decimal(rng.randint(680, 980)) / 10
            outcome = (PartnerEvaluation.Outcome.CONTINUE if score >= 80 else
                       PartnerEvaluation.Outcome.PROBATION if score >= 70 else PartnerEvaluation.Outcome.EXIT)
            evaluations.append(PartnerEvaluation(partner=partner, year=year, evaluator=EVALUATOR, score=score,
                                                 outcome=outcome))
    PartnerEvaluation.objects.bulk_create(evaluations, batch_size=BATCH)

    # The copy's own residents book its centers: a resident's upcoming bookings are all in this copy.
    residents = list(
        User.objects.filter(username__in=copy.residents).order_by("username").values_list("pk", flat=True)
    )
    bookings = []
    if residents:
        _name_residents(copy.rng("servicecenters-residents"), residents)
        first, others = residents[0], residents[1:] or residents
        first_future = 0
        upcoming = collections.Counter()
        for n, room in enumerate(rooms):
            if not room.bookable:
                continue
            busy_center = n // len(ROOMS) % CENTERS_PER_COPY < 3
            week = open_by_center[room.center.pk]
            for offset in range(-PAST_DAYS, FUTURE_DAYS + 1):
                day = today + datetime.timedelta(days=offset)
                h = week.get(day.weekday())
                if h is None:
                    continue
                # Two-hour blocks from opening; each block holds at most one booking, so none overlap.
                block_start = h.opens.hour + (1 if h.opens.minute else 0)
                for block in range(block_start, 21 - 1, 2):
                    chance = 0.45 if busy_center else 0.12
                    if offset > 0:
                        chance /= 2
                    if rng.random() >= chance:
                        continue
                    length = min(rng.choice((1, 1, 2)), room.max_minutes // 60)
                    start, end = _at(day, block), _at(day, block + length)
                    if end <= now:
                        status = rng.choices(
                            (BookingStatus.COMPLETED, BookingStatus.NO_SHOW, BookingStatus.CANCELLED), (85, 7, 8)
                        )[0]
                    elif start <= now:
                        status = BookingStatus.CHECKED_IN
                    elif room.needs_approval and rng.random() < 0.4:
                        status = BookingStatus.PENDING
                    else:
                        status = BookingStatus.CONFIRMED
                    resident = rng.choice(others)
                    if busy_center and offset in (2, 5) and first_future < 2 and start > now:
                        resident, first_future = first, first_future + 1
                    elif offset < 0 and rng.random() < 0.02:
                        resident = first
                    if status in UPCOMING_STATUSES:
                        # The rule a resident books under: at most MAX_ACTIVE_PER_RESIDENT upcoming bookings.
                        resident = _under_limit(resident, others, upcoming)
                        if resident is None:
                            continue
                        upcoming[resident] += 1
                    bookings.append(Booking(
                        room=room, resident_id=resident, start=start, end=end, code=next(codes),
                        attendees=rng.randint(1, max(1, min(room.capacity, 30))),
                        purpose=rng.choice(PURPOSES), status=status,
                        checked_in_at=start if status in (BookingStatus.CHECKED_IN, BookingStatus.COMPLETED) else None,
                    ))
        Booking.objects.bulk_create(bookings, batch_size=BATCH)
        # A few residents wait for taken slots at the busiest center.
        taken = [b for b in bookings if b.start > now and b.status == BookingStatus.CONFIRMED][:5]
        WaitlistEntry.objects.bulk_create([
            WaitlistEntry(room=b.room, resident_id=others[(i * 7) % len(others)], start=b.start, end=b.end,
                          attendees=1) for i, b in enumerate(taken) if others[(i * 7) % len(others)] != b.resident_id
        ])
        # resident-0001's inbox shows what booking looks like.
        mine = [b for b in bookings if b.resident_id == first and b.start > now]
        Message.objects.bulk_create([
            Message(recipient_id=first, kind="booking_confirmed", key=f"booking:{b.pk}:confirmed",
                    subject=f"预约成功：{b.room.center.name} · {b.room.name} · "
                            f"{timezone.localtime(b.start):%Y-%m-%d %H:%M}–{timezone.localtime(b.end):%H:%M}",
                    url="/m/bookings/")
            for b in mine if b.status == BookingStatus.CONFIRMED
        ])
    return [
        (_("service centers"), len(centers)),
        (_("rooms"), len(rooms)),
        (_("service-center staff accounts"), len(staff)),
        (_("partner social organizations"), len(partners)),
        (_("room bookings"), len(bookings)),
    ]
