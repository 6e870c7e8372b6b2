"""Input bounds (输入限制), written down once.

Forms, query parameters, the importer, the API and the print layouts all use these numbers: a value the
forms accept must fit every printed document on one page (the print layouts are tested at these
maximums), and every amount the app can compute from an accepted lease must fit its database column.

Sources: a lease term is capped at twenty years by 民法典 (Civil Code) art. 705; the other limits are
this office's decisions (longest real values seen on filings, with a margin).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

# Text fields (characters, after trimming)
PARTY_NAME_MAX = 60        # person or organisation name (出租人/承租人/经纪机构)
ADDRESS_MAX = 100          # 坐落 (street address of the property)
ROOM_MAX = 20              # 房号
PHONE_MAX = 20
ID_NUMBER_MAX = 32         # before normalisation (spaces, dashes); validated per ID type afterwards
HOUSE_CODE_LEN = 25        # 房屋代码
BUILDING_CODE_MAX = 40     # 楼栋代码 (19 characters, old ones are UUIDs of 36)
REASON_MAX = 500           # reasons and notes (变更原因, 作废原因, 差异说明 ...)
REFERENCE_MAX = 64         # payment reference (POS slip, transfer number)
SEARCH_MAX = 100           # a search box or scanner field

# Parties on one lease
LANDLORDS_MAX = 2
TENANTS_MAX = 4
AGENTS_MAX = 1

# Money and areas
MONTHLY_RENT_MAX = Decimal("10000000.00")   # ¥10,000,000 a month
MONEY_PLACES = 2                            # yuan with at most two decimals (fen)
AREA_MAX_M2 = Decimal("1000000.00")         # m², two decimals
AREA_PLACES = 2

# Dates
DATE_MIN = date(1990, 1, 1)                 # the earliest date a filing can name
FUTURE_YEARS_MAX = 2                        # a term may start at most this many years after the business date
TERM_YEARS_MAX = 20                         # 民法典 art. 705

# Lists
PAGE_MAX = 100_000                          # page numbers are clamped to 1..PAGE_MAX
