"""Running counters of case facts (增量汇总), kept per month, so the KPIs follow every case event.

A case counts in up to three kinds of month slot ("sides"): its filing month (``filed``: received),
its closing month (``closed``: closed, money, net days, the in-period and 终本 checks) and the month
each of its petitions came in (``petitions``). "Carried over" needs no slot of its own: the cases
carried into a period are those filed before it minus those closed before it, so no key pairs a
filing month with a closing month (their pairs would grow as months²). Each side also keeps an
``ALL`` slot, every month summed, so what came before a period is ``ALL`` minus the months since.

The cells are kept in cubes (rollups): for the city, over case type, disposition and recovery, with
and without the debtor group; and for each court, the same plus its teams. A query reads the
smallest cube holding every dimension it filters or groups by, of the city or of just the courts it
asks for, so the city's or a court's KPIs add up a few hundred cells whatever the caseload, and
``apply(before, after)`` moves one case in O(cubes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from operator import add, itemgetter, sub

from enforcement.facts import CaseFacts

FILED, CLOSED, PETITIONS = "filed", "closed", "petitions"
FIELDS = {  # what a cell of each side holds, in order; the first is always a count
    FILED: ("cases", "amount"),
    CLOSED: ("cases", "amount", "recovered", "days", "due", "met", "gated"),
    PETITIONS: ("received", "concluded"),
}
DIMS = ("court_id", "team_id", "case_type", "debtor_group", "disposition", "recovery")
BASE = ("case_type", "disposition", "recovery")  # every KPI reads these three
CITY_CUBES = (BASE, ("debtor_group", *BASE))  # smallest first
COURT_CUBES = (BASE, ("debtor_group", *BASE), ("team_id", *BASE), ("team_id", "debtor_group", *BASE))
BY_COURT = frozenset({"court_id", "team_id"})  # dimensions only the courts' cubes hold
ALL = "*"  # the slot of every month of a side (sorts before any month)
BEFORE = ""  # in cells read: every month before the period
PERIOD = "~"  # in cells read: the whole period, its months not told apart

Key = tuple[str | None, ...]
Cell = list[float]
Values = tuple[float, ...]


def key_of(facts: CaseFacts) -> Key:
    """The full key of a case, in ``DIMS`` order."""
    return (facts.court_id, facts.team_id, facts.case_type, facts.debtor_group, facts.disposition,
            facts.recovery)


def contributions(facts: CaseFacts) -> list[tuple[str, str, Values]]:
    """What one case adds: (side, month, values in ``FIELDS[side]`` order)."""
    found: list[tuple[str, str, Values]] = [(FILED, facts.filed_month, (1, facts.amount))]
    if facts.closed is not None:
        found.append((CLOSED, facts.closed_month or "", (
            1, facts.amount, facts.recovered, facts.net_days or 0, int(facts.in_period is not None),
            int(facts.in_period is True), int(facts.zhongben_ok is True))))
    found += [(PETITIONS, month, (1, int(done))) for month, done in facts.petitions]
    return found


class Cube:
    """One rollup: (side, month) → its dimensions' values → the summed cell."""

    def __init__(self, dims: tuple[str, ...]) -> None:
        self.dims = dims
        self._pick = itemgetter(*(DIMS.index(d) for d in dims))
        self.slots: dict[tuple[str, str], dict[Key, Cell]] = {}

    def add(self, side: str, month: str, key: Key, values: Values, sign: int = 1) -> None:
        """Add ``values`` (times ``sign``) to the cell of ``key`` in the month's slot and in ``ALL``."""
        short = self._pick(key)
        for slot_key in ((side, month), (side, ALL)):
            slot = self.slots.get(slot_key)
            if slot is None:
                slot = self.slots[slot_key] = {}
            cell = slot.get(short)
            if cell is None and sign > 0:
                slot[short] = list(values)
            elif sign > 0:
                cell[:] = map(add, cell, values)  # type: ignore[index]
            else:
                self._take(slot_key, slot, short, cell, values)

    def _take(self, slot_key: tuple[str, str], slot: dict[Key, Cell], short: Key,
              cell: Cell | None, values: Values) -> None:
        if cell is None:
            cell = slot[short] = [0] * len(values)
        cell[:] = map(sub, cell, values)
        if cell[0] == 0:  # no case left here: drop the cell (float residue in the sums goes too)
            del slot[short]
            if not slot:
                del self.slots[slot_key]

    def size(self) -> int:
        return sum(len(slot) for slot in self.slots.values())


class Cubes:
    """The cubes of one scope (the city, or one court), smallest first."""

    def __init__(self, shapes: tuple[tuple[str, ...], ...]) -> None:
        self.cubes = tuple(Cube(dims) for dims in shapes)

    def add(self, side: str, month: str, key: Key, values: Values, sign: int) -> None:
        for cube in self.cubes:
            cube.add(side, month, key, values, sign)

    def cube_for(self, dims: Iterable[str]) -> Cube:
        wanted = set(dims)
        return next(cube for cube in self.cubes if wanted <= set(cube.dims))


