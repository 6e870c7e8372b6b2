"""Money: integer fen at every boundary, :class:`decimal.Decimal` inside, never float.

THE rounding rule (the only place in the engine where rounding happens)
---------------------------------------------------------------------
* **Tax is rounded to the fen, half up (ROUND_HALF_UP), once per item per month.**
  Each :class:`fees.AssessmentLine` is computed exactly in Decimal
  (``base x rate``, then minimum, then reduction) and rounded once with
  :func:`round_fen`. Nothing is rounded in between (e.g. ``rent / 1.05`` is
  never rounded on its own).
* **The total is the sum of the rounded lines**; per-item totals on the receipt
  are sums of rounded lines too. Totals are never recomputed from unrounded
  amounts.
* Items whose base is another tax (surcharges on VAT; IIT's deduction of the
  taxes levied) use the *rounded* amount of that other line - the tax actually
  levied.
* The only other rounding is the guidance-rent floor (guidance yuan/m2 x area),
  which is rounded to the fen half up with the same :func:`round_fen` so that
  the taxable monthly rent is an integer number of fen.

Other modules must not round anywhere else: they call :func:`round_fen`.

:func:`yuan_to_fen` is for *user input* and never rounds: more than two
decimals is an error, not something to round away.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["round_fen", "fen_to_yuan", "yuan_to_fen", "format_yuan", "FEN_PER_YUAN"]

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
