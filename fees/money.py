"""Money: integer fen at every boundary, :class:`decimal.Decimal` inside, never float.

THE rounding and base rules (the only place in the app where tax is rounded)
----------------------------------------------------------------------------
Every figure of a computation that is shown (on screen, on the receipt, in ``counter tax quote``) is a
whole number of fen, and each is computed from the figures shown before it, the way a tax declaration
form (申报表) is filled in: base, rate, 应纳税额 (tax), 减免税额 (relief), 实缴 (amount). Whoever
recomputes a printed line with a pocket calculator gets the printed amount.

* **Taxable rent** of a period: the declared monthly rent, or the guidance floor (guidance yuan/m² x
  area, :func:`round_fen`) when that is higher (see :mod:`fees.guidance`).
* **A short period** (the last rent period of a term that ends before the period would, see
  :mod:`fees.calendar`) is **prorated by days**: its rent is ``round_fen(monthly taxable rent x days /
  days of the full period it would have been)`` (:func:`prorate_fen`; 2024-06-15 .. 2024-06-30 of a
  period that would have run to 2024-07-14: 16 / 30). Everything levied on the rent (VAT, business tax,
  property tax, stamp duty, comprehensive rate) is computed on that prorated rent; an item levied by
  area is prorated the same way (:func:`area_tax_fen`). What stays **per period, unprorated**: the
  VAT / business-tax threshold and the comprehensive band are tested on the **monthly** taxable rent
  (a short period is not a smaller rent, 国家税务总局公告2016年第53号 第二条: the rent of a payment is spread
  over the periods it covers, i.e. the monthly rent), and the income tax's ¥800 / 20 % deduction, its
  ¥4,000 line and the ¥800 repair-cost cap apply once per period ("财产租赁所得，以一个月内取得的收入为
  一次": one period's income is one taxable event).
* **Rent excluding VAT** (不含增值税租金, 财税〔2016〕43号 第二条、第四条、第五条): when the period's VAT is
  charged, ``round_fen(taxable rent / vat_divisor)`` (divisor 1.05: 5 % levy rate, also for the 1.5 %
  reduced levy on individuals' housing, 国家税务总局公告2016年第16号); when the VAT is exempt, or there is
  no VAT (before 营改增, 2016-05-01), the whole taxable rent ("免征增值税的，确定计税依据时，租金收入不扣减
  增值税额"). :func:`ex_vat_fen`.
* **Tax of an item** (应纳税额): ``round_fen(base x rate)`` (:func:`tax_fen`), half up; the item's
  minimum (``min_fen``) applies to this figure.
* **Relief** (减免税额, e.g. the 六税两费 50 %): ``round_fen(tax x percent / 100)`` (:func:`relief_fen`);
  the **amount** collected is ``tax - relief``.
* **Income tax base** (应纳税所得额) of individuals (财产租赁所得): net income = income (the rent
  excluding VAT) - the taxes levied on the rental in the same period (never the VAT, 财税〔2016〕43号
  第四条) - the repair costs deducted (at most ¥800 a period, 国税发〔1994〕89号); then, when the net
  income is <= ¥4,000, less ¥800 (at most the net income), otherwise ``round_fen(net x (1 - 20 %))``
  (:func:`percent_off_fen`). The tax is ``round_fen(taxable income x rate)``.
* **The total is the sum of the amounts**; per-item totals are sums of amounts too. Totals are never
  recomputed from unrounded figures.

Rounding is always to the fen, half up (``ROUND_HALF_UP``: 0.005 -> 0.01). Other modules must not
round: they call the functions of this module.

:func:`yuan_to_fen` is for *user input* and never rounds: more than two decimals is an error, not
something to round away.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["round_fen", "fen_to_yuan", "yuan_to_fen", "format_yuan", "FEN_PER_YUAN", "tax_fen", "relief_fen",
           "ex_vat_fen", "percent_off_fen", "prorate_fen", "area_tax_fen"]

FEN_PER_YUAN = 100
_FEN = Decimal("0.01")


def round_fen(amount_yuan: Decimal) -> int:
    """Round a yuan amount to the fen, half up, and return integer fen.

    ``round_fen(Decimal("0.005")) == 1``; ``round_fen(Decimal("0.0049")) == 0``;
    negative amounts round half away from zero (``-0.005 -> -1``).
    """
    if isinstance(amount_yuan, float):
        raise TypeError("round_fen takes a Decimal, never a float")
    if not isinstance(amount_yuan, Decimal):
        amount_yuan = Decimal(amount_yuan)
    if not amount_yuan.is_finite():
        raise ValueError(f"cannot round {amount_yuan!r}")
    return int((amount_yuan * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> Decimal:
    """Exact conversion of integer fen to yuan with two places (``12345 -> Decimal('123.45')``)."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be an int, got {type(fen).__name__}")
    return (Decimal(fen) / FEN_PER_YUAN).quantize(_FEN)


