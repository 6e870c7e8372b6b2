"""Rental tax services: the bridge between the database and the pure engine :mod:`fees`.

Public API other modules use (flush only, never commit)::

    schedule_set(on=None) -> fees.ScheduleSet          # the active rate schedule versions
    guidance_rents() -> fees.GuidanceRents
    facts_for_lease(lease) -> fees.LeaseFacts
    assess_lease(lease, first, last, assessed_on=None, repair_cost_fen=0, *, periods=None)
        -> fees.Assessment   # the lease's rent periods first..last (or ``periods``); no DB write
    record_assessment(lease, assessment) -> AssessmentRecord                 # flush only
    explain_record(record, locale) -> str               # from the stored snapshot, no recomputation
    sample_refusal(assessment) -> str | None            # production: why collecting on it is refused
    refuse_sample_in_production(assessment)             # raises SampleRatesRefused (production only)

Schedule administration (district admin): :func:`create_version`, :func:`update_draft`,
:func:`activate_version`, :func:`preview`.

Provenance: every schedule version and guidance rent is ``sample`` or ``confirmed`` with its legal source
(:mod:`fees.model`). :func:`ensure_tax_reference` loads sample data only when asked (``seed-demo``,
``counter load-reference --samples``); in production (:func:`counter.config.is_production`) collecting
on an assessment that rests on sample data is refused (:func:`refuse_sample_in_production`).
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from importlib import resources

from flask import current_app, g, has_app_context, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, tuple_

import fees
from counter.audit.service import record as audit
from counter.config import is_production
from counter.core.locks import advisory_lock
from counter.core.timeutil import business_today, office_tz, utcnow
from counter.extensions import db
from counter.tax.models import AssessmentRecord, GuidanceRent, RateScheduleVersion


class TaxError(Exception):
    """A business rule of the tax module refused the action (message is for the log / developer)."""


class VersionFrozen(TaxError):
    """Only draft versions can change; active and retired versions are frozen."""


class SampleRatesRefused(TaxError):
    """Production refuses to collect on sample rates or sample guidance rents; the message (in the user's
    language) tells the administrator what to confirm, with its sources."""


class ScheduleTextError(TaxError):
    """The schedule text could not be parsed or validated; ``errors`` lists the problems
    (:class:`fees.ScheduleProblem`: the English text, with the Chinese in ``.zh``); :meth:`messages`
    gives them in the user's language."""

    def __init__(self, errors: list[str]):
        self.errors = [fees.ScheduleProblem.of(e) for e in errors]
        super().__init__("; ".join(self.errors))

    def messages(self, lang: str | None) -> list[str]:
        return [e.text(lang) for e in self.errors]


# --------------------------------------------------------------------------------------- helpers

def _actor() -> tuple[int | None, str]:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.username
    return None, "system"


def _end_of_business_day_utc(day: date) -> datetime:
    """The first instant after ``day`` in the office's zone, as aware UTC."""
    nxt = datetime.combine(day, time.min, tzinfo=office_tz()) + timedelta(days=1)
    return nxt.astimezone(timezone.utc)


def version_schedule(v: RateScheduleVersion) -> fees.RateSchedule:
    """The engine's schedule object of a stored version."""
    return fees.RateSchedule.from_dict(v.data)


# ------------------------------------------------------------------------------ reading schedules

def active_versions() -> list[RateScheduleVersion]:
    return list(db.session.scalars(select(RateScheduleVersion).where(RateScheduleVersion.status == "active")
                                   .order_by(RateScheduleVersion.schedule_id)))


def versions_active_on(on: date) -> list[RateScheduleVersion]:
    """The versions that were active at the end of business day ``on`` (activation history).
    A version activated without a time (shipped reference data) counts as active since installation."""
    cutoff = _end_of_business_day_utc(on)
    rows = db.session.scalars(select(RateScheduleVersion).where(RateScheduleVersion.status.in_(("active", "retired")))
                              .order_by(RateScheduleVersion.schedule_id, RateScheduleVersion.version))
    out = []
    for v in rows:
        if v.activated_at is not None and v.activated_at >= cutoff:
            continue
        if v.retired_at is not None and v.retired_at < cutoff:
            continue
        out.append(v)
    return out


# Parsed schedules, per process: a version that is not a draft is frozen (trigger of migration 0003), so
# its parse is keyed by (database, row id, schedule id, version, activation time) — a rolled-back activation
# that is edited and activated again gets a new key. Which versions apply is read from the database on every call (one light query,
# without the schedules' JSON): an activation through any process or server is seen by the next request.
_PARSED: dict[tuple, fees.RateSchedule] = {}
_SETS: dict[tuple, fees.ScheduleSet] = {}
_CACHE_MAX = 256


