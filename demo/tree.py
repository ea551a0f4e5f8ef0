"""Demo data of Jinshui District's size: the four-level tree, party members and demo accounts.

The district is built copy by copy (a copy is one Jinshui-size block; copy k > 1 has codes prefixed
"K<k>"). `generate_copy()` plans one copy in memory from its own seeded `random.Random` (copy 1 draws
from `Random(seed)`, copy k from `Random(f"{seed}:{k}")`), so the same seed gives the same copy whatever
was built before it; the only thing shared between copies is the set of phones and ID-card numbers
already given out (`Used`, kept as integers, rebuilt from the database when a run is resumed).
`insert()` writes a plan with `bulk_create`, level by level so that every parent row exists before its
children (PostgreSQL's tree trigger checks each row against its parent). `generate()` and `build()`
plan or build several copies at once (tests, small sizes); `python manage.py seed_demo` builds, and
commits, one copy at a time.

Bulk inserts bypass django-simple-history (no historical rows are written for demo data): that is
deliberate, the demo starts with an empty history.
"""

import bisect
import datetime
import heapq
import itertools
from array import array
import time
from importlib import import_module
from dataclasses import dataclass, field
from random import Random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from faker.providers.person.zh_CN import Provider as _ZhPersonProvider

from accounts.models import Role, RoleGrant
from members.records.models import Education, Member, MemberCategory, MemberStatus
from members.records.validators import make_id_number, validate_id_number

from grids.models import Kind, Level, OrgNode

DEFAULT_SEED = 2026
DEFAULT_PASSWORD = "jinshui2026"
MEMBER_BATCH = 5000
BATCH = 2000


@dataclass(frozen=True)
class Counts:
    """What one copy of the district holds (scale N builds N copies)."""

    streets: int
    level2: int
    villages: int
    grids: int
    building_groups: int
    members: int
    residents: int

    def check(self):
        if self.streets < 1:
            raise ValueError("At least one street is needed.")
        if not self.streets <= self.level2 <= self.grids <= self.building_groups:
            raise ValueError("Each street needs a community, each community a grid, each grid a building group.")
        if not 0 <= self.villages <= self.level2:
            raise ValueError("There cannot be more villages than level-2 organizations.")
        if self.streets > 99 or self.members < 0 or self.residents < 0:
            raise ValueError("At most 99 streets per copy, and no negative counts.")


#: Jinshui District as the 2018 report describes it: 17 streets, 194 communities and villages,
#: 571 grids, 1,276 building groups, 22,000+ directly managed members.
JINSHUI = Counts(
    streets=17, level2=194, villages=20, grids=571, building_groups=1276, members=22150, residents=200
)


def plan_counts(scale=1, counts=None):
    """The totals `build(scale)` inserts, without touching the database."""
    c = counts or JINSHUI
    c.check()
    sec_users = c.streets + c.level2
    return {
        "streets": c.streets * scale,
        "level2": c.level2 * scale,
        "communities": (c.level2 - c.villages) * scale,
        "villages": c.villages * scale,
        "grids": c.grids * scale,
        "building_groups": c.building_groups * scale,
        "nodes": (c.streets + c.level2 + c.grids + c.building_groups) * scale,
        "members": c.members * scale,
        "secretaries": sec_users * scale,
        "residents": c.residents * scale,
        "users": 1 + (sec_users + c.residents) * scale,
        "role_grants": 1 + (sec_users + c.residents) * scale,
    }


# --- names -------------------------------------------------------------------------------------

STREET_NAMES = [
    "经八路街道", "花园路街道", "人民路街道", "杜岭街道", "大石桥街道", "南阳路街道", "南阳新村街道",
    "文化路街道", "丰产路街道", "东风路街道", "北林路街道", "未来路街道", "凤凰台街道", "兴达路街道",
    "国基路街道", "杨金路街道", "丰庆路街道",
]

