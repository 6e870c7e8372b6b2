"""Canonical lease-use codes and landlord kinds, used across the whole app.

Each rate schedule maps every use to a tax category, ``residential`` or
``non_residential`` (see ``RateSchedule.use_category``). The default mapping
(used when a schedule does not list a use) is: ``residential`` ->
residential, everything else -> non_residential. ``mixed`` (商住两用) and
``dormitory`` (宿舍) are therefore non-residential unless a schedule maps them
to residential - the shipped schedules keep the default and say so.
"""
from __future__ import annotations

RESIDENTIAL = "residential"
MIXED = "mixed"
COMMERCIAL = "commercial"
OFFICE = "office"
FACTORY = "factory"
WAREHOUSE = "warehouse"
DORMITORY = "dormitory"
OTHER = "other"

USES: tuple[str, ...] = (RESIDENTIAL, MIXED, COMMERCIAL, OFFICE, FACTORY, WAREHOUSE, DORMITORY, OTHER)

USE_LABELS: dict[str, dict[str, str]] = {
    RESIDENTIAL: {"zh": "住宅", "en": "Residential"},
    MIXED: {"zh": "商住两用", "en": "Mixed commercial/residential"},
    COMMERCIAL: {"zh": "商业", "en": "Commercial (shop)"},
    OFFICE: {"zh": "办公", "en": "Office"},
    FACTORY: {"zh": "厂房", "en": "Factory"},
    WAREHOUSE: {"zh": "仓库", "en": "Warehouse"},
    DORMITORY: {"zh": "宿舍", "en": "Dormitory"},
    OTHER: {"zh": "其他", "en": "Other"},
}

INDIVIDUAL = "individual"
ORGANIZATION = "organization"
LANDLORD_KINDS: tuple[str, ...] = (INDIVIDUAL, ORGANIZATION)
LANDLORD_KIND_LABELS: dict[str, dict[str, str]] = {
    INDIVIDUAL: {"zh": "个人", "en": "Individual"},
    ORGANIZATION: {"zh": "单位", "en": "Organization"},
}

CAT_RESIDENTIAL = "residential"
CAT_NON_RESIDENTIAL = "non_residential"
CATEGORIES: tuple[str, ...] = (CAT_RESIDENTIAL, CAT_NON_RESIDENTIAL)
CATEGORY_LABELS: dict[str, dict[str, str]] = {
    CAT_RESIDENTIAL: {"zh": "住房", "en": "housing"},
    CAT_NON_RESIDENTIAL: {"zh": "非住房", "en": "non-housing"},
}

DEFAULT_USE_MAPPING: dict[str, str] = {
    u: (CAT_RESIDENTIAL if u == RESIDENTIAL else CAT_NON_RESIDENTIAL) for u in USES
}


def use_label(use: str, lang: str = "zh") -> str:
    return USE_LABELS[use]["en" if lang == "en" else "zh"]