def _version_stamps(on: date | None) -> list[tuple]:
    """(id, schedule_id, version, activated_at) of the versions in force now (``on`` None) or at the end
    of business day ``on``, in the order of :func:`active_versions` / :func:`versions_active_on`."""
    v = RateScheduleVersion
    cols = (v.id, v.schedule_id, v.version, v.activated_at, v.retired_at)
    if on is None:
        rows = db.session.execute(select(*cols).where(v.status == "active").order_by(v.schedule_id)).all()
        return [(r.id, r.schedule_id, r.version, r.activated_at) for r in rows]
    cutoff = _end_of_business_day_utc(on)
    rows = db.session.execute(select(*cols).where(v.status.in_(("active", "retired")))
                              .order_by(v.schedule_id, v.version)).all()
    return [(r.id, r.schedule_id, r.version, r.activated_at) for r in rows
            if not (r.activated_at is not None and r.activated_at >= cutoff)
            and not (r.retired_at is not None and r.retired_at < cutoff)]


def _key(stamp: tuple) -> tuple:
    return (db.engine.url.render_as_string(hide_password=True), *stamp)


def _parsed(stamps: list[tuple]) -> list[fees.RateSchedule]:
    keys = [_key(s) for s in stamps]
    missing = [s[0] for s, k in zip(stamps, keys) if k not in _PARSED]
    if missing:
        if len(_PARSED) + len(missing) > _CACHE_MAX:
            _PARSED.clear()
            _SETS.clear()
        for row in db.session.scalars(select(RateScheduleVersion).where(RateScheduleVersion.id.in_(missing))):
            _PARSED[_key((row.id, row.schedule_id, row.version, row.activated_at))] = version_schedule(row)
    return [_PARSED[k] for k in keys]


def schedule_set(on: date | None = None) -> fees.ScheduleSet:
    """The active rate schedule versions as a :class:`fees.ScheduleSet` (``on``: as they were at the end
    of that business day; default: now). One light query per call; each frozen version is parsed once per
    process."""
    stamps = _version_stamps(on)
    key = tuple(_key(s) for s in stamps)
    got = _SETS.get(key)
    if got is None:
        got = fees.ScheduleSet(_parsed(stamps))
        if len(_SETS) >= _CACHE_MAX:
            _SETS.clear()
        _SETS[key] = got
    if has_request_context():
        g.counter_schedule_rows = {(s[1], s[2]): s[0] for s in stamps}
    return got


def guidance_rents(street_code: str | None = None, use: str | None = None) -> fees.GuidanceRents:
    """The guidance rents (of one street and use when given: what one assessment can look up)."""
    stmt = select(GuidanceRent)
    if street_code is not None:
        stmt = stmt.where(GuidanceRent.street_code == street_code)
    if use is not None:
        stmt = stmt.where(GuidanceRent.use == use)
    rows = db.session.scalars(stmt.order_by(GuidanceRent.street_code, GuidanceRent.use, GuidanceRent.effective_from))
    return fees.GuidanceRents(
        fees.GuidanceRent(street_code=g.street_code, use=g.use, yuan_per_m2_month=fees.fen_to_yuan(g.fen_per_m2_month),
                          effective_from=g.effective_from, effective_to=g.effective_to, sample=g.is_sample,
                          source=g.legal_source or "")
        for g in rows)


# --------------------------------------------------------------------------------- lease adapter

def facts_for_lease(lease) -> fees.LeaseFacts:
    """The engine's lease facts from a :class:`counter.leases.models.Lease`."""
    from counter.streets.models import Street

    street = db.session.get(Street, lease.street_id)
    area = None if lease.rented_area_centi is None else (Decimal(lease.rented_area_centi) / 100).quantize(Decimal("0.01"))
    return fees.LeaseFacts(landlord_kind=lease.landlord_kind, use=lease.lease_use,
                           monthly_rent_fen=int(lease.monthly_rent_fen), area_m2=area,
                           street_code=street.code if street is not None else None)


