"""Matching a call-in tip (举报线索) to open cases, and spotting repeated tips.

Normalisers turn what a caller or call-taker types into keys: ``normalise_name`` (a company name's
core without 有限公司-style noise), ``normalise_id_no`` (身份证号 with its GB 11643 check digit, or a
统一社会信用代码 with its GB 32100 check character) and ``normalise_case_no`` (``（2026）辽0102执1234号``).
``DebtorIndex`` holds the debtors of open cases with dict lookups plus a bigram index for partial
names; ``match`` ranks candidates and says why each matched. ``RepeatDetector`` flags a tip about the
same debtor or the same place as an earlier one within a time window. Invalid input gives ``None``
or no candidates, never an exception: a tip is still logged when its details are wrong.
"""

from __future__ import annotations

import math
import re
import unicodedata
from array import array
from collections import deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from enforcement.errors import InvalidInput

# --- normalisers ------------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+")  # spaces, punctuation and symbols, full-width ones included
# Legal-form noise, stripped from the end repeatedly (集团有限公司 → 集团 → core); longest first.
_COMPANY_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "股份公司", "合伙企业", "有限合伙",
                  "普通合伙", "公司", "集团")
_MIN_CORE = 2  # characters a core keeps at least, so 某公司 stays 某公司

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_RESIDENT_ID = re.compile(r"\d{17}[\dX]")
_OLD_RESIDENT_ID = re.compile(r"\d{15}")
_USCC = re.compile(f"[{_USCC_CHARS}]{{18}}")

_BRACKETS = str.maketrans("〔［【[", "((((", "")
_CLOSE_BRACKETS = str.maketrans("〕］】]", "))))", "")
_CASE_NO = re.compile(r"\(?(\d{4})\)?([^\d()](?:[^()]*[^\d()])?)(\d+)号?")


def clean_name(text: str) -> str:
    """NFKC, case-folded, without spaces or punctuation: the raw name as a key."""
    cleaned = _NOT_WORD.sub("", unicodedata.normalize("NFKC", text))
    folded = cleaned.casefold()
    return cleaned if folded == cleaned else folded  # the caller's own string when already clean


def normalise_name(text: str) -> str:
    """The name a tip is matched on: ``clean_name`` less trailing company forms (有限公司, 集团…)."""
    core = clean_name(text)
    stripped = True
    while stripped:
        stripped = False
        for form in _COMPANY_FORMS:
            if core.endswith(form) and len(core) - len(form) >= _MIN_CORE:
                core, stripped = core[: -len(form)], True
                break
    return core


