"""Reference data: contact centers (an HQ center and one sub-center per province) and branches (one branch
company per province, sales offices in its cities), with the share of clients each sales office serves."""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from brokerdesk.intake.contract import ENTITY_BY_NAME

from . import columns as col
from .geography import CITIES, HQ_CENTER, PROVINCES
from .streams import stream

CLOSED_OFFICE = "温州车站大道营业部"  # closed and merged: active false, no clients


@dataclass(frozen=True)
class Offices:
    """The sales offices clients belong to, in branch-code order."""

    codes: list[str]
    names: list[str]
    province: np.ndarray  # int index into PROVINCES
    city: np.ndarray  # int index into CITIES
    weight: np.ndarray  # share of clients (0 for a closed office)

    def __len__(self) -> int:
        return len(self.codes)


def center_code(province_code: str) -> str:
    return f"SC-{province_code}"


def offices(seed: int) -> Offices:
    rng = stream(seed, "offices")
    codes, names, province, city = [], [], [], []
    province_index = {p.code: i for i, p in enumerate(PROVINCES)}
    for city_index, c in enumerate(CITIES):
        for office in c.offices:
            codes.append(f"B{len(codes) + 1:03d}")
            names.append(f"{c.name}{office}营业部")
            province.append(province_index[c.province])
            city.append(city_index)
    province_arr = np.array(province)
    per_province = np.bincount(province_arr, minlength=len(PROVINCES))
    share = np.array([p.weight for p in PROVINCES])[province_arr] / per_province[province_arr]
    weight = share * rng.lognormal(0.0, 0.35, len(codes))
    weight[[n == CLOSED_OFFICE for n in names]] = 0.0
    return Offices(codes=codes, names=names, province=province_arr, city=np.array(city), weight=weight / weight.sum())


def centers_table() -> pa.Table:
    rows = [(*HQ_CENTER, "hq")] + [(center_code(p.code), f"{p.name}客服分中心", p.name, "sub") for p in PROVINCES]
    return col.table(ENTITY_BY_NAME["centers"], {
        "center_code": pa.array([r[0] for r in rows]),
        "name": pa.array([r[1] for r in rows]),
        "kind": pa.array([r[3] for r in rows]),
        "province": pa.array([r[2] for r in rows]),
    })


def branches_table(offices_: Offices) -> pa.Table:
    rows = []  # code, name, kind, parent, province, city, center, active
    for p in PROVINCES:
        capital = next(c.name for c in CITIES if c.province == p.code)
        rows.append((f"F{p.code}", f"{p.name}分公司", "branch_company", None, p.name, capital, center_code(p.code),
                     True))
    for code, name, p, c in zip(offices_.codes, offices_.names, offices_.province.tolist(), offices_.city.tolist(),
                                strict=True):
        prov = PROVINCES[p]
        rows.append((code, name, "sales_office", f"F{prov.code}", prov.name, CITIES[c].name, center_code(prov.code),
                     name != CLOSED_OFFICE))
    names = ENTITY_BY_NAME["branches"].column_names
    return col.table(ENTITY_BY_NAME["branches"], {
        name: pa.array([r[i] for r in rows], pa.bool_() if name == "active" else pa.string())
        for i, name in enumerate(names)
    })