class Aggregates:
    """The counters of every case of a store; ``apply`` keeps them as cases change."""

    def __init__(self) -> None:
        self.city = Cubes(CITY_CUBES)
        self.by_court: dict[str, Cubes] = {}
        self._court_cases: dict[str, int] = {}

    def apply(self, before: CaseFacts | None, after: CaseFacts | None) -> bool:
        """Subtract a case's old facts and add its new ones; False when nothing changed."""
        if before == after:
            return False
        if before is not None:
            self._add(before, -1)
        if after is not None:
            self._add(after, 1)
        return True

    def _add(self, facts: CaseFacts, sign: int) -> None:
        key = key_of(facts)
        for side, month, values in contributions(facts):
            self.add_cell(side, month, key, values, sign)

    def add_cell(self, side: str, month: str, key: Key, values: Values, sign: int = 1) -> None:
        """Add (or with ``sign`` -1 remove) values summed over cases sharing one full key and one
        month of one side: one case's contribution, or a whole SQL ``GROUP BY`` row when loading."""
        court = str(key[0])
        cubes = self.by_court.get(court)
        if cubes is None:
            cubes = self.by_court[court] = Cubes(COURT_CUBES)
        cubes.add(side, month, key, values, sign)
        self.city.add(side, month, key, values, sign)
        if side == FILED:
            self._court_cases[court] = self._court_cases.get(court, 0) + sign * int(values[0])

    def courts(self) -> frozenset[str]:
        """The courts that hold at least one case."""
        return frozenset(c for c, n in self._court_cases.items() if n)

    def cases(self) -> int:
        return sum(self._court_cases.values())

    def cells(self, by: tuple[str, ...], where: Mapping[str, frozenset[str | None]],
              first: str | None, last: str | None, *,
              per_month: bool = True) -> Iterator[tuple[str, str, Key, Cell, int]]:
        """(side, month, values of ``by``, cell, sign) for the cells whose key lies in ``where``:
        those of the months ``first``–``last`` (open ends: every month), or all of them summed as
        the month ``PERIOD`` unless ``per_month``; with ``first``, also those before it, as the
        month ``BEFORE``. Sum each cell with its sign: ``ALL`` less some months may stand in for
        many months."""
        need = {*by, *where}
        if not need & BY_COURT:
            yield from _cells(self.city.cube_for(need), by, where, (first, last, per_month))
            return
        others = {d: allowed for d, allowed in where.items() if d != "court_id"}
        for court in sorted(where.get("court_id", self.by_court.keys())):
            if court in self.by_court:
                cube = self.by_court[str(court)].cube_for(need - {"court_id"})
                yield from _cells(cube, by, others, (first, last, per_month), court=str(court))

    def snapshot(self) -> dict[tuple[str, tuple[str, ...]], dict]:
        """Every cube's cells (copies), for comparing two aggregates in tests."""
        scopes = {"": self.city} | {c: cubes for c, cubes in self.by_court.items()}
        return {(scope, cube.dims): {s: {k: list(v) for k, v in slot.items()}
                                     for s, slot in cube.slots.items()}
                for scope, cubes in scopes.items() for cube in cubes.cubes if cube.slots}

    def size(self) -> int:
        """Cells held, all cubes together (memory grows with this, not with cases)."""
        scopes = [self.city, *self.by_court.values()]
        return sum(cube.size() for cubes in scopes for cube in cubes.cubes)


Period = tuple[str | None, str | None, bool]  # first month, last month, per month


def _cells(cube: Cube, by: tuple[str, ...], where: Mapping[str, frozenset[str | None]],
           period: Period, *, court: str | None = None) -> Iterator[tuple[str, str, Key, Cell, int]]:
    group, keep = _grouper(cube.dims, by, court), _matcher(cube.dims, where)
    for (side, month), targets in _plan(cube.slots, *period).items():
        for key, cell in cube.slots[(side, month)].items():
            if keep is None or keep(key):
                values = key if group is None else group(key)
                for label, sign in targets:
                    yield side, label, values, cell, sign


def _plan(slots: Iterable[tuple[str, str]], first: str | None, last: str | None,
          per_month: bool) -> dict[tuple[str, str], list[tuple[str, int]]]:
    """Which slots to read and where their cells go, (month label, sign) each: the period's months
    (as themselves, or all as ``PERIOD``) and, with ``first``, the months before it (``BEFORE``);
    ``ALL`` less the other months stands in wherever that reads fewer slots."""
    plan: dict[tuple[str, str], list[tuple[str, int]]] = {}
    by_side: dict[str, list[str]] = {}
    for side, month in slots:
        if month != ALL:
            by_side.setdefault(side, []).append(month)
    for side, months in by_side.items():
        inside = [m for m in months if (first is None or m >= first) and (last is None or m <= last)]
        if per_month:
            for month in inside:
                plan.setdefault((side, month), []).append((month, 1))
        else:
            _cover(plan, side, inside, [m for m in months if m not in inside], PERIOD)
        if first is not None and side != PETITIONS:
            _cover(plan, side, [m for m in months if m < first], [m for m in months if m >= first],
                   BEFORE)
    return plan


def _cover(plan: dict[tuple[str, str], list[tuple[str, int]]], side: str, wanted: list[str],
           others: list[str], label: str) -> None:
    """Put ``wanted`` months under ``label``: one by one, or as ``ALL`` less ``others``."""
    if len(others) + 1 < len(wanted):
        plan.setdefault((side, ALL), []).append((label, 1))
        for month in others:
            plan.setdefault((side, month), []).append((label, -1))
    else:
        for month in wanted:
            plan.setdefault((side, month), []).append((label, 1))


def _grouper(dims: tuple[str, ...], by: tuple[str, ...],
             court: str | None) -> Callable[[Key], tuple] | None:
    """The values of ``by`` from a cube's key (None: the key itself)."""
    if tuple(by) == dims and court is None:
        return None
    positions = [-1 if d == "court_id" else dims.index(d) for d in by]
    return lambda key: tuple(court if p < 0 else key[p] for p in positions)


def _matcher(dims: tuple[str, ...],
             where: Mapping[str, frozenset[str | None]]) -> Callable[[Key], bool] | None:
    """Whether a cube's key lies in ``where`` (None: every key does)."""
    tests = [(dims.index(d), allowed) for d, allowed in where.items()]
    if not tests:
        return None
    return lambda key: all(key[p] in allowed for p, allowed in tests)