def resident_id_check(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits of a resident ID."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def credit_code_check(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a unified social credit code."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def _birth_date_valid(yyyymmdd: str) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return False
    return born.year >= 1800  # GB 11643's own example was born in 1880


def normalise_id_no(text: str) -> str | None:
    """An 18-character resident ID (15-digit ones upgraded) or credit code, checked; else None."""
    s = _NOT_WORD.sub("", unicodedata.normalize("NFKC", text)).upper()
    if _OLD_RESIDENT_ID.fullmatch(s):
        s = s[:6] + "19" + s[6:]
        s += resident_id_check(s)
    valid = (_RESIDENT_ID.fullmatch(s) and _birth_date_valid(s[6:14]) and resident_id_check(s[:17]) == s[17]
             or _USCC.fullmatch(s) and credit_code_check(s[:17]) == s[17])
    return None if not valid else text if s == text else s


def normalise_case_no(text: str) -> str | None:
    """``(2026)辽0102执1234`` and its variants as ``（2026）辽0102执1234号``; None if not a case number."""
    s = unicodedata.normalize("NFKC", text).translate(_BRACKETS).translate(_CLOSE_BRACKETS)
    found = _CASE_NO.fullmatch("".join(s.split()))
    if found is None:
        return None
    year, court_and_kind, serial = found.groups()
    canonical = f"（{year}）{court_and_kind}{int(serial)}号"
    return text if canonical == text else canonical


# --- the index --------------------------------------------------------------------------------

COMMON_NAME_AT = 20  # debtors sharing one name before the name alone is called ambiguous
PARTIAL_MIN_CHARS = 3  # shorter names are matched exactly only
PARTIAL_CAP = 200  # names a partial query may match before it is called ambiguous
PARTIAL_SCAN_CAP = 20_000  # bigram candidates checked at most per query

SCORES = {"case_no": 1.0, "id_no": 0.95, "name_exact": 0.7, "name_partial": 0.6}
COMMON_SCORE = {"name_exact": 0.25, "name_partial": 0.15}


@dataclass(frozen=True, slots=True)
class Candidate:
    """An open case a tip may be about, and why (the reasons are shown to the call-taker)."""

    case_no: str
    court_id: str
    name: str  # the debtor's name as filed
    score: float  # 0–1
    reasons: tuple[str, ...]  # "case_no", "id_no", "name_exact", "name_partial", "common_name"
    shared_by: int = 1  # open-case debtor entries carrying the name (partial, capped: at least this)


@dataclass(slots=True)
class _Row:
    case_no: str
    court_id: str
    name: str
    name_id: int
    id_no: str | None


def _bigrams(key: str) -> set[str]:
    return {key[i : i + 2] for i in range(len(key) - 1)}


def _case_key(case_no: str) -> str:
    return normalise_case_no(case_no) or clean_name(case_no)


Rows = int | list[int] | None  # most keys belong to one row: a bare int saves a list per debtor


def _added(rows: Rows, row: int) -> int | list[int]:
    if rows is None:
        return row
    if isinstance(rows, int):
        return [rows, row]
    rows.append(row)
    return rows


def _removed(rows: Rows, row: int) -> Rows:
    if rows is None or isinstance(rows, int):
        return None if rows == row else rows
    rows.remove(row)
    return rows[0] if len(rows) == 1 else rows


def _listed(rows: Rows) -> list[int]:
    return [] if rows is None else [rows] if isinstance(rows, int) else list(rows)


class DebtorIndex:
    """Debtors of open cases, by case number, ID number and normalised name, plus name bigrams.

    Rows are numbered as added; ``remove`` leaves a hole. Each distinct name key is numbered too, and
    the bigram postings (``array('i')`` of name numbers, ascending) are only ever appended to; a name
    that no open case carries any more is skipped when a partial query checks its candidates.
    """

    def __init__(self) -> None:
        self._rows: list[_Row | None] = []
        self._by_case: dict[str, int | list[int]] = {}
        self._by_id: dict[str, int | list[int]] = {}
        self._name_ids: dict[str, int] = {}
        self._names: list[str] = []  # name number → key
        self._name_rows: list[Rows] = []  # name number → rows of open cases
        self._postings: dict[str, array] = {}
        self._count = 0  # rows of open cases

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str, str | None]]) -> DebtorIndex:
        """Build from (case_no, court_id, debtor name, debtor id_no) rows of open cases."""
        index = cls()
        for case_no, court_id, name, id_no in rows:
            index.add(case_no, court_id, name, id_no)
        return index

    def __len__(self) -> int:
        return self._count

    def add(self, case_no: str, court_id: str, name: str, id_no: str | None = None) -> None:
        """Index one debtor of one open case (a case with two debtors is added twice)."""
        case_key = _case_key(case_no)
        entry = _Row(case_key, court_id, name, self._name_id(normalise_name(name)),
                     normalise_id_no(id_no) if id_no else None)
        row = len(self._rows)
        self._rows.append(entry)
        self._count += 1
        self._by_case[case_key] = _added(self._by_case.get(case_key), row)
        if entry.id_no:
            self._by_id[entry.id_no] = _added(self._by_id.get(entry.id_no), row)
        self._name_rows[entry.name_id] = _added(self._name_rows[entry.name_id], row)

    def remove(self, case_no: str) -> int:
        """Drop every debtor of a case (closed, or 终本); returns how many rows went."""
        rows = _listed(self._by_case.pop(_case_key(case_no), None))
        self._count -= len(rows)
        for row in rows:
            entry = self._rows[row]
            self._rows[row] = None
            if entry.id_no:
                left = _removed(self._by_id[entry.id_no], row)
                if left is None:
                    del self._by_id[entry.id_no]
                else:
                    self._by_id[entry.id_no] = left
            self._name_rows[entry.name_id] = _removed(self._name_rows[entry.name_id], row)
        return len(rows)

    def _name_id(self, key: str) -> int:
        name_id = self._name_ids.get(key)
        if name_id is None:
            name_id = self._name_ids[key] = len(self._names)
            self._names.append(key)
            self._name_rows.append(None)
            for gram in _bigrams(key):
                self._postings.setdefault(gram, array("i")).append(name_id)
        return name_id

    def row(self, row: int) -> _Row:
        entry = self._rows[row]
        assert entry is not None, "rows of removed cases are never handed out"
        return entry

    def rows_by_case(self, case_no: str) -> list[int]:
        return _listed(self._by_case.get(_case_key(case_no)))

    def rows_by_id(self, id_no: str) -> list[int]:
        key = normalise_id_no(id_no)
        return _listed(self._by_id.get(key)) if key else []

    def rows_by_name(self, key: str) -> list[int]:
        name_id = self._name_ids.get(key)
        return _listed(self._name_rows[name_id]) if name_id is not None else []

    def names_containing(self, key: str) -> tuple[list[str], bool]:
        """Name keys (other than ``key``) containing ``key``, and whether the cap cut the list short."""
        postings = sorted((self._postings.get(g) for g in _bigrams(key)), key=lambda p: len(p or ()))
        if not postings or postings[0] is None:
            return [], False
        candidates = np.array(postings[0], dtype=np.int32)
        for posting in postings[1:]:
            if len(candidates) * 8 < len(posting):
                break  # cheaper to check the few left by substring than to scatter a long posting
            seen = np.zeros(len(self._names), dtype=bool)
            seen[np.array(posting, dtype=np.int32)] = True
            candidates = candidates[seen[candidates]]
        found: list[str] = []
        for name_id in candidates[:PARTIAL_SCAN_CAP].tolist():
            name = self._names[name_id]
            if key in name and name != key and self._name_rows[name_id] is not None:
                found.append(name)
                if len(found) > PARTIAL_CAP:
                    return found, True
        return found, len(candidates) > PARTIAL_SCAN_CAP