COMMUNITY_STEMS = (
    "省委 省政府 省人大 省政协 黄委会 鑫苑 荣华 经三路 经五路 经七路 经八路 纬一路 纬二路 纬三路 纬四路 纬五路 "
    "红专路 黄河路 金水路 农业路 花园路 丰产路 东风路 北林路 未来路 文化路 人民路 南阳路 杜岭 大石桥 凤凰台 "
    "兴达路 国基路 杨金路 丰庆路 政七街 政六街 政二街 农科路 宋寨 顺河路 新柳路 三门峡路 文博 龙湖 天明路 "
    "东明路 普罗旺世 沙口路 索凌路 银河 园田 博颂路 宏达 正光 金桥 长江 徐庄 王府井 英协路 泰和 紫荆山 枣庄 "
    "五里堡 姚砦 兴隆 健康路 医学院 同乐 工人新村 文化宫路 金海 优胜南路 红旗 丰收路 渠东路 渠西路 天韵 "
    "龙子湖 如意 商都 金城 民航路 文劳路 经纬 新世纪 黑朱庄 北徐庄 刘江 天伦路 鸿宝 汇金 宝龙 盛世 明珠 "
    "阳光 怡心 和谐 幸福 安泰 康宁 祥和 福园 锦绣 翠竹 桐柏 嵩山 黄山 庐山 泰山 丹江 汉江 淮河 伊河 洛河 "
    "贾鲁河 金水河 熊耳河 东风渠 北环 东环 三全路 鑫源 瑞达路 清华园 书香 文苑 学苑 园丁 科苑 科技园 电力 "
    "铁路 邮电 水利 地矿 煤炭 纺织 棉纺 机械 电缆 电业 化工 建设 宏图 振兴 新兴 新华 光明 永安 长兴 丰华 "
    "金泰 金穗 金色港湾 绿城 金林 桐华 国泰 众意 金科 华林 豫丰 中州 河医 体育场 老干部 郑纺机 郑大 "
    "工学院 农大 粮院 东方红 黄河东里 黄河西里 金城国际 英才 正弘 美景 万达 聚源 东建 蓝天 万科 龙源"
).split()

VILLAGE_STEMS = (
    "路砦 西北地 庙李 陈砦 刘庄 杨君刘 柳林 东赵 燕庄 老鸦陈 张家 王庄 毛庄 姚桥 小营 大河 沙门 马李 宋砦 "
    "关虎屯 黄庄 孙庄 祭城 香山 后庄 司赵 南阳寨 岗李 八里庙 王砦"
).split()

_DIRECTIONS = "东西南北中"

_SURNAMES = list(_ZhPersonProvider.last_names)
_SURNAME_CUM = list(itertools.accumulate(_ZhPersonProvider.last_names.values()))
_GIVEN_MALE = list(dict.fromkeys(list(_ZhPersonProvider.first_names_male) + (
    "建国 国强 志强 建华 红军 卫东 德明 振华 海涛 晓东 宏伟 文博 浩然 俊杰 建军 国庆 新民 保国 "
    "跃进 志刚 永刚 长江 卫国 建设 向东 立新 大伟 子轩 宇航 一鸣 博文 天佑 明辉 春生 秋林"
).split()))
_GIVEN_FEMALE = list(dict.fromkeys(list(_ZhPersonProvider.first_names_female) + (
    "淑珍 秀珍 凤英 玉梅 桂芳 丽娟 雪梅 晓燕 婷婷 欣怡 思琪 雨萱 红梅 爱华 素芬 慧敏 建英 春兰 "
    "美玲 晓丽 亚楠 佳怡 梓涵 诗雨 金凤 翠兰 冬梅 月娥 巧云 海燕"
).split()))

_ETHNICITIES = ["汉族", "回族", "满族", "蒙古族"]
_ETHNICITY_CUM = [95.5, 98.5, 99.4, 100.0]

_PHONE_PREFIXES = [*range(130, 140), 150, 151, 152, 153, *range(155, 160), *range(180, 190)]

#: Zhengzhou region codes, weighted: most directly managed members were registered in Jinshui (410105).
_REGIONS = [
    ("410105", 60), ("410102", 6), ("410103", 6), ("410104", 6), ("410108", 3), ("410122", 3),
    ("410106", 1), ("410181", 2), ("410182", 2), ("410183", 2), ("410184", 2), ("410185", 2), ("410100", 1),
]


