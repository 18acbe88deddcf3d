"""Tip-to-case matching: ``enforcement.matching.match`` per tip beside a pandas scan of the same queries.

``--debtors`` (default 1,000,000) debtors of open cases are generated: 65 % natural persons (a
weighted surname and one or two given characters drawn Zipf-like, so 张伟-style names repeat as they
do), 35 % companies (city + two-character trade name + trade + legal form, e.g. 沈阳恒昌商贸有限公司);
valid resident IDs and credit codes (5 % missing); 20 % of cases have two debtors and 10 % of debtors
appear in more than one case. Tips (``--tips``, default 4,000) are 30 % by ID number, 20 % by case
number (typed with half-width brackets, spaces or without 号), 50 % by name: half an exact name as
filed, half partial (a company's trade name + trade without city and form, e.g. 恒昌商贸).

Rows per query kind, timed per tip (p50 / p95):

* **target**: ``match(index, ...)`` on a prebuilt ``DebtorIndex`` (normalising the query included);
* **baseline**, same run and queries: the same normalisation, then a pandas scan of a frame with the
  same normalised columns: ``df[df.id_no == q]``, ``df[df.case_no == q]``, and for a name
  ``df[df.name_key.str.contains(q, regex=False)]`` (``==`` under three characters, as ``match``). It
  runs ``--baseline-tips`` per kind, and its rows are compared with ``match``'s wherever ``match``
  claims the whole answer (no ``common_name``, no more rows than ``limit``): ``same answer``.

Also: the index build (normalising included) beside normalising + building the pandas frame (each
column's strings copied side by side, which halves its scans); memory per debtor by ``tracemalloc``
over a build of the first 200,000 debtors, fed new strings (all it keeps) and the caller's strings
(its own structures), beside the frame's deep ``memory_usage``; and live ``add`` / ``remove``.

Run: ``.venv/bin/python -m bench.matching [--quick] [--debtors N] [--tips N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from bench.common import percentile, table
from enforcement.matching import (
    Candidate,
    DebtorIndex,
    credit_code_check,
    match,
    normalise_case_no,
    normalise_id_no,
    normalise_name,
    resident_id_check,
)

LIMIT = 10
SAMPLE = 200_000  # debtors built under tracemalloc (twice), for the memory figures
MIX = ("id_no", "case_no", "name_exact", "name_partial")
KINDS = (*MIX, "name_broad")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红建国文辉鹏飞波宇浩凯健俊帆帅旭宁龙林欣玲婷雪梅琳晶丹亮成斌志峰海东春晓燕红霞光荣金凤婷玉兰海燕丽娟云莉桂芝淑珍德福永宝庆祥"  # noqa: E501
TRADE_CHARS = "恒昌盛鑫隆泰华兴达宏源丰信诚德祥瑞安康顺通发利富荣嘉和正元亿新天博汇海金银鼎益佳美中宇辰星创卓远腾骏宝龙凯越晟昊铭峰"  # noqa: E501
TRADES = ["商贸", "建筑工程", "房地产开发", "科技", "物流", "餐饮管理", "机械制造", "汽车销售", "装饰工程",
          "农业发展", "投资管理", "劳务", "电子", "化工", "服装", "食品", "医药", "钢材", "建材", "广告传媒"]
CITIES = ["沈阳", "大连", "辽宁", "鞍山", "抚顺", "本溪", "丹东", "锦州", "营口", "辽阳", "铁岭", "盘锦"]
FORMS = ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司"]
REGIONS = ["210102", "210103", "210104", "210105", "210106", "210111", "210112", "210113", "210114",
           "210115", "210123", "210124", "210181", "210202", "210302", "220102", "230103", "370102"]
COURTS = ["辽01", *(f"辽01{c:02d}" for c in (2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 23, 24, 81))]
USCC_TAIL = "0123456789ABCDEFGHJKLMNPQRTUWXY"

Row = tuple[str, str, str, str | None]  # case_no, court_id, debtor name, id_no


@dataclass
class Query:
    kind: str  # id_no | case_no | name_exact | name_partial
    args: dict[str, str]


def zipf_choice(rng: np.random.Generator, alphabet: str, n: int, shift: float) -> np.ndarray:
    weights = 1.0 / (np.arange(len(alphabet)) + shift)
    return rng.choice(len(alphabet), size=n, p=weights / weights.sum())


def person(rng: np.random.Generator) -> tuple[str, str]:
    surname = SURNAMES[zipf_choice(rng, SURNAMES, 1, 3.0)[0]]
    given = "".join(GIVEN[i] for i in zipf_choice(rng, GIVEN, int(rng.random() < 0.7) + 1, 4.0))
    born = f"{rng.integers(1950, 2003)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}"
    first17 = f"{REGIONS[rng.integers(len(REGIONS))]}{born}{rng.integers(1000):03d}"
    return surname + given, first17 + resident_id_check(first17)


def company(rng: np.random.Generator) -> tuple[str, str, str]:
    """(full name, the partial a caller would say, credit code)."""
    trade = "".join(TRADE_CHARS[i] for i in rng.integers(len(TRADE_CHARS), size=2)) + TRADES[
        rng.integers(len(TRADES))]
    name = CITIES[rng.integers(len(CITIES))] + trade + FORMS[rng.integers(len(FORMS))]
    first17 = "91" + REGIONS[rng.integers(len(REGIONS))][:6] + "".join(
        USCC_TAIL[i] for i in rng.integers(len(USCC_TAIL), size=9))
    return name, trade, first17 + credit_code_check(first17)


def make_rows(n: int, seed: int) -> tuple[list[Row], list[str]]:
    """n debtor rows of open cases, and the partial names callers would use for the companies."""
    rng = np.random.default_rng(seed)
    rows: list[Row] = []
    partials: list[str] = []
    serial = 0
    while len(rows) < n:
        serial += 1
        court = COURTS[serial % len(COURTS)]
        case_no = f"（{2019 + serial % 8}）{court}执{serial // 8 + 1}号"
        for _ in range(2 if rng.random() < 0.2 else 1):
            if rows and rng.random() < 0.1:  # a debtor already in another case
                _, _, name, id_no = rows[int(rng.integers(len(rows)))]
            elif rng.random() < 0.65:
                name, id_no = person(rng)
            else:
                name, partial, id_no = company(rng)
                partials.append(partial)
            rows.append((case_no, f"court-{court}", name, None if rng.random() < 0.05 else id_no))
    return rows[:n], partials


def make_queries(rows: list[Row], partials: list[str], count: int, seed: int) -> list[Query]:
    rng = np.random.default_rng(seed)
    queries = []
    for k in rng.random(count):
        case_no, _, name, id_no = rows[int(rng.integers(len(rows)))]
        if k < 0.3:
            queries.append(Query("id_no", {"id_no": (id_no or rows[0][3] or "").lower()}))
        elif k < 0.5:
            typed = case_no.replace("（", "(").replace("）", ") ").rstrip("号")
            queries.append(Query("case_no", {"case_no": typed}))
        elif k < 0.75:
            queries.append(Query("name_exact", {"name": name}))
        else:
            queries.append(Query("name_partial", {"name": partials[int(rng.integers(len(partials)))]}))
    return queries


def broad_queries() -> list[Query]:
    """Outside the mix: a trade alone (建筑工程), which thousands of companies contain."""
    return [Query("name_broad", {"name": trade}) for trade in TRADES if len(trade) >= 3]


def frame(rows: list[Row]) -> pd.DataFrame:
    """The baseline's table: normalised columns, each column's strings new and side by side in memory.

    A column whose strings lie next to each other scans about twice as fast as one whose strings are
    interleaved with the other columns' (as rows from a database are), so this is the stronger baseline.
    """
    case_nos, courts, names, ids = zip(*rows, strict=True)
    column = lambda values: [v.encode().decode() if v else None for v in values]  # noqa: E731
    return pd.DataFrame({"case_no": column(normalise_case_no(c) for c in case_nos),
                         "court_id": column(courts), "name": column(names),
                         "name_key": column(normalise_name(s) for s in names),
                         "id_no": column(normalise_id_no(i) if i else None for i in ids)})


def scan(df: pd.DataFrame, q: Query) -> pd.DataFrame:
    if "id_no" in q.args:
        return df[df.id_no == normalise_id_no(q.args["id_no"])]
    if "case_no" in q.args:
        return df[df.case_no == normalise_case_no(q.args["case_no"])]
    key = normalise_name(q.args["name"])
    return df[df.name_key.str.contains(key, regex=False)] if len(key) >= 3 else df[df.name_key == key]


def timed_us(call: Callable[[], object]) -> tuple[float, object]:
    began = time.perf_counter_ns()
    result = call()
    return (time.perf_counter_ns() - began) / 1e3, result


def fresh(rows: Iterable[Row]) -> Iterator[Row]:
    """The rows with new string objects, allocated one after another as a database fetch would."""
    copy = str.encode  # encode → decode makes a new object even for a string already interned
    for case_no, court, name, id_no in rows:
        yield (copy(case_no).decode(), copy(court).decode(), copy(name).decode(),
               copy(id_no).decode() if id_no else None)


def traced_bytes_per_debtor(rows: list[Row]) -> tuple[float, float]:
    """What the index keeps per debtor: with its own copies of the strings, and with the caller's."""
    sizes = []
    for source in (fresh(rows), iter(rows)):
        gc.collect()
        tracemalloc.start()
        index = DebtorIndex.from_rows(source)
        sizes.append(tracemalloc.get_traced_memory()[0] / len(rows))
        tracemalloc.stop()
        del index
    return sizes[0], sizes[1]