# --- matching ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Hit:
    reasons: list[str] = field(default_factory=list)
    misses: float = 1.0  # product of (1 − score) over the reasons: a noisy-or of the evidence
    shared_by: int = 1

    def note(self, reason: str, score: float, shared_by: int = 1) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
            self.misses *= 1.0 - score
            self.shared_by = max(self.shared_by, shared_by)


def _debtors(index: DebtorIndex, rows: list[int]) -> int:
    """Distinct debtors among rows (by ID number, else each row is one), counted up to the common mark."""
    seen: set[object] = set()
    for row in rows:
        seen.add(index.row(row).id_no or row)
        if len(seen) > COMMON_NAME_AT:
            break
    return len(seen)


def _name_hits(index: DebtorIndex, key: str, limit: int) -> list[tuple[int, str, float, int, bool]]:
    """(row, reason, score, rows sharing the name, common?) for the exact name and partial names."""
    exact = index.rows_by_name(key)
    common = _debtors(index, exact) > COMMON_NAME_AT
    score = COMMON_SCORE["name_exact"] if common else SCORES["name_exact"]
    hits = [(row, "name_exact", score, len(exact), common) for row in exact[:limit]]
    if len(key) < PARTIAL_MIN_CHARS:
        return hits
    names, capped = index.names_containing(key)
    rows = [(row, name) for name in names for row in index.rows_by_name(name)]
    common = capped or _debtors(index, [row for row, _ in rows]) > COMMON_NAME_AT
    for row, name in rows[:limit] if common else rows:
        score = COMMON_SCORE["name_partial"] if common else (
            SCORES["name_partial"] * (0.5 + 0.4 * len(key) / len(name) + 0.1 * name.startswith(key)))
        hits.append((row, "name_partial", score, len(rows), common))
    return hits