def _regions_valid_in(year):
    """The region codes (and cumulative weights) the project's validator accepts for a birth in `year`."""

    def valid(code):
        try:
            validate_id_number(make_id_number(code, datetime.date(year, 1, 1), 1))
        except ValidationError:
            return False
        return True

    codes = [(c, w) for c, w in _REGIONS if valid(c)] or [("410100", 1)]
    return [c for c, _w in codes], list(itertools.accumulate(w for _c, w in codes))


def _cn_number(n):
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


def _copy_suffix(copy):
    return "" if copy == 1 else f"（{copy}）"


def _prefix(copy):
    return "" if copy == 1 else f"K{copy}"


# --- the plan ----------------------------------------------------------------------------------


@dataclass
class NodeSpec:
    code: str
    name: str
    kind: str
    level: int
    parent_code: str | None
    secretary_name: str
    secretary_phone: str
    address: str = ""


@dataclass
class UserSpec:
    username: str
    role: str
    node_code: str | None = None
    is_staff: bool = False
    is_superuser: bool = False
    first_name: str = ""


@dataclass
class Plan:
    levels: list = field(default_factory=lambda: [[], [], [], []])  # NodeSpec lists, level 1..4
    members: list = field(default_factory=list)  # dicts of Member fields with "org_code"
    users: list = field(default_factory=list)

    def counts(self):
        return {
            "streets": len(self.levels[0]),
            "level2": len(self.levels[1]),
            "grids": len(self.levels[2]),
            "building_groups": len(self.levels[3]),
            "members": len(self.members),
            "users": len(self.users),
        }


class _Numbers:
    """A set of integers kept small: a sorted array of 8-byte integers, plus a set of the ones added since the last
    `settle()` (a Python set of ints takes about ten times as much per number)."""

    def __init__(self, values=()):
        self.settled = array("q", sorted(values))
        self.recent = set()

    def __contains__(self, key):
        if key in self.recent:
            return True
        at = bisect.bisect_left(self.settled, key)
        return at < len(self.settled) and self.settled[at] == key

    def add(self, key):
        self.recent.add(key)

    def settle(self):
        """Fold the numbers added since into the sorted array (once a copy)."""
        if self.recent:
            self.settled = array("q", heapq.merge(self.settled, sorted(self.recent)))
            self.recent = set()

    def __iter__(self):
        return heapq.merge(self.settled, sorted(self.recent))

    def __len__(self):
        return len(self.settled) + len(self.recent)


class Used:
    """The phones and ID-card numbers given out so far, over every copy, as integers (an ID number by its first
    17 digits: the last is a check digit), kept compactly: about 20 bytes a member at any scale."""

    def __init__(self, phones=(), id_numbers=()):
        self.phones = _Numbers(phones)
        self.id_numbers = _Numbers(id_numbers)

    @staticmethod
    def id_key(number):
        return int(number[:17])

    def settle(self):
        self.phones.settle()
        self.id_numbers.settle()

    @classmethod
    def from_database(cls):
        """The numbers of the copies already written: every member's, and every organization's secretary phone
        (the generator gives out nothing else, so this is exactly the set an uninterrupted run would hold)."""
        phones, id_numbers = array("q"), array("q")
        for phone, id_number in Member.objects.values_list("phone", "id_number").iterator(chunk_size=MEMBER_BATCH):
            if phone.isdigit():
                phones.append(int(phone))
            id_numbers.append(cls.id_key(id_number))
        for phone in OrgNode.objects.values_list("secretary_phone", flat=True).iterator(chunk_size=MEMBER_BATCH):
            if phone.isdigit():
                phones.append(int(phone))
        return cls(phones, id_numbers)


def copy_random(seed, copy):
    """The random stream of one copy: copy 1 keeps `Random(seed)` (scale 1 is what it always was); each other
    copy has its own, so that any copy can be generated again without the ones before it."""
    return Random(seed if copy == 1 else f"{seed}:{copy}")