def assess_facts(facts: fees.LeaseFacts, first: fees.YearMonth | None = None, last: fees.YearMonth | None = None,
                 assessed_on: date | None = None, schedules: fees.ScheduleSet | None = None,
                 repair_cost_fen: int = 0, *, periods: list[fees.Period] | None = None) -> fees.Assessment:
    """Assess ``facts`` under the active schedules and the guidance rents: over ``periods`` (rent periods,
    :func:`fees.rent_periods`), or over the calendar months ``first..last`` (the schedule preview)."""
    kw = dict(assessed_on=assessed_on or business_today(),
              schedules=schedules if schedules is not None else schedule_set(),
              # the engine looks up the lease's street and use only (none without a street)
              guidance=guidance_rents(facts.street_code, facts.use) if facts.street_code else fees.GuidanceRents(),
              repair_cost_fen=repair_cost_fen)
    if periods is not None:
        return fees.assess_periods(facts, periods, **kw)
    return fees.assess(facts, first=first, last=last, **kw)


def assess_lease(lease, first=None, last=None, assessed_on: date | None = None,
                 repair_cost_fen: int = 0, *, periods: list[fees.Period] | None = None) -> fees.Assessment:
    """Assess a lease under the active schedules and the guidance rents (no DB write), over its rent
    periods ``first..last`` (named by start date or by the month they start in,
    :func:`counter.collection.services.tax_periods`) or over ``periods``. ``repair_cost_fen``: repair
    costs borne by an individual landlord (修缮费用, from invoices), deducted from income tax."""
    if periods is None:
        from counter.collection.services import tax_periods

        periods = tax_periods(lease, first, last)
    return assess_facts(facts_for_lease(lease), assessed_on=assessed_on, repair_cost_fen=repair_cost_fen,
                        periods=periods)


def _documents(sources: str, keep: int = 4) -> str:
    docs = [d for d in (sources or "").split("；") if d]
    if len(docs) > keep:
        return "；".join(docs[:keep]) + _("; and %(n)d more", n=len(docs) - keep)
    return "；".join(docs) or _("no source recorded")


def sample_refusal(assessment: fees.Assessment) -> str | None:
    """Why production refuses to collect on ``assessment`` (sample rates or sample guidance rents, with
    their sources), in the user's language; None when it rests on confirmed data only."""
    parts = []
    for kind, label, sources in assessment.sample_sources():
        if kind == "schedule":
            parts.append(_("rate schedule %(label)s (sources: %(sources)s)", label=label, sources=_documents(sources)))
        else:
            parts.append(_("guidance rents of %(label)s (sources: %(sources)s)", label=label,
                           sources=_documents(sources)))
    if not parts:
        return None
    return _("Production does not collect on sample data: %(what)s. A district administrator must check "
             "the rates against these legal sources with the tax bureau and activate a confirmed version "
             "(status = \"confirmed\", each source with its date).", what="; ".join(parts))


def refuse_sample_in_production(assessment: fees.Assessment) -> None:
    """Raise :class:`SampleRatesRefused` when the configuration is production's and the assessment rests
    on sample data. In demo mode nothing is refused (the screens and the receipt say 示例税率)."""
    if has_app_context() and is_production(current_app.config):
        reason = sample_refusal(assessment)
        if reason:
            raise SampleRatesRefused(reason)


def record_assessment(lease, assessment: fees.Assessment, *, street_id: int | None = None) -> AssessmentRecord:
    """Store the snapshot of ``assessment`` (flush only). Every schedule version it used must be a
    stored, non-draft version (so that it is frozen for ever)."""
    refs = []
    known = getattr(g, "counter_schedule_rows", {}) if has_request_context() else {}
    used = list(assessment.schedules_used)
    if any(k not in known for k in used):  # not read by this request's schedule_set(): look them up
        v = RateScheduleVersion
        known = {(r.schedule_id, r.version): r.id for r in db.session.execute(
            select(v.id, v.schedule_id, v.version).where(
                v.status != "draft", tuple_(v.schedule_id, v.version).in_(used))).all()} if used else {}
    for sid, ver in used:
        row_id = known.get((sid, ver))
        if row_id is None:
            raise TaxError(f"assessment used {sid} v{ver}, which is not an activated schedule version")
        refs.append({"id": sid, "version": ver, "version_row_id": row_id})
    if lease is not None:
        street_id = lease.street_id
    if street_id is None:
        raise TaxError("an assessment record needs a lease or a street")
    user_id, username = _actor()
    rec = AssessmentRecord(
        lease_id=None if lease is None else lease.id, street_id=street_id, assessed_on=assessment.assessed_on,
        first_month=str(assessment.first), last_month=str(assessment.last), facts=assessment.facts.to_dict(),
        result=assessment.to_dict(), total_fen=assessment.total_fen, schedules=refs,
        repair_cost_fen=assessment.repair_cost_fen, repair_carry_fen=assessment.repair_carry_fen,
        created_by_id=user_id, created_by=username)
    db.session.add(rec)
    db.session.flush()
    return rec


