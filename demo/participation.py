"""Demo data of residents taking part, run by seed_demo after the tree, the centers and the community records:
residents' communities, requests through every step (the 一征三议两公开 issues and the service hall's one-stop
services), activities at every center (四点钟课堂, lectures, health talks, volunteer services) with sign-ups and
attendance, volunteer teams (党员妈妈服务队, 夕阳红巡逻队 and others) with their hours, and the 智库's resources,
needs and matches. Everything goes in with bulk_create (no history rows: the demo starts clean)."""

import datetime
import sys
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import ResidentUnit
from demo.tree import seed_all
from grids.models import Level
from participation.models import (
    Activity,
    ActivityKind,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    RequestKind,
    RequestStatus,
    RequestStep,
    ResidentProfile,
    ResidentRequest,
    Resource,
    ResourceKind,
    ServiceKind,
    Signup,
    SignupStatus,
    TeamKind,
    TeamMembership,
    VolunteerHours,
    VolunteerTeam,
)
from servicecenters.models import PartnerOrganization, Room, RoomKind, ServiceCenter

BATCH = 2000
ISSUES = ("小区路灯不亮", "楼道堆放杂物", "老旧小区加装电梯", "停车位紧张", "垃圾分类点位调整", "无物业小区管理",
          "雨后积水", "广场舞噪音", "下水道堵塞", "绿化带缺补种")
SERVICES = {
    ServiceKind.UTILITIES: "水电气报修", ServiceKind.RENTING: "房屋租赁备案", ServiceKind.SOCIAL_SECURITY: "养老保险认证",
    ServiceKind.FAMILY_PLANNING: "生育登记", ServiceKind.LEGAL_AID: "法律咨询", ServiceKind.CERTIFICATES: "居住证明",
}
ACTIVITIES = (
    (ActivityKind.FOUR_OCLOCK, "四点钟课堂·作业辅导", RoomKind.FOUR_OCLOCK, 30, "1"),
    (ActivityKind.LECTURE, "党史学习讲座", RoomKind.PARTY_SCHOOL, 80, "2"),
    (ActivityKind.HEALTH, "老年人健康讲座", RoomKind.MULTI_FUNCTION, 60, "1"),
    (ActivityKind.VOLUNTEER, "社区环境志愿清洁", RoomKind.MEMBERS_HOME, 25, "2"),
    (ActivityKind.FOUR_OCLOCK, "四点钟课堂·书法兴趣班", RoomKind.FOUR_OCLOCK, 20, "1"),
)
TEAMS = (
    ("党员妈妈服务队", TeamKind.CARE, "以党员妈妈为骨干，关爱留守儿童、空巢老人，开展邻里互助。"),
    ("夕阳红巡逻队", TeamKind.PATROL, "由退休党员和热心居民组成，每日巡查楼院安全，协助化解邻里纠纷。"),
    ("邻里调解队", TeamKind.MEDIATION, "调解邻里矛盾，做到小事不出楼院、大事不出社区。"),
    ("清洁家园志愿队", TeamKind.CLEANING, "每周清理卫生死角，宣传垃圾分类。"),
)
RESOURCES = (
    (ResourceKind.ROOM, "会议室周末开放"), (ResourceKind.EXPERT, "医生义诊"), (ResourceKind.EXPERT, "律师法律咨询"),
    (ResourceKind.FUNDS, "共建资金"), (ResourceKind.SERVICE, "青年志愿者服务"),
)
PARTNER_RESOURCES = (
    (ResourceKind.SERVICE, "社工个案帮扶"), (ResourceKind.EXPERT, "心理咨询师"), (ResourceKind.SERVICE, "青少年成长营"),
)
NEEDS = (
    (ResourceKind.ROOM, "居民议事会场地"), (ResourceKind.EXPERT, "老年人健康讲座专家"),
    (ResourceKind.FUNDS, "老旧小区改造资金缺口"), (ResourceKind.SERVICE, "四点钟课堂志愿老师"),
)


def seed(*, scale, seed, hashed_password, today):
    """Residents taking part in every copy of an already built district; returns [(label, count)] lines."""
    return seed_all(sys.modules[__name__], scale=scale, seed=seed, hashed_password=hashed_password, today=today)