def yuan_to_fen(value: str | Decimal) -> int:
    """Parse a yuan amount typed by a user into integer fen - no rounding.

    Accepts ``"3500"``, ``"3500.5"``, ``"3,500.50"`` (thousands commas), ``" 0.01 "`` or a
    Decimal. Raises ``ValueError`` for more than two decimals, negative
    amounts, NaN/infinity, floats, booleans and anything that is not a number.
    """
    if isinstance(value, (bool, float)) or value is None:
        raise ValueError(f"not a yuan amount: {value!r}")
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("\u00a5", "").replace("\uffe5", "")
        if not text or not all(c in "0123456789.+-" for c in text):
            raise ValueError(f"not a yuan amount: {value!r}")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a yuan amount: {value!r}") from None
    if not isinstance(value, Decimal):
        raise ValueError(f"not a yuan amount: {value!r}")
    if not value.is_finite():
        raise ValueError(f"not a yuan amount: {value!r}")
    if value < 0:
        raise ValueError(f"negative yuan amount: {value!r}")
    exponent = value.as_tuple().exponent
    if exponent < -2:  # "1.005" and also "1.000": at most two decimals, strictly
        raise ValueError(f"more than 2 decimals in yuan amount: {value!r}")
    return int(value * FEN_PER_YUAN)


def format_yuan(fen: int) -> str:
    """Display form: ``123456 -> '¥1,234.56'`` (no rounding; fen are exact)."""
    sign = "-" if fen < 0 else ""
    return f"{sign}\u00a5{fen_to_yuan(abs(fen)):,}"


def tax_fen(base_fen: int, rate: Decimal) -> int:
    """应纳税额: ``base x rate`` rounded to the fen, half up (``base_fen`` in fen, ``rate`` a fraction)."""
    return round_fen(Decimal(base_fen) / FEN_PER_YUAN * rate)


def relief_fen(tax: int, percent: Decimal) -> int:
    """减免税额: ``tax x percent / 100`` rounded to the fen, half up (``percent`` 0..100)."""
    if not percent:
        return 0
    return round_fen(Decimal(tax) / FEN_PER_YUAN * percent / 100)


def ex_vat_fen(rent_fen: int, vat_divisor: Decimal) -> int:
    """不含增值税租金: ``rent / vat_divisor`` rounded to the fen (call it only when the VAT is charged)."""
    return round_fen(Decimal(rent_fen) / FEN_PER_YUAN / vat_divisor)


def percent_off_fen(amount_fen: int, fraction: Decimal) -> int:
    """``amount x (1 - fraction)`` rounded to the fen (the 20 % deduction of income tax: fraction 0.2)."""
    return round_fen(Decimal(amount_fen) / FEN_PER_YUAN * (1 - fraction))


def prorate_fen(monthly_fen: int, days: int, full_days: int) -> int:
    """The rent of a short period: ``monthly x days / full_days`` rounded to the fen, half up (a full
    period, ``days == full_days``, is the monthly rent itself). ``prorate_fen(350000, 16, 30) == 186667``."""
    if isinstance(days, bool) or isinstance(full_days, bool) or not 0 < days <= full_days:
        raise ValueError(f"a short period has 0 < days <= full days, got {days!r} / {full_days!r}")
    if days == full_days:
        return monthly_fen
    return round_fen(Decimal(monthly_fen) / FEN_PER_YUAN * days / full_days)


def area_tax_fen(area_m2: Decimal, rate: Decimal, days: int = 1, full_days: int = 1) -> int:
    """An item levied by area (yuan/m² a month): ``area x rate`` for a full period, ``area x rate x days /
    full_days`` for a short one, rounded once to the fen."""
    if days == full_days:
        return round_fen(area_m2 * rate)
    return round_fen(area_m2 * rate * days / full_days)