def record_assessment_object(record: AssessmentRecord) -> fees.Assessment:
    """The stored :class:`fees.Assessment` of a record (rebuilt from JSON, never recomputed)."""
    return fees.Assessment.from_dict(record.result)


def explain_record(record: AssessmentRecord, locale: str) -> str:
    """The plain-language explanation of a stored assessment, from its snapshot only."""
    return record_assessment_object(record).explain("en" if str(locale).startswith("en") else "zh")


# ----------------------------------------------------------------------------- schedule editing

def version_text(v: RateScheduleVersion) -> str:
    """The editable text of a version (JSON, same shape as the TOML files)."""
    return json.dumps(v.data, ensure_ascii=False, indent=2)


def parse_schedule_text(text: str) -> dict:
    """JSON (starting with ``{``) or TOML text -> a schedule dict; raises :class:`ScheduleTextError`."""
    text = (text or "").strip()
    if not text:
        raise ScheduleTextError([fees.ScheduleProblem("the schedule text is empty", "税率表内容为空")])
    try:
        if text.startswith("{"):
            d = json.loads(text)
        else:
            d = tomllib.loads(text)
            if "schedule" in d and isinstance(d["schedule"], list):
                if len(d["schedule"]) != 1:
                    n = len(d["schedule"])
                    raise ScheduleTextError([fees.ScheduleProblem(
                        f"exactly one schedule is expected, the text has {n}",
                        f"只能填写一个税率表，文本中有 {n} 个（[[schedule]]）")])
                d = d["schedule"][0]
    except json.JSONDecodeError as exc:
        raise ScheduleTextError([fees.json_problem(exc)]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleTextError([fees.toml_problem(exc)]) from None
    if not isinstance(d, dict):
        raise ScheduleTextError([fees.validate_schedule(d)[0]])
    return d


def _lock_schedule(v: RateScheduleVersion) -> None:
    """Serialise the changes of one schedule id and re-read the version (another administrator may have
    activated or discarded it a moment ago)."""
    from sqlalchemy.exc import InvalidRequestError

    advisory_lock("schedule", v.schedule_id)
    try:
        db.session.refresh(v)
    except InvalidRequestError:
        raise VersionFrozen(f"{v.label} no longer exists: it was discarded") from None


def _next_version(schedule_id: str) -> int:
    cur = db.session.scalar(select(func.max(RateScheduleVersion.version))
                            .where(RateScheduleVersion.schedule_id == schedule_id))
    return (cur or 0) + 1


def _validated(d: dict) -> fees.RateSchedule:
    errors = fees.validate_schedule(d)
    if errors:
        raise ScheduleTextError(errors)
    try:
        return fees.RateSchedule.from_dict(d)
    except fees.ScheduleError as exc:
        raise ScheduleTextError(exc.problems) from None
    except (fees.FeesError, ValueError, KeyError, TypeError) as exc:
        raise ScheduleTextError([fees.ScheduleProblem(f"the schedule cannot be read: {exc}",
                                                      f"无法读取税率表：{exc}")]) from None


def _apply(v: RateScheduleVersion, sched: fees.RateSchedule) -> None:
    v.title_zh, v.title_en = sched.title_zh[:200], sched.title_en[:200]
    v.effective_from, v.effective_to = sched.effective_from, sched.effective_to
    v.mode, v.sample, v.priority = sched.mode, sched.sample, sched.priority
    v.provenance, v.legal_source = sched.status, sched.sources_label or None
    v.data = sched.to_dict()


_AUDIT_FIELDS = ("schedule_id", "version", "status", "effective_from", "effective_to", "mode", "provenance",
                 "legal_source", "priority")


def _snap(v: RateScheduleVersion) -> dict:
    return {f: getattr(v, f) for f in _AUDIT_FIELDS}


def create_version(text: str, based_on: RateScheduleVersion | None = None, note: str | None = None) -> RateScheduleVersion:
    """A new draft version from schedule text. The version number is assigned here (max + 1 for the
    schedule id written in the text). Raises :class:`ScheduleTextError`."""
    d = parse_schedule_text(text)
    sid = d.get("id")
    if isinstance(sid, str) and sid:
        advisory_lock("schedule", sid)  # two administrators creating a version get numbers n and n + 1
        d["version"] = _next_version(sid)
    sched = _validated(d)
    user_id, username = _actor()
    v = RateScheduleVersion(schedule_id=sched.id, version=sched.version, status="draft", note=note or None,
                            based_on_id=based_on.id if based_on is not None else None,
                            created_by_id=user_id, created_by=username)
    _apply(v, sched)
    db.session.add(v)
    db.session.flush()
    audit("tax.schedule.create", obj=v, summary=f"{v.label} (draft)"
          + (f" based on {based_on.label}" if based_on is not None else ""), after=_snap(v))
    return v


def update_draft(v: RateScheduleVersion, text: str, note: str | None = None) -> RateScheduleVersion:
    """Change a draft. Active and retired versions are frozen (:class:`VersionFrozen`; the database
    refuses it too). The schedule id and version of a draft cannot change."""
    _lock_schedule(v)
    if v.status != "draft":
        raise VersionFrozen(f"{v.label} is {v.status}: only drafts can change; create a new version")
    d = parse_schedule_text(text)
    if d.get("id") != v.schedule_id:
        raise ScheduleTextError([fees.ScheduleProblem(
            f"id must stay {v.schedule_id!r} (create a new version for another id)",
            f"id 必须保持为 {v.schedule_id!r}（如需使用其他 id，请新建版本）")])
    d["version"] = v.version
    sched = _validated(d)
    before = _snap(v) | {"data": v.data}
    _apply(v, sched)
    v.note = note or v.note
    db.session.flush()
    audit("tax.schedule.edit", obj=v, summary=f"{v.label} (draft)", before=before, after=_snap(v) | {"data": v.data})
    return v


def activate_version(v: RateScheduleVersion) -> RateScheduleVersion | None:
    """Activate a draft; the active version of the same schedule id (if any) is retired (never
    overwritten). Returns the retired version. The schedule id's changes run one at a time and the
    draft is re-read first: a second activation of the same draft, or of another draft of the same
    schedule at the same moment, finds the state the first one left."""
    _lock_schedule(v)
    if v.status != "draft":
        raise VersionFrozen(f"{v.label} is {v.status}: only a draft can be activated")
    _validated(dict(v.data))
    user_id, username = _actor()
    now = utcnow()
    old = db.session.scalar(select(RateScheduleVersion)
                            .where(RateScheduleVersion.schedule_id == v.schedule_id,
                                   RateScheduleVersion.status == "active").with_for_update())
    if old is not None:
        before = _snap(old)
        old.status, old.retired_at, old.retired_by = "retired", now, username
        db.session.flush()  # the partial unique index allows one active version per schedule id
        audit("tax.schedule.retire", obj=old, summary=f"{old.label} retired by {v.label}", before=before,
              after=_snap(old))
    before = _snap(v)
    v.status, v.activated_at, v.activated_by, v.activated_by_id = "active", now, username, user_id
    db.session.flush()
    audit("tax.schedule.activate", obj=v, summary=f"{v.label} activated"
          + (f", {old.label} retired" if old is not None else ""), before=before, after=_snap(v))
    return old


def delete_draft(v: RateScheduleVersion) -> None:
    _lock_schedule(v)
    if v.status != "draft":
        raise VersionFrozen(f"{v.label} is {v.status}: only drafts can be deleted")
    audit("tax.schedule.delete", obj=v, summary=f"{v.label} (draft) discarded", before=_snap(v))
    db.session.delete(v)
    db.session.flush()


# ------------------------------------------------------------------------------------- preview

SAMPLE_LEASES: tuple[fees.LeaseFacts, ...] = (
    fees.LeaseFacts("individual", "residential", 350000, Decimal("45.50"), "440304001"),
    fees.LeaseFacts("individual", "residential", 80000, Decimal("30.00"), "440304002"),
    fees.LeaseFacts("individual", "residential", 12000000, Decimal("400.00"), "440304005"),
    fees.LeaseFacts("individual", "mixed", 600000, Decimal("60.00"), "440304003"),
    fees.LeaseFacts("individual", "commercial", 2000000, Decimal("80.00"), "440304009"),
    fees.LeaseFacts("individual", "office", 10000001, Decimal("500.00"), "440304007"),
    fees.LeaseFacts("organization", "residential", 500000, Decimal("70.00"), "440304004"),
    fees.LeaseFacts("organization", "office", 5000000, Decimal("300.00"), "440304003"),
)


@dataclass
class PreviewRow:
    facts: fees.LeaseFacts
    current: fees.Assessment | None
    current_error: str | None
    draft: fees.Assessment | None
    draft_error: str | None

    @property
    def difference_fen(self) -> int | None:
        if self.current is None or self.draft is None:
            return None
        return self.draft.total_fen - self.current.total_fen


def preview_month(v: RateScheduleVersion, today: date | None = None) -> fees.YearMonth:
    """The month a preview is computed for: this month when the draft is in force in it, else the
    draft's first month."""
    today = today or business_today()
    first = fees.YearMonth.of(today)
    if v.effective_from <= first.first_day and (v.effective_to is None or first.first_day <= v.effective_to):
        return first
    return fees.YearMonth.of(v.effective_from)


def preview(v: RateScheduleVersion, month: fees.YearMonth | None = None,
            samples: tuple[fees.LeaseFacts, ...] = SAMPLE_LEASES) -> tuple[fees.YearMonth, list[PreviewRow]]:
    """Each sample lease assessed for one month under the active schedules and under the active
    schedules with ``v`` in place of its schedule id's active version."""
    month = month or preview_month(v)
    current_versions = active_versions()
    current = fees.ScheduleSet(version_schedule(x) for x in current_versions)
    with_draft = fees.ScheduleSet([version_schedule(x) for x in current_versions if x.schedule_id != v.schedule_id]
                                  + [version_schedule(v)])
    guidance = guidance_rents()
    today = business_today()
    rows = []
    for facts in samples:
        out = []
        for sset in (current, with_draft):
            try:
                out.append((fees.assess(facts, month, month, today, sset, guidance), None))
            except fees.FeesError as exc:
                out.append((None, str(exc)))
        rows.append(PreviewRow(facts, out[0][0], out[0][1], out[1][0], out[1][1]))
    return month, rows


# --------------------------------------------------------------------------------- reference data

_SHIPPED_NOTES = ("shipped sample schedule", "shipped schedule")


def _is_shipped(v: RateScheduleVersion) -> bool:
    """A version loaded from the shipped files by :func:`ensure_tax_reference` (not made by the office)."""
    return v.created_by == "system" and v.note in _SHIPPED_NOTES and v.based_on_id is None


def ensure_tax_reference(samples: bool = False) -> None:
    """Load the shipped schedules and guidance rents, idempotently: confirmed ones always, sample ones only
    with ``samples`` (``seed-demo``; ``counter load-reference --samples``). Every shipped table is a sample
    today, so a real install gets none unless asked.

    A newer shipped version of a sample schedule replaces the active one (the old is retired, never
    changed) as long as the office never touched that schedule id (every stored version was loaded by
    the system as a sample): e.g. ``itemised-2014-10`` v2 (business tax) replaces v1 (VAT before 营改增)."""
    for sched in fees.load_shipped_schedules():
        if sched.sample and not samples:
            continue
        stored = db.session.scalars(select(RateScheduleVersion)
                                    .where(RateScheduleVersion.schedule_id == sched.id)).all()
        if any(v.version >= sched.version for v in stored):
            continue
        if not all(_is_shipped(v) for v in stored):
            continue  # the office has its own versions of this schedule: never replaced behind its back
        now = utcnow() if stored else None
        for old in stored:
            if old.status == "active":
                old.status, old.retired_at, old.retired_by = "retired", now, "system"
        db.session.flush()
        v = RateScheduleVersion(schedule_id=sched.id, version=sched.version, status="active",
                                note=_SHIPPED_NOTES[0] if sched.sample else _SHIPPED_NOTES[1],
                                created_by="system", activated_by="system", activated_at=now)
        _apply(v, sched)
        db.session.add(v)
        db.session.flush()
    if db.session.scalar(select(func.count()).select_from(GuidanceRent)) == 0:
        text = resources.files("fees.schedules").joinpath("guidance_sample.toml").read_text(encoding="utf-8")
        table = fees.guidance_from_toml(text)
        for g in table.entries:
            if g.sample and not samples:
                continue
            db.session.add(GuidanceRent(street_code=g.street_code, use=g.use,
                                        fen_per_m2_month=fees.yuan_to_fen(g.yuan_per_m2_month),
                                        effective_from=g.effective_from, effective_to=g.effective_to,
                                        sample=g.sample, provenance="sample" if g.sample else "confirmed",
                                        legal_source=g.source or None))
    db.session.flush()
