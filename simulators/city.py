"""The demo organisation: teams per court, officers, and their single-soldier units (单兵)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from enforcement.city import City
from enforcement.model import Court, CourtLevel, Officer, Team, Unit, UnitKind, UnitStatus

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文斌鹏宇浩凯辉玲慧晨阳博峰雪琳亮林欣健"
TEAM_KINDS = [  # (kind, Chinese name)
    ("fast", "速执团队"),
    ("ordinary", "普执团队"),
    ("special", "特执团队"),
    ("110", "执行110"),
    ("zhongben", "终本管理团队"),
]


@dataclass(frozen=True)
class DemoOrganisation:
    teams: list[Team]
    officers: list[Officer]
    units: list[Unit]


def officer_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def teams_for(court: Court) -> list[Team]:
    count = {CourtLevel.HIGH: 1, CourtLevel.INTERMEDIATE: 3}.get(court.level, 4)
    return [
        Team(id=f"{court.id}-T{n + 1}", court_id=court.id, name=name, kind=kind)
        for n, (kind, name) in enumerate(TEAM_KINDS[:count])
    ]


def build_organisation(city: City, *, seed: int, units: int) -> DemoOrganisation:
    """Teams for every court, officers for every team, and ``units`` devices spread over courts."""
    rng = random.Random(seed)
    teams = [t for court in city.courts for t in teams_for(court)]
    officers = [
        Officer(id=f"{t.id}-O{n + 1}", court_id=t.court_id, team_id=t.id, name=officer_name(rng))
        for t in teams
        for n in range(rng.randint(4, 7))
    ]
    field_courts = [c.id for c in city.courts if c.level != CourtLevel.HIGH]
    carriers = [o for o in officers if o.court_id in field_courts]
    rng.shuffle(carriers)
    devices = [_unit(n, carriers[n % len(carriers)], rng) for n in range(units)]
    return DemoOrganisation(teams, officers, devices)


def _unit(n: int, officer: Officer, rng: random.Random) -> Unit:
    kind = UnitKind.CAR if rng.random() < 0.45 else UnitKind.FOOT
    # on duty or not; dispatched, en route and on scene come only from real dispatches
    status = UnitStatus.AVAILABLE if rng.random() < 0.88 else UnitStatus.OFF_DUTY
    return Unit(
        id=f"DB{n + 1:04d}", court_id=officer.court_id, kind=kind, officer_id=officer.id,
        status=status,
    )
