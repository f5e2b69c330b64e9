"""Synthetic data set for `python -m etl demo`: fictional units, consistent counts, clearly marked.

Which measures a unit gets is read from the catalogue, never listed here: the indicators of the
targets binding the unit, their numerator and denominator measures, closed under
- `derived_sum`: the parts are written instead of the sum, as reports give them;
- `whole`: a part comes with its whole (so rated ≤ total can be checked);
- balances: a whole split into some of its parts comes with all of them;
- the rating scale: an entity that is counted (`{e}_total`) is also rated on every level.
The tables below only say how big and how good things plausibly are (figures after the reports in
/work/shared/seeds and provincial reports of the 2020–2025 term); a measure they do not know is still
generated, with a generic default.

A province is planned the same way from the targets binding the province itself (its cadres,
leaders, leadership collectives: nothing its districts and blocs report adds up to), and sized
from its districts' and blocs' organisations where a measure is counted per organisation.

Consistency holds by construction: every whole is split into integer parts that sum to it, every
part is drawn out of its whole, and the all-types row is the sum of the org-type rows.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Protocol

from core.catalog import Catalog, default_catalog
from etl.model import CHANGE_COLUMNS, MEASURE_COLUMNS, UNIT_COLUMNS, UNIT_TIME_COLUMNS

MARK_VI = " (mô phỏng)"
MARK_EN = " (synthetic)"
SCALES = ("province", "national")
N_PROVINCES = 63
N_DISTRICTS = 12
SOURCE = "Dữ liệu mô phỏng, không phải số liệu báo cáo thật"  # shown in exports: no generator words

# Fictional names, marked (mô phỏng) anyway; picked by index so a seed never renames a unit.
_PROVINCE_FIRST = ("Ngọc", "Kim", "Hồng", "Bích", "Lam", "Vân", "Trúc", "Tú")
_PROVINCE_SECOND = ("Sơn", "Giang", "Hà", "Lâm", "Điền", "Châu", "Khê", "Phong")
_DISTRICT_FIRST = ("Đông", "Tây", "Nam", "Bắc", "Thượng", "Hạ", "Tiền", "Hậu", "Trung", "Tân", "Phú", "An")
_DISTRICT_SECOND = ("Lâm", "Hòa", "Bình", "Thịnh", "Lạc", "Mỹ", "Xuân", "Thạch", "Thủy", "Điền", "Khánh",
                    "Yên")

# Organisation-type mixes: (org type, fewest TCCSĐ, most TCCSĐ, members per TCCSĐ). A district is
# mostly communes; the blocs are sized like Thanh Hóa's (≈ 120 TCCSĐ, ≈ 14 000 members, 191-BC/ĐUK).
_MIXES: dict[str, tuple[tuple[str, int, int, float], ...]] = {
    "district": (("xa", 12, 22, 125), ("thi_tran", 1, 2, 150), ("co_quan", 8, 14, 28),
                 ("su_nghiep", 10, 20, 22), ("dn_nha_nuoc", 1, 2, 40), ("dn_ngoai_nha_nuoc", 2, 8, 12),
                 ("luc_luong_vu_trang", 2, 4, 35)),
    "bloc_agencies": (("co_quan", 60, 80, 110), ("su_nghiep", 40, 55, 130), ("dn_nha_nuoc", 3, 6, 150),
                      ("dn_ngoai_nha_nuoc", 4, 8, 40)),
    "bloc_enterprises": (("co_quan", 2, 4, 80), ("su_nghiep", 4, 8, 100), ("dn_nha_nuoc", 30, 45, 260),
                         ("dn_ngoai_nha_nuoc", 50, 80, 55)),
    "bloc_services": (("co_quan", 3, 6, 60), ("su_nghiep", 35, 50, 300), ("dn_nha_nuoc", 1, 3, 90),
                      ("dn_ngoai_nha_nuoc", 3, 8, 30)),
    # a commune formed in 2025 from about a third of a district (--reorg)
    "commune": (("xa", 3, 6, 125), ("co_quan", 2, 5, 28), ("su_nghiep", 3, 7, 22), ("dn_ngoai_nha_nuoc", 1, 3, 12),
                ("luc_luong_vu_trang", 1, 2, 35)),
}
# (variant, name_vi, name_en) of the three blocs of every province.
_BLOCS = (("bloc_agencies", "Khối Cơ quan", "Agencies Bloc"),
          ("bloc_enterprises", "Khối Doanh nghiệp", "Enterprises Bloc"),
          ("bloc_services", "Khối Sự nghiệp", "Public Services Bloc"))

# Measures the yearly simulation of a unit produces (organisations, members and admissions move
# together: this year's members are last year's plus admissions minus leavers).
ORGS, MEMBERS, ADMITTED = "org_total", "member_total", "admitted"
STATE = (ORGS, MEMBERS, ADMITTED)
# Yearly admissions as a share of members at the start of the year: (normal unit, off-track unit).
_ADMISSION_RATE = {"district": ((0.041, 0.053), (0.031, 0.037)), "bloc": ((0.043, 0.054), (0.043, 0.054))}
_ADMISSION_TYPE = {"co_quan": 0.9, "su_nghiep": 1.1, "dn_nha_nuoc": 0.9, "luc_luong_vu_trang": 1.3}
# Off-track districts admit under this share of their members in every year.
_LAGGARD_ADMISSION_CAP = 0.039
_LEAVERS = (0.022, 0.03)  # deaths, moves and removals, share of members a year
# The province plans admissions at this share of its units' members at the start of the year.
PROVINCE_PLAN = "admission_plan"
_PLAN_RATE = 0.045

# Measures counted per TCCSĐ of a type ("*" = every type); missing types have none.
_PER_ORG: dict[str, dict[str, float]] = {
    "cell_total": {"xa": 11, "phuong": 8, "thi_tran": 10, "co_quan": 5, "su_nghiep": 7, "dn_nha_nuoc": 18,
                   "dn_ngoai_nha_nuoc": 3, "luc_luong_vu_trang": 5},
    "grassroots_committee_members": {"*": 5.6},
    "commune_cadres": {"xa": 20, "phuong": 18, "thi_tran": 21},
    "units_total": {"*": 1},
    "enterprises_total": {"dn_nha_nuoc": 1, "dn_ngoai_nha_nuoc": 1},
    # committee members, inspection-committee members and cell secretaries: about 9 + one per cell
    "committee_members_total": {"xa": 20, "phuong": 17, "thi_tran": 19, "co_quan": 14, "su_nghiep": 16,
                                "dn_nha_nuoc": 27, "dn_ngoai_nha_nuoc": 12, "luc_luong_vu_trang": 14},
    "collective_grassroots_total": {"*": 1},  # every TCCSĐ has its committee (or cell committee)
    "commune_leaders_total": {"xa": 9, "phuong": 9, "thi_tran": 9},  # secretaries, chairs and deputies
}
_EXACT_PER_ORG = frozenset({"units_total", "enterprises_total", "collective_grassroots_total"})  # no noise
_CONST = {"upper_org_total": 1, "mass_orgs_total": 4}
# measure → (lowest, highest) level of a unit for a count drawn from nothing else (default 50–300):
# a province's district-tier collectives are its district and bloc standing committees plus its
# party delegations and affairs committees
_SIZE = {"cadres_pm_total": (200, 400), "dept_leaders_total": (1500, 3000), "collective_district_total": (30, 45)}
_DEFAULT_SIZE = (50, 300)
_DEFAULT_WOBBLE = 0.015  # sd of the year-to-year change of such a count: people in post change slowly
# measure → (measure it is a multiple of, lowest, highest multiple for a unit)
_RATIO = {"admission_candidates_trained": (ADMITTED, 1.35, 1.6)}
# share of the whole year's flow falling in the first half (H1): (lowest, highest)
_H1_SHARE = {ADMITTED: (0.3, 0.45), "admission_candidates_trained": (0.45, 0.65)}
_H1_DEFAULT = (0.4, 0.5)


@dataclass(frozen=True)
class Share:
    """A share of the whole (or of `of`), moving from `start` (term's first year) to `end` (last)."""

    start: float
    end: float
    spread: float | None = None  # sd of a unit's lasting offset; None = a quarter of the distance to 0 or 1
    lag: tuple[float, float] | None = None  # start, end for an off-track unit
    of: str | None = None  # a share of this part of the whole instead, so the two nest
    by_type: tuple[tuple[str, float], ...] = ()  # multiplier per org type
    # year-on-year wobble, as a multiple of binomial noise: stocks that change slowly (who sits on
    # a committee, which agencies exist) wobble less than yearly ratings
    noise: float = 1.0

    def offset_sd(self) -> float:
        if self.spread is not None:
            return self.spread
        mid = (self.start + self.end) / 2
        return 0.25 * min(mid, 1 - mid)


# How good things are (Vietnamese reports: ~95% of TCCSĐ good or better, a fifth of those excellent;
# members 90–95% good or better, 12–20% excellent). In a balance, the part without a share is the rest.
_SHARES: dict[str, Share] = {
    "org_rated": Share(0.985, 0.995, spread=0.005),
    "org_excellent": Share(0.18, 0.21, spread=0.03), "org_completed": Share(0.05, 0.035),
    "org_failed": Share(0.004, 0.002),
    "cell_rated": Share(0.992, 0.997, spread=0.003),
    "cell_excellent": Share(0.18, 0.21), "cell_completed": Share(0.09, 0.07), "cell_failed": Share(0.002, 0.001),
    "member_exempt": Share(0.11, 0.12, by_type=(
        ("xa", 1.6), ("phuong", 1.4), ("thi_tran", 1.4), ("co_quan", 0.05), ("su_nghiep", 0.1),
        ("dn_nha_nuoc", 0.05), ("dn_ngoai_nha_nuoc", 0.05), ("luc_luong_vu_trang", 0.0))),
    "member_unrated": Share(0.015, 0.012),
    "member_excellent": Share(0.14, 0.17, spread=0.02), "member_completed": Share(0.065, 0.05),
    "member_failed": Share(0.005, 0.004),
    "upper_org_rated": Share(1.0, 1.0, spread=0.0),
    "upper_org_excellent": Share(0.3, 0.4, spread=0.1), "upper_org_completed": Share(0.0, 0.0),
    "upper_org_failed": Share(0.0, 0.0),
    # qualifications rise toward the 2025 targets of 100%; off-track districts stall around 85%
    "grassroots_committee_university": Share(0.88, 0.99, spread=0.012, lag=(0.845, 0.855), noise=0.3),
    "grassroots_committee_college": Share(0.03, 0.004, noise=0.3),
    "grassroots_committee_theory_senior": Share(0.15, 0.19, spread=0.015, noise=0.3),
    "grassroots_committee_theory_middle": Share(0.74, 0.8, spread=0.015, noise=0.3),
    "commune_cadres_university": Share(0.78, 0.985, spread=0.012, noise=0.3),
    "commune_cadres_college": Share(0.03, 0.005, noise=0.3), "commune_cadres_elementary": Share(0.02, 0.001, noise=0.3),
    # a bloc's agencies and enterprises: excellent within good within completed; one bloc below 75% good
    "units_completed_or_better": Share(0.97, 0.985, spread=0.008),
    "units_good_or_better": Share(0.86, 0.89, spread=0.02, of="units_completed_or_better", lag=(0.66, 0.7),
                                  noise=0.5),
    "units_excellent": Share(0.24, 0.27, spread=0.03, of="units_good_or_better"),
    "units_env_labour": Share(0.9, 0.95), "units_cultural_registered": Share(0.85, 0.92),
    "units_cultural_standard": Share(0.42, 0.74, spread=0.06, noise=0.5), "units_model": Share(0.4, 0.45),
    "enterprises_budget_paid": Share(0.97, 0.995, spread=0.01),
    "org_resolution_programmes": Share(0.97, 1.0, spread=0.01),
    "member_pledge": Share(0.99, 1.0, spread=0.008),
    "cell_regular_meetings": Share(0.8, 0.93),
    "mass_orgs_strong": Share(0.85, 1.0, spread=0.05),
    # a province (NQ 04 of a provincial committee, 2021–2025): collectives 95–100% good or better;
    # a quarter to a third of district-tier collectives excellent, hardly one merely completing its tasks
    "collective_district_rated": Share(1.0, 1.0, spread=0.0),
    "collective_district_excellent": Share(0.25, 0.32, spread=0.05, noise=0.7),
    "collective_district_completed": Share(0.02, 0.01, spread=0.01), "collective_district_failed": Share(0.0, 0.0),
    "collective_grassroots_rated": Share(0.99, 0.995, spread=0.003),
    "collective_grassroots_excellent": Share(0.18, 0.22, spread=0.03),
    "collective_grassroots_completed": Share(0.03, 0.022, spread=0.006),
    "collective_grassroots_failed": Share(0.004, 0.002, spread=0.002),
    # a few cadres new in post are not rated; women 15–22% and under-40s 3–6% rise slowly (stocks)
    "cadres_pm_rated": Share(0.97, 0.985, spread=0.01, noise=0.5),
    "cadres_pm_good_or_better": Share(0.985, 0.995, spread=0.006),
    "cadres_pm_women": Share(0.155, 0.215, spread=0.01, noise=0.3),
    "cadres_pm_under40": Share(0.035, 0.056, spread=0.006, noise=0.3),
    "dept_leaders_rated": Share(0.97, 0.985, spread=0.01, noise=0.5),
    "dept_leaders_good_or_better": Share(0.965, 0.975, spread=0.008),
    "dept_leaders_trained": Share(0.93, 0.98, spread=0.015),
    # master's degrees rise by about a point a year: short of 35% by 2025 in every province
    "dept_leaders_masters": Share(0.25, 0.31, spread=0.01, noise=0.3),
    "commune_leaders_trained": Share(0.93, 0.99, spread=0.02),
    "commune_leaders_intermediate": Share(0.9, 0.99, spread=0.012, noise=0.3),
    "commune_leaders_university": Share(0.7, 0.84, spread=0.03, noise=0.3),
    "committee_members_trained": Share(0.82, 0.99, spread=0.02),
}
_DEFAULT_SHARE = Share(0.9, 0.95)
_DEFAULT_PART_SHARE = Share(0.02, 0.02)


# -- units -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoUnit:
    code: str
    name_vi: str
    name_en: str
    parent: str
    kind: str
    mix: str = ""  # key of _MIXES; empty for a country or a province
    valid_from: int | None = None  # --reorg: the years the unit exists (None = open)
    valid_to: int | None = None


def build_units(scale: str = "province", reorg: bool = False) -> list[DemoUnit]:
    """The demo's units, without measures: each province followed by its 12 districts and 3 blocs
    (`reorg`: at least the two provinces that merge in 2025)."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
    units: list[DemoUnit] = []
    parent = ""
    if scale == "national":
        parent = "DEMO-VN"
        units.append(DemoUnit(parent, "Toàn quốc" + MARK_VI, "Whole country" + MARK_EN, "", "country"))
    for p in range(N_PROVINCES if scale == "national" else 2 if reorg else 1):
        units += _province_units(p, parent)
    return units


def _province_units(p: int, parent: str) -> list[DemoUnit]:
    code = f"DEMO-P{p + 1:02d}"
    name = f"{_PROVINCE_FIRST[p // len(_PROVINCE_SECOND)]} {_PROVINCE_SECOND[p % len(_PROVINCE_SECOND)]}"
    units = [DemoUnit(code, f"Tỉnh {name}{MARK_VI}", f"{name} Province{MARK_EN}", parent, "province")]
    for d in range(N_DISTRICTS):
        dname = f"{_DISTRICT_FIRST[d]} {_DISTRICT_SECOND[(d + p) % len(_DISTRICT_SECOND)]}"
        units.append(DemoUnit(f"{code}-H{d + 1:02d}", f"Đảng bộ huyện {dname}{MARK_VI}",
                              f"{dname} District Party Committee{MARK_EN}", code, "district", "district"))
    for b, (mix, bvi, ben) in enumerate(_BLOCS):
        units.append(DemoUnit(f"{code}-K{b + 1}", f"Đảng bộ {bvi} tỉnh {name}{MARK_VI}",
                              f"{name} Province {ben} Party Committee{MARK_EN}", code, "bloc", mix))
    return units


# -- the 2025 reorganisation (--reorg) -----------------------------------------------------------------
# DEMO-P01 and DEMO-P02 merge into DEMO-M01 in 2025 (as Hải Dương into Hải Phòng, CATALOG.md §5); their
# districts are dissolved, the communes of each district merged into three new commune party committees
# directly under the new province (a split of the district, with the share of its counts each took; one
# district's split gives no shares, so its communes' years before 2025 stay missing); the three blocs of
# each old province become two committees (party agencies; the provincial government). The old units
# report 2020–2025 (the term's final review), the new ones from 2026; their 2025 is their predecessors'.
REORG_YEAR = 2025
REORG_WRITTEN = range(2026, 2027)
REORG_MERGED = ("DEMO-P01", "DEMO-P02")
REORG_PROVINCE = "DEMO-M01"
_COMMUNE_SHARES = (0.4, 0.35, 0.25)
_UNSHARED_DISTRICT = "DEMO-P02-H12"
_NEW_BLOCS = (("bloc_agencies", "các cơ quan Đảng", "Party Agencies", (1,)),
              ("bloc_services", "Ủy ban nhân dân", "Provincial Government", (2, 3)))
Change = tuple[int, str, str, str, str]  # year, from_code, to_code, change, share


def reorganise(units: list[DemoUnit]) -> tuple[list[DemoUnit], list[DemoUnit], list[Change]]:
    """The units with the merged ones ended in 2025, the new units (the new province first) and the changes."""
    old = {u.code: u for u in units}
    ended = [dataclasses.replace(u, valid_to=REORG_YEAR)
             if u.code in REORG_MERGED or u.parent in REORG_MERGED else u for u in units]
    first = old[REORG_MERGED[0]]
    name = first.name_vi.removeprefix("Tỉnh ").removesuffix(MARK_VI)
    name_en = first.name_en.removesuffix(MARK_EN).removesuffix(" Province")
    new = [DemoUnit(REORG_PROVINCE, f"Tỉnh {name} (sau sắp xếp){MARK_VI}", f"{name_en} Province (reorganised){MARK_EN}",
                    first.parent, "province", valid_from=REORG_YEAR)]
    changes: list[Change] = [(REORG_YEAR, p, REORG_PROVINCE, "merge", "") for p in REORG_MERGED]
    n = 0
    for p in REORG_MERGED:
        for d in (u for u in units if u.parent == p and u.kind == "district"):
            dname = d.name_vi.removeprefix("Đảng bộ huyện ").removesuffix(MARK_VI)
            for k, share in enumerate(_COMMUNE_SHARES):
                n += 1
                code = f"{REORG_PROVINCE}-X{n:03d}"
                new.append(DemoUnit(code, f"Đảng bộ xã {dname} {k + 1}{MARK_VI}",
                                    f"{dname} {k + 1} Commune Party Committee{MARK_EN}", REORG_PROVINCE, "commune",
                                    "commune", valid_from=REORG_YEAR))
                changes.append((REORG_YEAR, d.code, code, "split", "" if d.code == _UNSHARED_DISTRICT else str(share)))
    for b, (mix, bvi, ben, olds) in enumerate(_NEW_BLOCS):
        code = f"{REORG_PROVINCE}-K{b + 1}"
        new.append(DemoUnit(code, f"Đảng bộ {bvi} tỉnh {name}{MARK_VI}", f"{name_en} {ben} Party Committee{MARK_EN}",
                            REORG_PROVINCE, "bloc", mix, valid_from=REORG_YEAR))
        changes += [(REORG_YEAR, f"{p}-K{o}", code, "merge", "") for p in REORG_MERGED for o in olds]
    return ended, new, changes


# -- what to generate ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    op: str  # state | per_org | const | ratio | default | split | frac | sum
    targets: tuple[str, ...]  # for `sum`: the derived measure, then its parts
    base: str = ""  # the measure the targets are drawn from (whole, `of`, ratio base)
    shares: tuple[Share | None, ...] = ()


@dataclass(frozen=True)
class Recipe:
    measures: tuple[str, ...]  # written, in catalogue order
    typed: frozenset[str]  # written per org type as well as all types together
    flows: tuple[str, ...]  # also written for the first half
    steps: tuple[Step, ...]  # in dependency order


def _leaves(cat: Catalog, m: str) -> list[str]:
    """A measure, or the parts a derived sum stands for, recursively."""
    d = cat.measures[m].derived_sum
    return [leaf for part in d for leaf in _leaves(cat, part)] if d else [m]


def plan_measures(cat: Catalog, unit_code: str, kind: str) -> tuple[str, ...]:
    """The measures a unit of this kind reports, from the targets that bind it (see module doc)."""
    want: set[str] = set()
    for _, target in cat.targets_for(unit_code, kind):
        ind = cat.indicators[target.indicator]
        want.update(ind.numerator + ind.denominator)
    families = [[f"{e}_total", f"{e}_rated", *(f"{e}_{lvl}" for lvl in cat.rating_scale)]
                for e in cat.rated_entities]
    balances = [(b.whole, [leaf for p in b.parts for leaf in _leaves(cat, p)]) for b in cat.balances]
    while True:
        new = {leaf for m in want for leaf in _leaves(cat, m)}
        new |= {w for m in list(new) if (w := cat.measures[m].whole)}
        new = {leaf for m in new for leaf in _leaves(cat, m)}
        for fam in families:
            if fam[0] in new:
                new.update(m for m in fam if m in cat.measures)
        for whole, parts in balances:
            if whole in new and new.intersection(parts):
                new.update(parts)
        if new == want:
            break
        want = new
    return tuple(m for m in cat.measures if m in want)


def build_recipe(cat: Catalog, unit_code: str, kind: str) -> Recipe:
    measures = plan_measures(cat, unit_code, kind)
    planned = set(measures)
    owner: dict[str, tuple[str, tuple[str, ...]]] = {}
    for b in cat.balances:
        parts = tuple(leaf for p in b.parts for leaf in _leaves(cat, p))
        if b.whole in planned and planned.issuperset(parts):
            for p in parts:
                owner.setdefault(p, (b.whole, parts))
    steps: list[Step] = []
    done: set[str] = set()
    typed: set[str] = set()

    def is_typed(m: str, *deps: str) -> bool:
        return cat.measures[m].org_types and all(d in typed for d in deps)

    def need(m: str) -> None:
        if m in done:
            return
        if cat.measures[m].derived_sum:  # only ever a base to draw from: written as its parts
            leaves = _leaves(cat, m)
            for leaf in leaves:
                need(leaf)
            steps.append(Step("sum", (m, *leaves)))
            if all(leaf in typed for leaf in leaves):
                typed.add(m)
        elif m in STATE:
            steps.append(Step("state", (m,)))
            if cat.measures[m].org_types:
                typed.add(m)
        elif m in owner:
            whole, parts = owner[m]
            need(whole)
            shares = [_SHARES.get(p) for p in parts]
            rest = next((i for i, s in enumerate(shares) if s is None), None)
            if rest is None:  # every part has a share: the last one takes what is left
                rest = len(parts) - 1
            shares = [None if i == rest else (s or _DEFAULT_PART_SHARE) for i, s in enumerate(shares)]
            steps.append(Step("split", parts, whole, tuple(shares)))
            split_typed = whole in typed and all(cat.measures[p].org_types for p in parts)
            typed.update(parts if split_typed else ())
            done.update(parts)
        elif (whole := cat.measures[m].whole) is not None:
            share = _SHARES.get(m, _DEFAULT_SHARE)
            base = share.of if share.of in planned else whole
            need(whole)
            need(base)
            steps.append(Step("frac", (m,), base, (share,)))
            if is_typed(m, base):
                typed.add(m)
        elif m in _PER_ORG:
            steps.append(Step("per_org", (m,)))
            if cat.measures[m].org_types:
                typed.add(m)
        elif m in _RATIO:
            base = _RATIO[m][0]
            need(base)
            steps.append(Step("ratio", (m,), base))
            if is_typed(m, base):
                typed.add(m)
        else:
            steps.append(Step("const" if m in _CONST else "default", (m,)))
        done.add(m)

    for m in measures:
        need(m)
    count_numerators = {n for i in cat.indicators.values() if not i.is_rate for n in i.numerator}
    flows = tuple(m for m in measures if m in count_numerators)
    return Recipe(measures, frozenset(typed), flows, tuple(steps))


# -- values ----------------------------------------------------------------------------------------

Value = int | list[int]
Bits = Callable[[int], int]

# Standard normal quantiles: a table lookup on random bits is several times cheaper than
# random.gauss, and a million draws are made; 4096 levels are plenty for synthetic noise.
_Z_BITS = 12
_Z = tuple(NormalDist().inv_cdf((i + 0.5) / (1 << _Z_BITS)) for i in range(1 << _Z_BITS))


def _binom(n: int, p: float, bits: Bits, noise: float = 1.0) -> int:
    """About Binomial(n, p) (normal approximation, clamped): cheap enough for a million draws."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    x = round(n * p + _Z[bits(_Z_BITS)] * noise * math.sqrt(n * p * (1.0 - p)))
    return 0 if x < 0 else n if x > n else x


def _conditionals(ps: list[float], rest: int) -> list[float]:
    """Shares of a whole → the share each part takes of what the parts before it left over."""
    given = sum(ps) - ps[rest]
    ps = [p / given for p in ps] if given > 1.0 else list(ps)
    ps[rest] = max(0.0, 1.0 - sum(p for i, p in enumerate(ps) if i != rest))
    out, left = [], 1.0
    for p in ps[:-1]:
        out.append(p / left if left > 1e-12 else 0.0)
        left -= p
    return out


def _total(v: Value) -> int:
    return sum(v) if isinstance(v, list) else v


class _Sim:
    """Every planned measure of one unit a year, drawn from its state (organisations, members and
    admissions per org type in `types`) and the unit's lasting offsets."""

    def __init__(self, unit: DemoUnit, recipe: Recipe, rng: random.Random, lag: bool,
                 types: tuple[str, ...]) -> None:
        self.unit, self.recipe, self.rng, self.lag, self.types = unit, recipe, rng, lag, types
        self.bits = rng.getrandbits
        # lasting per-unit draws, in step order so a seed always gives the same unit
        self.offsets: list[tuple[float, ...]] = []
        self.noise: list[float] = []
        for st in recipe.steps:
            self.offsets.append(tuple(rng.gauss(0.0, s.offset_sd()) if s else 0.0 for s in st.shares))
            if st.op == "per_org":
                self.noise.append(1.0 if st.targets[0] in _EXACT_PER_ORG else rng.lognormvariate(0.0, 0.08))
            elif st.op == "ratio":
                _, lo, hi = _RATIO[st.targets[0]]
                self.noise.append(rng.uniform(lo, hi))
            elif st.op == "default":
                self.noise.append(rng.uniform(*_SIZE.get(st.targets[0], _DEFAULT_SIZE)))
            else:
                self.noise.append(0.0)
        self.by_type = [tuple(tuple(dict(s.by_type).get(t, 1.0) for t in self.types) if s and s.by_type else ()
                              for s in st.shares) for st in recipe.steps]

    def values(self, state: dict[str, list[int]], f: float) -> dict[str, Value]:
        """Every planned measure for one year; `f` runs from 0 (term's first year) to 1 (its last)."""
        gauss, bits, typed, types = self.rng.gauss, self.bits, self.recipe.typed, self.types
        vals: dict[str, Value] = {}
        for k, st in enumerate(self.recipe.steps):
            op, m = st.op, st.targets[0]
            if op == "state":
                vals[m] = state[m] if m in typed else sum(state[m])
            elif op == "split":
                self._split(vals, st, k, f)
            elif op == "frac":
                share, off = st.shares[0], self.offsets[k][0]
                p = self._p(share, off, f)
                base = vals[st.base]
                if m in typed:
                    mult = self.by_type[k][0] or (1.0,) * len(types)
                    vals[m] = [_binom(n, p * mu, bits, share.noise) for n, mu in zip(base, mult, strict=True)]
                else:
                    vals[m] = _binom(_total(base), p, bits, share.noise)
            elif op == "per_org":
                factors = _PER_ORG[m]
                per = [round(n * factors.get(t, factors.get("*", 0.0)) * self.noise[k])
                       for n, t in zip(state[ORGS], types, strict=True)]
                vals[m] = per if m in typed else sum(per)
            elif op == "ratio":
                r = self.noise[k] * (1.0 + gauss(0.0, 0.05))
                base = vals[st.base]
                vals[m] = [round(n * r) for n in base] if m in typed else max(0, round(_total(base) * r))
            elif op == "const":
                vals[m] = _CONST[m]
            elif op == "sum":
                parts = [vals[p] for p in st.targets[1:]]
                vals[m] = ([sum(col) for col in zip(*parts, strict=True)] if m in typed
                           else sum(_total(v) for v in parts))
            else:
                vals[m] = round(self.noise[k] * (1.0 + gauss(0.0, _DEFAULT_WOBBLE)))
        return vals

    def _p(self, share: Share, off: float, f: float) -> float:
        lo, hi = share.lag if self.lag and share.lag else (share.start, share.end)
        p = lo + (hi - lo) * f + off
        return 0.0 if p < 0.0 else 1.0 if p > 1.0 else p

    def _split(self, vals: dict[str, Value], st: Step, k: int, f: float) -> None:
        ps = [self._p(s, o, f) if s else 0.0 for s, o in zip(st.shares, self.offsets[k], strict=True)]
        rest, bts, bits = st.shares.index(None), self.by_type[k], self.bits
        noise = min((s.noise for s in st.shares if s), default=1.0)
        whole = vals[st.base]
        typed = st.targets[0] in self.recipe.typed
        ns = whole if typed else [_total(whole)]
        shared = _conditionals(ps, rest)
        per_type = typed and any(bts)
        last = len(ps) - 1
        cols: list[list[int]] = [[] for _ in st.targets]
        for i, n in enumerate(ns):
            cond = (_conditionals([p * bt[i] if bt else p for p, bt in zip(ps, bts, strict=True)], rest)
                    if per_type else shared)
            # sequential conditional draws: the parts always sum to n
            left = n
            for j in range(last):
                x = _binom(left, cond[j], bits, noise)
                cols[j].append(x)
                left -= x
            cols[last].append(left)
        for j, m in enumerate(st.targets):
            vals[m] = cols[j] if typed else cols[j][0]


class _UnitSim(_Sim):
    """One district or bloc through the term: sizes and admissions, then every planned measure."""

    def __init__(self, unit: DemoUnit, recipe: Recipe, rng: random.Random, lag: bool) -> None:
        mix = _MIXES[unit.mix]
        self.orgs = [rng.randint(lo, hi) for _, lo, hi, _ in mix]
        size = rng.lognormvariate(0.0, 0.1)
        self.members = [max(1, round(n * per * size * rng.lognormvariate(0.0, 0.15)))
                        for n, (_, _, _, per) in zip(self.orgs, mix, strict=True)]
        rates = _ADMISSION_RATE.get(unit.kind, _ADMISSION_RATE["district"])[1 if lag else 0]
        self.admission_rate = rng.uniform(*rates)
        self.leavers = rng.uniform(*_LEAVERS)
        super().__init__(unit, recipe, rng, lag, tuple(t for t, *_ in mix))

    def advance(self, first_year: bool) -> tuple[int, dict[str, list[int]]]:
        """Move the unit one year on; return its members at the start of the year and the state."""
        rng, bits = self.rng, self.bits
        if not first_year:  # mergers, new enterprises
            for i in range(len(self.orgs)):
                if rng.random() < 0.12:
                    self.orgs[i] = max(1, self.orgs[i] + rng.choice((-1, 1)))
        start = sum(self.members)
        rate = self.admission_rate + rng.gauss(0.0, 0.003)
        admitted = []
        for i, t in enumerate(self.types):
            prev = self.members[i]
            left = _binom(prev, self.leavers, bits)
            a = _binom(prev, rate * _ADMISSION_TYPE.get(t, 1.0), bits)
            if self.lag and self.unit.kind == "district":
                cap = _LAGGARD_ADMISSION_CAP
                a = min(a, math.floor(cap * (prev - left) / (1 - cap)))
            admitted.append(a)
            self.members[i] = prev - left + a
        return start, {ORGS: list(self.orgs), MEMBERS: list(self.members), ADMITTED: admitted}


class _ProvinceSim(_Sim):
    """A province: its state is the sum of its districts' and blocs' states, org type by org type, so
    what it counts per organisation (grassroots committees, commune leaders) matches its units."""

    def __init__(self, unit: DemoUnit, recipe: Recipe, rng: random.Random, children: Sequence[_UnitSim]) -> None:
        types = tuple(dict.fromkeys(t for c in children for t in c.types))
        self.slots = [tuple(types.index(t) for t in c.types) for c in children]
        super().__init__(unit, recipe, rng, False, types)

    def state(self, states: Sequence[dict[str, list[int]]]) -> dict[str, list[int]]:
        out = {m: [0] * len(self.types) for m in STATE}
        for slots, st in zip(self.slots, states, strict=True):
            for m, col in out.items():
                for i, v in zip(slots, st[m], strict=True):
                    col[i] += v
        return out


# -- writing ---------------------------------------------------------------------------------------

class _Writer(Protocol):
    def writerow(self, row: Iterable[object]) -> object: ...
    def writerows(self, rows: Iterable[Iterable[object]]) -> object: ...


def write_demo(out_dir: Path, scale: str = "province", seed: int = 2025, reorg: bool = False) -> dict[str, int]:
    """Write out_dir/units.csv and out_dir/measures.csv; return how many units, rows, missing unit-years.
    `reorg`: also the 2025 reorganisation (REORG_*): units with their years, unit_changes.csv, and the
    new units' figures."""
    units = build_units(scale, reorg)
    new: list[DemoUnit] = []
    if reorg:
        units, new, changes = reorganise(units)
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        with open(Path(out_dir) / "unit_changes.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(CHANGE_COLUMNS)
            w.writerows(changes)
    unknown = sorted({t for mix in _MIXES.values() for t, *_ in mix} - set(default_catalog().org_types))
    if unknown:
        raise ValueError(f"the demo's organisation types are not in the catalogue: {', '.join(unknown)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "units.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        if reorg:
            w.writerow((*UNIT_COLUMNS, *UNIT_TIME_COLUMNS))
            w.writerows((u.code, u.name_vi, u.name_en, u.parent, u.kind, u.valid_from or "", u.valid_to or "")
                        for u in [*units, *new])
        else:
            w.writerow(UNIT_COLUMNS)
            w.writerows((u.code, u.name_vi, u.name_en, u.parent, u.kind) for u in units)
    provinces = [i for i, u in enumerate(units) if u.kind == "province"]
    jobs = [(seed, units[i:i + 1 + N_DISTRICTS + len(_BLOCS)]) for i in provinces]
    counts = {"units": len(units) + len(new), "rows": 0, "missing_unit_years": 0}
    with open(out_dir / "measures.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(MEASURE_COLUMNS)
        for text, rows, missing in [*map(_province_csv, jobs), *([_reorg_csv(seed, new)] if new else [])]:
            fh.write(text)
            counts["rows"] += rows
            counts["missing_unit_years"] += missing
    return counts


def _reorg_csv(seed: int, family: Sequence[DemoUnit]) -> tuple[str, int, int]:
    """The new units' figures (REORG_WRITTEN), simulated from the old term's start so that the shares go
    on from where the old units left them (qualifications do not fall back to 2020's level in 2026)."""
    buf = io.StringIO()
    cat = default_catalog()
    rng = random.Random(f"etl-demo:{seed}:{family[0].code}")
    own = random.Random(f"etl-demo:{seed}:{family[0].code}:own")
    rows, missing = _write_province(csv.writer(buf, lineterminator="\n"), cat, rng, own, family,
                                    SOURCE.format(seed=seed), term=cat.term_of(REORG_YEAR - 1).years,
                                    write=REORG_WRITTEN)
    return buf.getvalue(), rows, missing


def _province_csv(job: tuple[int, Sequence[DemoUnit]]) -> tuple[str, int, int]:
    """One province's measure rows as CSV text. Each province draws from its own generator, seeded by
    text (hashed with SHA-512, not Python's salted hash), so a province's figures never depend on
    what was drawn before it: DEMO-P01 is the same in both scales. The province's own figures draw
    from a second such generator, so they leave its districts' and blocs' figures as they were."""
    seed, family = job
    buf = io.StringIO()
    rng = random.Random(f"etl-demo:{seed}:{family[0].code}")
    own = random.Random(f"etl-demo:{seed}:{family[0].code}:own")
    rows, missing = _write_province(csv.writer(buf, lineterminator="\n"), default_catalog(), rng, own, family,
                                    SOURCE.format(seed=seed))
    return buf.getvalue(), rows, missing


def _term_years(cat: Catalog, unit: DemoUnit) -> range:
    """The years of the term of the resolutions that bind the unit (2020–2025 for the demo)."""
    bound = cat.targets_for(unit.code, unit.kind)
    term = cat.terms[bound[0][0].term] if bound else next(iter(cat.terms.values()))
    return term.years


def _write_province(w: _Writer, cat: Catalog, rng: random.Random, own: random.Random,
                    family: Sequence[DemoUnit], source: str, term: range | None = None,
                    write: range | None = None) -> tuple[int, int]:
    """`term`: the years the simulation runs over (default: the binding term's); `write`: the years
    written (default: all; a unit formed in 2025 starts reporting in 2026, so no unit-year is left out)."""
    province, children = family[0], family[1:]
    years = term or _term_years(cat, children[0])
    if write is not None:
        years = range(years[0], write[-1] + 1)
    recipes: dict[tuple[str, str], Recipe] = {}
    sims: list[_UnitSim] = []
    districts = [i for i, u in enumerate(children) if u.kind in ("district", "commune")]
    blocs = [i for i, u in enumerate(children) if u.kind == "bloc"]
    lagging = set(rng.sample(districts, min(2, len(districts))) + rng.sample(blocs, min(1, len(blocs))))
    for i, u in enumerate(children):
        key = (u.kind, ",".join(t.id for _, t in cat.targets_for(u.code, u.kind)))
        if key not in recipes:
            recipes[key] = build_recipe(cat, u.code, u.kind)
        sims.append(_UnitSim(u, recipes[key], rng, i in lagging))
    # a few reports never came in: whole unit-years missing, away from the off-track units
    candidates = [(i, y) for i in range(len(children)) if i not in lagging for y in years[1:-1]]
    missing = set(rng.sample(candidates, rng.choice((2, 3)))) if write is None else set()
    top = _ProvinceSim(province, build_recipe(cat, province.code, province.kind), own, sims)

    n_rows = 0
    span = max(1, (term or years)[-1] - years[0])
    plan_known = PROVINCE_PLAN in cat.measures
    for y in years:
        starts, states = zip(*(s.advance(y == years[0]) for s in sims), strict=True)
        vals = top.values(top.state(states), (y - years[0]) / span)
        if write is not None and y not in write:  # simulated, not written: the units' years before
            for sim, state in zip(sims, states, strict=True):
                sim.values(state, (y - years[0]) / span)
            continue
        if plan_known:  # plans are round figures
            plan = int(round(_PLAN_RATE * sum(starts), -1))
            if PROVINCE_PLAN in vals:  # should a target ever bind the province to its plan
                vals[PROVINCE_PLAN] = plan
            else:
                w.writerow((province.code, y, "Y", "", PROVINCE_PLAN, plan, "", source))
                n_rows += 1
        n_rows += _write_unit_year(w, top, vals, y, source)
        for i, (sim, state) in enumerate(zip(sims, states, strict=True)):
            vals = sim.values(state, (y - years[0]) / span)
            if (i, y) in missing:
                continue
            n_rows += _write_unit_year(w, sim, vals, y, source)
    return n_rows, len(missing)


def _write_unit_year(w: _Writer, sim: _Sim, vals: dict[str, Value], year: int, source: str) -> int:
    recipe, code, types = sim.recipe, sim.unit.code, sim.types
    rows: list[tuple[object, ...]] = []
    for m in recipe.measures:
        _rows_for(rows, code, year, "Y", m, vals[m], types, source)
    bits, uniform = sim.bits, sim.rng.uniform
    for m in recipe.flows:
        h = uniform(*_H1_SHARE.get(m, _H1_DEFAULT))
        v = vals[m]
        half: Value = [_binom(n, h, bits) for n in v] if isinstance(v, list) else _binom(v, h, bits)
        _rows_for(rows, code, year, "H1", m, half, types, source)
    w.writerows(rows)
    return len(rows)


def _rows_for(rows: list[tuple[object, ...]], code: str, year: int, period: str, m: str, v: Value,
              types: tuple[str, ...], source: str) -> None:
    if isinstance(v, list):
        rows.append((code, year, period, "", m, sum(v), "", source))
        rows.extend((code, year, period, t, m, n, "", source) for t, n in zip(types, v, strict=True))
    else:
        rows.append((code, year, period, "", m, v, "", source))