def same_answer(found: list[Candidate], expected: pd.DataFrame) -> bool | None:
    """True/False when ``match`` claims the whole answer; None when it is capped or flagged common."""
    if len(expected) > LIMIT or any("common_name" in c.reasons for c in found):
        return None
    return sorted((c.case_no, c.name) for c in found) == sorted(zip(expected.case_no, expected.name,
                                                                     strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.matching", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="200,000 debtors, fewer tips")
    parser.add_argument("--debtors", type=int, default=1_000_000)
    parser.add_argument("--tips", type=int, default=4_000)
    parser.add_argument("--baseline-tips", type=int, default=20, help="pandas scans per query kind")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if args.quick:
        args.debtors, args.tips, args.baseline_tips = 200_000, 1_000, 10
    began = time.perf_counter()
    print(f"{args.debtors:,} debtors of open cases; {args.tips:,} tips, {args.baseline_tips} pandas scans "
          f"per kind; limit {LIMIT}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}, numpy "
          f"{np.__version__}, pandas {pd.__version__}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")

    t = time.perf_counter()
    rows, partials = make_rows(args.debtors, args.seed)
    rows = list(fresh(rows))  # not scattered among the generator's garbage: both sides read them
    generated_s = time.perf_counter() - t
    queries = make_queries(rows, partials, args.tips, args.seed + 1) + broad_queries()

    gc.collect()
    t = time.perf_counter()
    index = DebtorIndex.from_rows(rows)
    build_s = time.perf_counter() - t

    t = time.perf_counter()
    df = frame(rows)
    frame_s = time.perf_counter() - t
    frame_bytes = df.memory_usage(deep=True).sum() / len(df)
    traced, traced_shared = traced_bytes_per_debtor(rows[:SAMPLE])

    target: dict[str, list[float]] = {}
    answers: dict[int, list[Candidate]] = {}
    for i, q in enumerate(queries):
        us, found = timed_us(lambda q=q: match(index, limit=LIMIT, **q.args))
        target.setdefault(q.kind, []).append(us)
        answers[i] = found
    baseline: dict[str, list[float]] = {}
    agree: dict[str, list[bool | None]] = {}
    for kind in KINDS:
        picked = [i for i, q in enumerate(queries) if q.kind == kind][: args.baseline_tips]
        for i in picked:
            us, expected = timed_us(lambda i=i: scan(df, queries[i]))
            baseline.setdefault(kind, []).append(us)
            agree.setdefault(kind, []).append(same_answer(answers[i], expected))

    rows_out = []
    for kind in KINDS:
        mine, base = target[kind], baseline[kind]
        checked = [a for a in agree[kind] if a is not None]
        common = sum(1 for i, q in enumerate(queries) if q.kind == kind
                     and any("common_name" in c.reasons for c in answers[i]))
        rows_out.append([kind, len(mine), f"{percentile(mine, 50):,.1f}", f"{percentile(mine, 95):,.1f}",
                         len(base), f"{percentile(base, 50) / 1e3:,.1f}",
                         f"{percentile(base, 95) / 1e3:,.1f}",
                         f"{percentile(mine, 50) / percentile(base, 50):.5f}",
                         f"{percentile(base, 50) / percentile(mine, 50):,.0f}×",
                         f"{sum(checked)}/{len(checked)}", f"{common / len(mine):.0%}"])
    everything = [us for kind, values in target.items() if kind in MIX for us in values]
    everything_base = [us for kind, values in baseline.items() if kind in MIX for us in values]
    rows_out.append(["all (the mix)", len(everything), f"{percentile(everything, 50):,.1f}",
                     f"{percentile(everything, 95):,.1f}", len(everything_base),
                     f"{percentile(everything_base, 50) / 1e3:,.1f}",
                     f"{percentile(everything_base, 95) / 1e3:,.1f}",
                     f"{percentile(everything, 50) / percentile(everything_base, 50):.5f}",
                     f"{percentile(everything_base, 50) / percentile(everything, 50):,.0f}×", "", ""])
    print(table(["query", "tips", "match p50 µs", "match p95 µs", "scans", "pandas p50 ms", "pandas p95 ms",
                 "p50 ÷ baseline", "baseline ÷ p50", "same answer", "common_name"], rows_out))

    live = live_updates(index, rows, args.seed + 2)
    print()
    print(table(["build / memory", "value", "baseline", "value ÷ baseline"], [
        ["index build (normalising included), s", f"{build_s:.1f}", f"{frame_s:.1f} (normalise + DataFrame)",
         f"{build_s / frame_s:.2f}"],
        ["index build, µs per debtor", f"{build_s / len(rows) * 1e6:.1f}", f"{frame_s / len(rows) * 1e6:.1f}",
         ""],
        [f"memory, bytes per debtor (tracemalloc, first {SAMPLE:,})", f"{traced:,.0f}",
         f"{frame_bytes:,.0f} (frame, deep)", f"{traced / frame_bytes:.2f}"],
        ["  of which the index's structures", f"{traced_shared:,.0f}", "", ""],
        ["  of which the strings (case no, court, name, key, ID)", f"{traced - traced_shared:,.0f}", "",
         ""],
        ["add() one debtor, p50 / p95 µs", f"{live[0]:.1f} / {live[1]:.1f}", "", ""],
        ["remove() one case, p50 / p95 µs", f"{live[2]:.1f} / {live[3]:.1f}", "", ""],
    ]))
    print(f"\ngenerating {len(rows):,} rows took {generated_s:.0f} s; {len(index):,} indexed; whole run "
          f"{time.perf_counter() - began:.0f} s; peak RSS {peak_rss_mb():,.0f} MB")


def live_updates(index: DebtorIndex, rows: list[Row], seed: int, count: int = 2_000) -> tuple[float, ...]:
    rng = np.random.default_rng(seed)
    adds, removes = [], []
    for i in range(count):
        _, court, name, id_no = rows[int(rng.integers(len(rows)))]
        case_no = f"（2027）辽0102执{i + 1}号"
        adds.append(timed_us(lambda row=(case_no, court, name, id_no): index.add(*row))[0])
    for i in range(count):
        removes.append(timed_us(lambda i=i: index.remove(f"（2027）辽0102执{i + 1}号"))[0])
    return (percentile(adds, 50), percentile(adds, 95), percentile(removes, 50), percentile(removes, 95))


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    main()
