"""What to call units and indicators on a page: their names in the reader's language, and an
indicator's unit of measure.

No Streamlit, no SQL, no plotting: plain DataFrames and strings the pages and exports share.
"""

from __future__ import annotations

import pandas as pd

from core.catalog import Catalog
from core.i18n import (
    short_name,
    unit_name,
)


def indicator_label(catalog: Catalog, indicator: str, lang: str, short: bool = False) -> str:
    ind = catalog.indicators.get(indicator)
    name = ind.name(lang) if ind is not None else indicator
    return short_name(name) if short else name[:1].upper() + name[1:]


def indicator_unit(catalog: Catalog, indicator: str) -> str:
    ind = catalog.indicators.get(indicator)
    return ind.unit if ind is not None else "percent"


def unit_names(units: pd.DataFrame, lang: str) -> dict[str, str]:
    return {r.unit_code: unit_name(r, lang) for r in units.itertuples(index=False)}