class _Generator:
    def __init__(self, rng, today, used):
        self.rng = rng
        self.today = today
        self.used = used
        self.regions_by_year = {}

    # people
    def name(self, gender=None):
        rng = self.rng
        if gender is None:
            gender = "M" if rng.random() < 0.6 else "F"
        surname = _SURNAMES[bisect.bisect(_SURNAME_CUM, rng.random() * _SURNAME_CUM[-1])]
        pool = _GIVEN_MALE if gender == "M" else _GIVEN_FEMALE
        return surname + pool[rng.randrange(len(pool))]

    def phone(self):
        rng = self.rng
        while True:
            number = f"{_PHONE_PREFIXES[rng.randrange(len(_PHONE_PREFIXES))]}{rng.randrange(100_000_000):08d}"
            key = int(number)
            if key not in self.used.phones:
                self.used.phones.add(key)
                return number

    def id_number(self, birth, gender):
        rng = self.rng
        year = birth.year
        if year not in self.regions_by_year:
            self.regions_by_year[year] = _regions_valid_in(year)
        codes, cum = self.regions_by_year[year]
        odd = 1 if gender == "M" else 0
        while True:
            region = codes[bisect.bisect(cum, rng.random() * cum[-1])]
            number = make_id_number(region, birth, rng.randrange(500) * 2 + odd)
            key = Used.id_key(number)
            if key not in self.used.id_numbers:
                self.used.id_numbers.add(key)
                return number

    # tree
    @staticmethod
    def spread(total, parents, rng):
        """How many children each of `parents` gets: at least one each, the rest spread at random."""
        counts = [1] * parents
        weights = [0.7 + 0.6 * rng.random() for _ in range(parents)]
        cum = list(itertools.accumulate(weights))
        for _ in range(total - parents):
            counts[bisect.bisect(cum, rng.random() * cum[-1])] += 1
        return counts

    def tree(self, plan, counts, copy):
        rng = self.rng
        prefix, suffix = _prefix(copy), _copy_suffix(copy)
        streets, level2, grids, groups = plan.levels

        street_specs = []
        for i in range(counts.streets):
            code = f"{prefix}JS{i + 1:02d}"
            base = STREET_NAMES[i % len(STREET_NAMES)]
            if i >= len(STREET_NAMES):
                base = base.replace("街道", f"{_cn_number(i // len(STREET_NAMES) + 1)}街道")
            street_specs.append(
                NodeSpec(code, base + suffix, Kind.STREET, Level.STREET, None, self.name(), self.phone(),
                         f"河南省郑州市金水区{base}办事处")
            )
        streets.extend(street_specs)

        # Level 2: the villages sit in the last (urban-rural fringe) streets, about five to a street.
        per_street = self.spread(counts.level2, counts.streets, rng)
        village_quota = _village_quota(per_street, counts.villages)
        community_stems = COMMUNITY_STEMS[:]
        village_stems = VILLAGE_STEMS[:]
        rng.shuffle(community_stems)
        rng.shuffle(village_stems)
        used = {"c": 0, "v": 0}

        def level2_name(village):
            key, stems, tail = ("v", village_stems, "村") if village else ("c", community_stems, "社区")
            n = used[key]
            used[key] += 1
            stem = stems[n % len(stems)]
            if n >= len(stems):
                stem += _DIRECTIONS[(n // len(stems) - 1) % len(_DIRECTIONS)]
            return stem + tail

        level2_specs = []
        for street, n_children, n_villages in zip(street_specs, per_street, village_quota):
            for j in range(n_children):
                village = j >= n_children - n_villages
                name = level2_name(village)
                level2_specs.append(
                    NodeSpec(f"{street.code}-C{j + 1:02d}", name, Kind.VILLAGE if village else Kind.COMMUNITY,
                             Level.COMMUNITY, street.code, self.name(), self.phone(),
                             f"河南省郑州市金水区{street.name.removesuffix(suffix)}{name}")
                )
        level2.extend(level2_specs)

        grid_specs, group_specs = [], []
        per_l2 = self.spread(counts.grids, len(level2_specs), rng)
        grid_is_village = []
        for l2, n_grids in zip(level2_specs, per_l2):
            for k in range(n_grids):
                grid_specs.append(
                    NodeSpec(f"{l2.code}-G{k + 1:02d}", f"第{_cn_number(k + 1)}网格", Kind.GRID, Level.GRID,
                             l2.code, self.name(), self.phone())
                )
                grid_is_village.append(l2.kind == Kind.VILLAGE)
        grids.extend(grid_specs)

        per_grid = self.spread(counts.building_groups, len(grid_specs), rng)
        building_no = {}
        for grid, village, n_groups in zip(grid_specs, grid_is_village, per_grid):
            for m in range(n_groups):
                number = building_no.get(grid.parent_code, 0) + 1
                building_no[grid.parent_code] = number
                name = f"第{_cn_number(number)}村民组" if village else f"{number}号楼组"
                group_specs.append(
                    NodeSpec(f"{grid.code}-B{m + 1:02d}", name, Kind.BUILDING_GROUP, Level.BUILDING_GROUP,
                             grid.code, self.name(), self.phone())
                )
        groups.extend(group_specs)
        return street_specs, level2_specs, grid_specs, group_specs

    # members
    _BIRTH_DECADES = [(1930, 8), (1940, 15), (1950, 20), (1960, 18), (1970, 14), (1980, 12), (1990, 10), (2000, 3)]
    _BIRTH_CUM = list(itertools.accumulate(w for _d, w in _BIRTH_DECADES))
    _EDUCATION_BY_DECADE = {
        1930: [(Education.PRIMARY, 35), (Education.JUNIOR, 35), (Education.SENIOR, 20), (Education.COLLEGE, 6),
               (Education.BACHELOR, 4)],
        1950: [(Education.PRIMARY, 10), (Education.JUNIOR, 30), (Education.SENIOR, 35), (Education.COLLEGE, 15),
               (Education.BACHELOR, 10)],
        1970: [(Education.JUNIOR, 10), (Education.SENIOR, 25), (Education.COLLEGE, 30), (Education.BACHELOR, 30),
               (Education.MASTER, 5)],
        1990: [(Education.SENIOR, 5), (Education.COLLEGE, 20), (Education.BACHELOR, 55), (Education.MASTER, 17),
               (Education.DOCTOR, 3)],
    }
    _EDUCATION = {
        decade: ([e for e, _w in table], list(itertools.accumulate(w for _e, w in table)))
        for decade, table in _EDUCATION_BY_DECADE.items()
    }
    _EPOCH = datetime.date(1960, 1, 1)
    _LAST_BIRTH = datetime.date(2004, 12, 31)

    def members(self, plan, counts, level2, grids, groups):
        rng = self.rng
        random = rng.random
        today = self.today
        latest_full_join = today - datetime.timedelta(days=366)
        for _ in range(counts.members):
            where = random()
            pool = level2 if where < 0.10 else grids if where < 0.45 else groups
            org_code = pool[rng.randrange(len(pool))].code
            gender = "M" if random() < 0.62 else "F"
            probationary = random() < 0.03
            if probationary:
                start, end = datetime.date(1975, 1, 1), self._LAST_BIRTH
            else:
                decade = self._BIRTH_DECADES[bisect.bisect(self._BIRTH_CUM, random() * self._BIRTH_CUM[-1])][0]
                start, end = datetime.date(decade, 1, 1), min(datetime.date(decade + 9, 12, 31), self._LAST_BIRTH)
            birth = start + datetime.timedelta(days=rng.randrange((end - start).days + 1))
            id_number = self.id_number(birth, gender)
            adult = _add_years(birth, 18) + datetime.timedelta(days=1)
            if probationary:
                joined = today - datetime.timedelta(days=rng.randint(20, 350))
                full = None
            else:
                earliest = max(adult, self._EPOCH)
                span = (latest_full_join - earliest).days
                offset = int(rng.triangular(0, 25 * 365, 4 * 365))
                joined = earliest + datetime.timedelta(days=min(offset, span))
                full = _add_years(joined, 1)
            edu_decade = 1990 if birth.year >= 1990 else 1970 if birth.year >= 1970 else (
                1950 if birth.year >= 1950 else 1930)
            edu_codes, edu_cum = self._EDUCATION[edu_decade]
            kind = random() * 100
            plan.members.append({
                "name": self.name(gender),
                "gender": gender,
                "ethnicity": _ETHNICITIES[bisect.bisect(_ETHNICITY_CUM, random() * 100)],
                "birth_date": birth,
                "id_number": id_number,
                "phone": self.phone(),
                "education": edu_codes[bisect.bisect(edu_cum, random() * edu_cum[-1])],
                "joined_on": joined,
                "full_member_on": full,
                "status": MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
                "category": MemberCategory.DIRECT if kind < 70 else (
                    MemberCategory.IN_SERVICE if kind < 92 else MemberCategory.MOBILE),
                "org_code": org_code,
            })


def _village_quota(per_street, villages):
    """Villages per street: spread over the last streets (the urban-rural fringe), about five to a street."""
    n = len(per_street)
    quota = [0] * n
    left = villages
    fringe = min(n, -(-villages // 5))
    for rank, i in enumerate(range(n - 1, n - 1 - fringe, -1)):
        # An even share of what is left, keeping at least one community in the street.
        take = min(-(-left // (fringe - rank)), per_street[i] - 1, left)
        quota[i] += take
        left -= take
    for i in range(n - 1, -1, -1):
        take = min(per_street[i] - quota[i], left)
        quota[i] += take
        left -= take
    return quota


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def admin_spec():
    """The district's administrator account (written once, with the first copy)."""
    return UserSpec("admin", Role.DISTRICT_STAFF, is_staff=True, is_superuser=True, first_name="管理员")


def resident_usernames(copy, counts=None):
    """The demo residents of one copy: numbered on from the copies before it (resident-0001 is in copy 1)."""
    counts = counts or JINSHUI
    first = (copy - 1) * counts.residents + 1
    return [f"resident-{n:04d}" for n in range(first, first + counts.residents)]


def generate_copy(copy, *, counts=None, seed=DEFAULT_SEED, today=None, used=None):
    """Plan copy `copy` of the district in memory (no database access, no admin account).

    `used` holds the phones and ID numbers of the copies already planned (and collects this copy's): give the same
    one to every copy of a run, or `Used.from_database()` when resuming."""
    counts = counts or JINSHUI
    counts.check()
    if copy < 1:
        raise ValueError("Copies are numbered from 1.")
    gen = _Generator(copy_random(seed, copy), today or timezone.localdate(), used if used is not None else Used())
    plan = Plan()
    streets, level2, grids, groups = gen.tree(plan, counts, copy)
    gen.members(plan, counts, level2, grids, groups)
    for spec in streets:
        plan.users.append(
            UserSpec(f"sec-{spec.code}", Role.STREET_SECRETARY, spec.code, True, first_name=spec.secretary_name)
        )
    for spec in level2:
        plan.users.append(
            UserSpec(f"sec-{spec.code}", Role.COMMUNITY_SECRETARY, spec.code, True, first_name=spec.secretary_name)
        )
    plan.users += [UserSpec(name, Role.RESIDENT) for name in resident_usernames(copy, counts)]
    gen.used.settle()
    return plan


def generate(scale=1, *, counts=None, seed=DEFAULT_SEED, today=None):
    """Plan `scale` copies of the district in memory, with the admin account (no database access)."""
    counts = counts or JINSHUI
    counts.check()
    if scale < 1:
        raise ValueError("The scale is a whole number, 1 or more.")
    today = today or timezone.localdate()
    used = Used()
    plan = Plan()
    plan.users.append(admin_spec())
    for copy in range(1, scale + 1):
        part = generate_copy(copy, counts=counts, seed=seed, today=today, used=used)
        for mine, theirs in zip(plan.levels, part.levels):
            mine.extend(theirs)
        plan.members.extend(part.members)
        plan.users.extend(part.users)
    return plan


def copies_written():
    """How many copies of the district the database holds, counted from copy 1 (a copy is written all at once)."""
    codes = set(OrgNode.objects.filter(level=Level.STREET, code__endswith="JS01").values_list("code", flat=True))
    done = 0
    while f"{_prefix(done + 1)}JS01" in codes:
        done += 1
    return done


def district_finished():
    """Whether a run went through its last copy (the extensions' finish ranked the quarters): such a district is
    complete at its own scale, and cannot be extended with more copies."""
    from jobs.models import JobRun

    return JobRun.objects.filter(job="assessment.quarterly_ranking").exists()


def copy_matches(copy=1, *, counts=None, seed=DEFAULT_SEED, today=None):
    """Whether the streets of copy `copy` in the database are the ones `seed` plans (codes, names, secretaries).
    Exact for copy 1, whose numbers do not depend on any copy before it."""
    counts = counts or JINSHUI
    gen = _Generator(copy_random(seed, copy), today or timezone.localdate(), Used())
    planned = [(s.code, s.name, s.secretary_name, s.secretary_phone) for s in gen.tree(Plan(), counts, copy)[0]]
    stored = list(OrgNode.objects.filter(code__in=[row[0] for row in planned]).order_by("code").values_list(
        "code", "name", "secretary_name", "secretary_phone"))
    return stored == sorted(planned)


# --- writing -----------------------------------------------------------------------------------


def insert(plan, *, password=DEFAULT_PASSWORD, hashed_password=None, progress=None):
    """Write a plan with bulk inserts (call inside a transaction); returns the counts written.

    Every account gets `hashed_password`, else the hash of `password`."""
    say = progress or (lambda message: None)
    nodes = {}
    for level_specs in plan.levels:
        objs = []
        for s in level_specs:
            parent = nodes[s.parent_code] if s.parent_code else None
            objs.append(OrgNode(
                code=s.code, name=s.name, kind=s.kind, level=s.level, parent=parent,
                path=OrgNode.path_for(s.code, parent), secretary_name=s.secretary_name,
                secretary_phone=s.secretary_phone, address=s.address,
            ))
        OrgNode.objects.bulk_create(objs, batch_size=BATCH)
        nodes.update((o.code, o) for o in objs)
        say(f"level {level_specs[0].level if level_specs else '?'}: {len(objs)}")

    org_ids = {code: node.pk for code, node in nodes.items()}
    for start in range(0, len(plan.members), MEMBER_BATCH):
        batch = []
        for row in plan.members[start:start + MEMBER_BATCH]:
            fields = dict(row)
            fields["org_id"] = org_ids[fields.pop("org_code")]
            batch.append(Member(**fields))
        Member.objects.bulk_create(batch)
    say(f"members: {len(plan.members)}")

    # One hash for every account: hashing each one separately would take minutes.
    hashed = hashed_password or make_password(password)
    User = get_user_model()
    users = [
        User(username=u.username, password=hashed, is_staff=u.is_staff, is_superuser=u.is_superuser,
             first_name=u.first_name)
        for u in plan.users
    ]
    User.objects.bulk_create(users, batch_size=BATCH)
    grants = [
        RoleGrant(user=user, role=spec.role, node_id=org_ids[spec.node_code] if spec.node_code else None)
        for user, spec in zip(users, plan.users)
    ]
    RoleGrant.objects.bulk_create(grants, batch_size=BATCH)
    say(f"users: {len(users)}")
    return {**plan.counts(), "role_grants": len(grants)}


def existing_usernames(plan):
    """Usernames of the plan that already exist (seed_demo refuses to overwrite accounts)."""
    names = [u.username for u in plan.users]
    found = []
    User = get_user_model()
    for start in range(0, len(names), BATCH):
        found += User.objects.filter(username__in=names[start:start + BATCH]).values_list("username", flat=True)
    return sorted(found)


#: Each app's demo data (the other modules of demo/), run by seed_demo after each copy's tree, members and accounts
#: exist, in that copy's transaction. Each module has `seed_copy(copy)` (a `Copy`: the records of that copy of the
#: district, and on copy 1 the ones the district has once) and may have `finish(copy)` (the district-wide work, such
#: as rankings over every copy, run with the last copy); both return a list of (label, count) lines for the summary.
#: `seed(*, scale, seed, hashed_password, today)` runs all copies and the finish at once. A new module adds its line.
EXTENSIONS = (
    "demo.community",
    "demo.servicecenters",
    "demo.assessment",
    "demo.members",
    "demo.learning",
    "demo.accountability",
    "demo.participation",
)


@dataclass(frozen=True)
class Copy:
    """One copy of the district, as the extensions see it: its number, the run's parameters, its residents."""

    number: int
    scale: int
    seed: int
    hashed_password: str
    today: datetime.date
    residents: tuple = ()  # usernames of this copy's demo residents

    @property
    def prefix(self):
        """What this copy's codes start with ("" for copy 1, "K2" for copy 2, …)."""
        return _prefix(self.number)

    @property
    def first(self):
        return self.number == 1

    @property
    def last(self):
        return self.number == self.scale

    def rng(self, name):
        """The copy's random stream for `name`: copy 1 has `Random(f"{name}-{seed}")` (scale 1 as it always was)."""
        return Random(f"{name}-{self.seed}" if self.first else f"{name}-{self.seed}:{self.number}")

    def nodes(self):
        """This copy's organizations (their codes start with the prefix and a street code)."""
        return OrgNode.objects.filter(code__startswith=f"{self.prefix}JS")

    def suffix(self):
        return _copy_suffix(self.number)


def copies(*, scale, seed, hashed_password, today):
    """The `Copy` of each copy of an already built district, its residents found by username (for `seed()`)."""
    names = list(get_user_model().objects.filter(username__startswith="resident-").order_by("username")
                 .values_list("username", flat=True))
    per = -(-len(names) // scale) if names else 0
    return [
        Copy(number=n, scale=scale, seed=seed, hashed_password=hashed_password, today=today,
             residents=tuple(names[(n - 1) * per:n * per]))
        for n in range(1, scale + 1)
    ]


def merge_lines(total, lines):
    """Add (label, count) lines into the dict `total` (labels keep their first order)."""
    for label, count in lines or []:
        total[label] = total.get(label, 0) + count
    return total


def seed_all(module, *, scale, seed, hashed_password, today):
    """Run one extension over every copy and finish it: an extension's `seed()` for an already built district."""
    total = {}
    for copy in copies(scale=scale, seed=seed, hashed_password=hashed_password, today=today):
        merge_lines(total, module.seed_copy(copy))
        if copy.last and hasattr(module, "finish"):
            merge_lines(total, module.finish(copy))
    return list(total.items())


def run_extensions_copy(copy):
    """Run every app's demo data (EXTENSIONS) for one copy, and their finish after the last; returns the lines."""
    modules = [import_module(path) for path in EXTENSIONS]
    total = {}
    for module in modules:
        merge_lines(total, module.seed_copy(copy))
    if copy.last:
        for module in modules:
            if hasattr(module, "finish"):
                merge_lines(total, module.finish(copy))
    return list(total.items())


def run_extensions(*, scale, seed, hashed_password, today=None):
    """Run every app's demo data over an already built district (all copies, then the finish); returns the lines."""
    today = today or timezone.localdate()
    total = {}
    for copy in copies(scale=scale, seed=seed, hashed_password=hashed_password, today=today):
        merge_lines(total, run_extensions_copy(copy))
    return list(total.items())


def build(scale=1, *, counts=None, seed=DEFAULT_SEED, password=DEFAULT_PASSWORD, today=None, progress=None):
    """Generate and insert; returns the counts written and the seconds taken. Call inside a transaction."""
    started = time.perf_counter()
    plan = generate(scale, counts=counts, seed=seed, today=today)
    written = insert(plan, password=password, progress=progress)
    return {**written, "seconds": time.perf_counter() - started}
