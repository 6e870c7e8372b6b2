"""``counter tax ...``: commands for tax officers and tests.

``counter tax quote --landlord individual --use residential --rent 150000 --start 2024-06-01
--end 2024-06-30 [--area 50] [--street 440304001] [--repair 1000]`` prints the breakdown of one
assessment as JSON (:func:`fees.quote_json`): per period and item the base, rate, tax, relief,
deduction and amount in yuan as strings, and the total. Nothing is written.

Periods are the rent periods of a term from ``--start`` to ``--end`` (``period_rule: rent_period``, the
rule of :mod:`fees.calendar`): anchored at the start date (15 March .. 14 April, ...), the last one
clipped to the end and prorated by days when short. Each period in the output has its ``start`` and
``end`` dates, ``days`` / ``full_days``, ``prorated``, the monthly ``taxable_rent`` and the
``period_rent``.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation

import click
from flask.cli import with_appcontext

import fees
from counter.core import bounds


@click.group("tax")
def tax_cli():
    """Rental tax (租赁税) commands."""


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"not a date (YYYY-MM-DD): {value!r}", param_hint=name) from None


def _yuan(value: str | None, name: str, maximum: Decimal) -> int:
    if value is None:
        return 0
    try:
        fen = fees.yuan_to_fen(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=name) from None
    if fen > maximum * 100:
        raise click.BadParameter(f"at most {maximum}", param_hint=name)
    return fen


@tax_cli.command("quote")
@click.option("--landlord", "landlord_kind", type=click.Choice(fees.uses.LANDLORD_KINDS), required=True)
@click.option("--use", "use", type=click.Choice(fees.uses.USES), required=True)
@click.option("--rent", required=True, help="Monthly rent in yuan, e.g. 150000 or 3500.50")
@click.option("--start", required=True, help="First day of the term taxed (YYYY-MM-DD): the periods' anchor")
@click.option("--end", required=True, help="Last day of the term taxed (YYYY-MM-DD)")
@click.option("--area", default=None, help="Rented area in m² (needed where a guidance rent applies)")
@click.option("--street", default=None, help="Street code, e.g. 440304001 (guidance rents)")
@click.option("--repair", default=None, help="Repair costs in yuan (individuals' income tax, ¥800 a month)")
@click.option("--assessed-on", "assessed_on", default=None, help="Date of the assessment (default: today)")
@click.option("--schedules", "source", type=click.Choice(["active", "shipped"]), default="active",
              show_default=True, help="The active versions in the database, or the shipped (sample) files")
@with_appcontext
def quote_command(landlord_kind, use, rent, start, end, area, street, repair, assessed_on, source):
    """Print the tax breakdown of one assessment as JSON (nothing is written)."""
    from counter.core.timeutil import business_today
    from counter.tax import services

    first_day, last_day = _date(start, "--start"), _date(end, "--end")
    if last_day < first_day:
        raise click.BadParameter("the end is before the start", param_hint="--end")
    if last_day.year - first_day.year > bounds.TERM_YEARS_MAX:
        raise click.BadParameter(f"at most {bounds.TERM_YEARS_MAX} years", param_hint="--end")
    area_m2 = None
    if area is not None:
        try:
            area_m2 = Decimal(area.strip())
        except InvalidOperation:
            raise click.BadParameter(f"not a number: {area!r}", param_hint="--area") from None
        if not area_m2.is_finite() or area_m2 < 0 or area_m2 > bounds.AREA_MAX_M2 \
                or area_m2 != area_m2.quantize(Decimal(1).scaleb(-bounds.AREA_PLACES)):
            raise click.BadParameter(f"0 to {bounds.AREA_MAX_M2} m², {bounds.AREA_PLACES} decimals", param_hint="--area")
    facts = fees.LeaseFacts(landlord_kind=landlord_kind, use=use,
                            monthly_rent_fen=_yuan(rent, "--rent", bounds.MONTHLY_RENT_MAX),
                            area_m2=area_m2, street_code=(street or "").strip() or None)
    if source == "shipped":
        schedules, guidance = fees.ScheduleSet(fees.load_shipped_schedules(fees.SHIPPED_ITEMISED_IDS)), \
            fees.load_sample_guidance()
    else:
        schedules, guidance = services.schedule_set(), services.guidance_rents()
        if not len(schedules):
            raise click.ClickException("no active rate schedule: load them (counter load-reference --samples for "
                                       "the samples) or use --schedules shipped")
    try:
        a = fees.assess_periods(facts, fees.rent_periods(first_day, last_day),
                                _date(assessed_on, "--assessed-on") if assessed_on else business_today(), schedules,
                                guidance, repair_cost_fen=_yuan(repair, "--repair", bounds.MONTHLY_RENT_MAX))
    except fees.FeesError as exc:
        raise click.ClickException(str(exc)) from exc
    out = fees.quote_json(a)
    click.echo(json.dumps(out, ensure_ascii=False, indent=2))