def match(index: DebtorIndex, *, case_no: str | None = None, id_no: str | None = None,
          name: str | None = None, limit: int = 10) -> list[Candidate]:
    """Open cases a tip may be about, best first: case number, then ID number, then name."""
    if limit < 1:
        raise InvalidInput(f"limit must be at least 1, got {limit}", field="limit")
    hits: dict[int, _Hit] = {}
    for row in index.rows_by_case(case_no) if case_no else ():
        hits.setdefault(row, _Hit()).note("case_no", SCORES["case_no"])
    for row in index.rows_by_id(id_no) if id_no else ():
        hits.setdefault(row, _Hit()).note("id_no", SCORES["id_no"])
    key = normalise_name(name) if name else ""
    for row, reason, score, shared_by, common in _name_hits(index, key, limit) if key else ():
        hits.setdefault(row, _Hit()).note(reason, score, shared_by)
        if common:
            hits[row].note("common_name", 0.0)
    ranked = sorted(hits.items(), key=lambda item: (item[1].misses, index.row(item[0]).case_no))
    return [_candidate(index.row(row), hit) for row, hit in ranked[:limit]]


def _candidate(row: _Row, hit: _Hit) -> Candidate:
    return Candidate(row.case_no, row.court_id, row.name, round(1.0 - hit.misses, 4),
                     tuple(hit.reasons), hit.shared_by)


# --- repeats ----------------------------------------------------------------------------------

REPEAT_WINDOW = timedelta(hours=6)
REPEAT_RADIUS_M = 300.0
_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class TipKey:
    """What a tip is about, for repeat detection: its id and the debtor as the caller gave it."""

    tip_id: Hashable
    id_no: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class _Seen:
    at: datetime
    tip_id: Hashable
    id_no: str | None
    name: str | None
    lat: float | None
    lon: float | None


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


class RepeatDetector:
    """Tips about the same debtor (ID or name) or place within ``window``; forgets older ones.

    Memory holds only the tips of the last ``window`` (by the latest time seen), so a scan per tip is
    cheap: a busy center logs tens of tips in six hours.
    """

    def __init__(self, *, window: timedelta = REPEAT_WINDOW, radius_m: float = REPEAT_RADIUS_M) -> None:
        if window <= timedelta(0) or radius_m < 0:
            raise InvalidInput("window must be positive and radius_m not negative", field="window")
        self.window = window
        self.radius_m = radius_m
        self._recent: deque[_Seen] = deque()

    def __len__(self) -> int:
        return len(self._recent)

    def seen(self, tip_key: TipKey, lat: float | None, lon: float | None, at: datetime) -> list[Hashable]:
        """Record this tip; return the ids of earlier tips in the window that it repeats, oldest first."""
        if at.tzinfo is None:
            raise InvalidInput("at must carry a time zone", field="at")
        name = normalise_name(tip_key.name) if tip_key.name else None
        entry = _Seen(at, tip_key.tip_id, normalise_id_no(tip_key.id_no) if tip_key.id_no else None,
                      name or None, lat, lon)
        horizon = max(at, self._recent[-1].at) - self.window if self._recent else at - self.window
        while self._recent and self._recent[0].at < horizon:
            self._recent.popleft()
        earlier = [old.tip_id for old in self._recent
                   if at - self.window <= old.at <= at and self._repeats(entry, old)]
        if at >= horizon:
            self._insert(entry)
        return earlier

    def _repeats(self, new: _Seen, old: _Seen) -> bool:
        if new.id_no and new.id_no == old.id_no or new.name and new.name == old.name:
            return True
        places = (new.lat, new.lon, old.lat, old.lon)
        return None not in places and _metres(*places) <= self.radius_m

    def _insert(self, entry: _Seen) -> None:
        """Append, or slot a late tip into time order (scanning back from the newest)."""
        position = len(self._recent)
        while position and self._recent[position - 1].at > entry.at:
            position -= 1
        self._recent.insert(position, entry)