def seed_copy(copy):
    """The copy's residents taking part at the copy's communities and centers."""
    rng = copy.rng("participation")
    today = copy.today
    now = timezone.now()
    User = get_user_model()
    residents = list(User.objects.filter(username__in=copy.residents).order_by("username"))
    nodes = copy.nodes()
    communities = list(nodes.filter(level=Level.COMMUNITY).order_by("code"))
    centers = list(ServiceCenter.objects.filter(street__in=nodes).order_by("code"))
    if not residents or not communities:
        return []

    # Residents' communities: mostly the first streets' communities, so a secretary's pages have requests.
    profiles = [ResidentProfile(user=u, community=communities[i % min(len(communities), 40)])
                for i, u in enumerate(residents)]
    ResidentProfile.objects.bulk_create(profiles, batch_size=BATCH)
    home = {p.user_id: p.community for p in profiles}

    # Requests: 3 per resident, spread over the last 60 days, through every step.
    requests, plans = [], []
    for i, user in enumerate(residents * 3):
        community = home[user.pk]
        raised = now - datetime.timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 10))
        is_service = rng.random() < 0.45
        service = rng.choice(list(SERVICES)) if is_service else ""
        status = rng.choices(
            [RequestStatus.SUBMITTED, RequestStatus.ACCEPTED, RequestStatus.ROUTED, RequestStatus.ANSWERED,
             RequestStatus.CLOSED, RequestStatus.DECLINED], [2, 2, 1, 2, 6, 1])[0]
        if status == RequestStatus.ROUTED and not is_service:
            status = RequestStatus.ACCEPTED
        title = SERVICES[service] if is_service else rng.choice(ISSUES)
        street_centers = [c for c in centers if c.street_id == community.parent_id] or centers[:1]
        closed = status in (RequestStatus.CLOSED, RequestStatus.DECLINED)
        requests.append(ResidentRequest(
            resident=user, community=community, kind=RequestKind.SERVICE if is_service else RequestKind.ISSUE,
            service=service, title=title, body=f"{community.name}居民反映：{title}，请社区协调解决。",
            status=status, due_on=timezone.localtime(raised).date() + datetime.timedelta(days=7),
            center=street_centers[0] if is_service and status in (RequestStatus.ROUTED, RequestStatus.ANSWERED,
                                                                  RequestStatus.CLOSED) else None,
            answer="已安排工作人员上门处理，感谢您的反映。" if status in (RequestStatus.ANSWERED, RequestStatus.CLOSED)
            else ("不属于社区受理范围，已告知办理渠道。" if status == RequestStatus.DECLINED else ""),
            answered_at=raised + datetime.timedelta(days=2) if status in (RequestStatus.ANSWERED,
                                                                           RequestStatus.CLOSED) else None,
            closed_at=raised + datetime.timedelta(days=3) if closed else None,
            rating=rng.choice([4, 5, 5, 5, 3]) if status == RequestStatus.CLOSED else None,
        ))
        plans.append(raised)
    ResidentRequest.objects.bulk_create(requests, batch_size=BATCH)
    order = [RequestStatus.SUBMITTED, RequestStatus.ACCEPTED, RequestStatus.ROUTED, RequestStatus.ANSWERED,
             RequestStatus.CLOSED]
    steps = []
    for request, raised in zip(requests, plans):
        path = [RequestStatus.SUBMITTED, RequestStatus.DECLINED] if request.status == RequestStatus.DECLINED else [
            s for s in order[: order.index(request.status) + 1] if s != RequestStatus.ROUTED or request.center_id]
        for k, status in enumerate(path):
            steps.append(RequestStep(request=request, status=status, note="", at=raised))
    RequestStep.objects.bulk_create(steps, batch_size=BATCH)
    for request, raised in zip(requests, plans):  # the raise dates, in one pass per batch
        request.created_at = raised
    ResidentRequest.objects.bulk_update(requests, ["created_at"], batch_size=BATCH)

    # Activities: at every center, two weeks back and three weeks ahead.
    rooms = {(r.center_id, r.kind): r for r in Room.objects.filter(center__in=centers)}
    activities = []
    for c, center in enumerate(centers):
        for k, (kind, title, room_kind, capacity, points) in enumerate(ACTIVITIES):
            day = today + datetime.timedelta(days=rng.randint(-14, 21))
            hour = 16 if kind == ActivityKind.FOUR_OCLOCK else rng.choice([9, 10, 14, 15, 19])
            starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
            activities.append(Activity(
                center=center, room=rooms.get((center.pk, room_kind)), kind=kind, title=title,
                description=f"{center.name}举办：{title}。欢迎居民报名参加。", starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=1, minutes=30), capacity=capacity,
                signup_opens=starts - datetime.timedelta(days=10), signup_closes=starts - datetime.timedelta(hours=2),
                points=Decimal(points),
            ))
    Activity.objects.bulk_create(activities, batch_size=BATCH)
    signups = []
    for activity in activities:
        takers = rng.sample(residents, min(len(residents), rng.randint(3, max(3, activity.capacity - 2))))
        past = activity.ends_at < now
        for user in takers:
            attended = past and rng.random() < 0.85
            signups.append(Signup(activity=activity, user=user,
                                  status=SignupStatus.ATTENDED if attended else SignupStatus.SIGNED_UP,
                                  checked_in_at=activity.starts_at if attended else None))
        activity.signed_up = len(takers)
    Signup.objects.bulk_create(signups, batch_size=BATCH)
    Activity.objects.bulk_update(activities, ["signed_up"], batch_size=BATCH)

    # Volunteer teams in the first communities, with members and hours.
    teams, memberships, hours = [], [], []
    for i, community in enumerate(communities[:40]):
        for name, kind, charter in TEAMS[: 2 + i % 3]:
            teams.append(VolunteerTeam(node=community, name=name, kind=kind, charter=charter,
                                       founded_on=datetime.date(2017, 1 + i % 12, 1),
                                       leader=residents[(i * 7) % len(residents)]))
    VolunteerTeam.objects.bulk_create(teams, batch_size=BATCH)
    for t, team in enumerate(teams):
        roster = rng.sample(residents, min(len(residents), rng.randint(5, 12)))
        # The leader keeps the roster from the phone (/m/teams/<id>/roster/) and is on it.
        for user in [team.leader] + [u for u in roster if u.pk != team.leader.pk]:
            memberships.append(TeamMembership(team=team, user=user, name=user.get_full_name() or user.username,
                                              joined_on=team.founded_on))
    TeamMembership.objects.bulk_create(memberships, batch_size=BATCH)
    for m, membership in enumerate(memberships):
        for week in range(rng.randint(1, 4)):
            hours.append(VolunteerHours(
                membership=membership, on=today - datetime.timedelta(days=7 * week + rng.randint(0, 6)),
                hours=Decimal(rng.choice(["1.0", "1.5", "2.0", "3.0"])), what=f"{membership.team.name}第{week + 1}周服务",
            ))
    VolunteerHours.objects.bulk_create(hours, batch_size=BATCH, ignore_conflicts=True)

    # The 智库: resources of resident units, needs of communities, matches by kind and distance.
    units = list(ResidentUnit.objects.filter(node__in=nodes).select_related("node").order_by("pk")[:120])
    resources = []
    for u, unit in enumerate(units):
        kind, title = RESOURCES[u % len(RESOURCES)]
        resources.append(Resource(node=unit.node, unit=unit, kind=kind, title=f"{unit.name}·{title}"))
    # Each center's partner organization offers a service at the center's street (its staff answer for it).
    for p, partner in enumerate(PartnerOrganization.objects.filter(exited_on__isnull=True, center__in=centers)
                                .select_related("center__street").order_by("pk")[:40]):
        kind, title = PARTNER_RESOURCES[p % len(PARTNER_RESOURCES)]
        resources.append(Resource(node=partner.center.street, partner=partner, kind=kind,
                                  title=f"{partner.name}·{title}"))
    Resource.objects.bulk_create(resources, batch_size=BATCH)
    needs, matches = [], []
    for c, community in enumerate(communities[:60]):
        kind, title = NEEDS[c % len(NEEDS)]
        needs.append(Need(node=community, kind=kind, title=title, posted_on=today - datetime.timedelta(days=c % 90),
                          description=f"{community.name}：{title}"))
    Need.objects.bulk_create(needs, batch_size=BATCH)
    from participation.services import tree_distance

    by_kind = {}
    for resource in resources:
        by_kind.setdefault(resource.kind, []).append(resource)
    for n, need in enumerate(needs):
        candidates = sorted(by_kind.get(need.kind, []), key=lambda r: tree_distance(need.node.path, r.node.path))[:2]
        for k, resource in enumerate(candidates):
            status = [MatchStatus.DONE, MatchStatus.AGREED, MatchStatus.PROPOSED][(n + k) % 3]
            # Agreed five days after the posting and done ten days later, never after today.
            agreed = min(need.posted_on + datetime.timedelta(days=5), today) if status != MatchStatus.PROPOSED \
                else None
            matches.append(Match(
                need=need, resource=resource, distance=tree_distance(need.node.path, resource.node.path),
                status=status, proposed_on=need.posted_on, agreed_on=agreed,
                done_on=min(agreed + datetime.timedelta(days=10), today) if status == MatchStatus.DONE else None,
                outcome="资源到位，居民受益。" if status == MatchStatus.DONE else "",
            ))
            if status == MatchStatus.DONE:
                need.status = NeedStatus.MET
    Match.objects.bulk_create(matches, batch_size=BATCH)
    Need.objects.bulk_update(needs, ["status"], batch_size=BATCH)
    return [
        (_("residents' requests"), len(requests)),
        (_("activities"), len(activities)),
        (_("sign-ups"), len(signups)),
        (_("volunteer teams"), len(teams)),
        (_("volunteer hours"), len(hours)),
        (_("offered resources"), len(resources)),
        (_("community needs"), len(needs)),
        (_("matches"), len(matches)),
    ]
