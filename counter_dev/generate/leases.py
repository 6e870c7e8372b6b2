"""Table group ``lease``, ``lease_party``, ``lease_event`` and ``printed_document``: filings with their
lifecycle (amended, terminated, cancelled, renewed), event history and printed proofs; the receipts
they will pay are scheduled (:mod:`counter_dev.generate.collection`)."""
from __future__ import annotations

import itertools
import math
from datetime import date, datetime, timedelta

import fees
from counter_dev.generate.rows import StreetState

USES = ("residential", "mixed", "commercial", "office", "factory", "warehouse", "dormitory", "other")
USE_WEIGHTS = (72, 5, 8, 7, 1.5, 1.5, 4, 1)
USE_CUM = tuple(itertools.accumulate(USE_WEIGHTS))


def _month_add(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)



class _StreetView:
    """What ``format_registration`` reads from a street."""

    def __init__(self, st: StreetState):
        self.reg_prefix = st.reg_prefix
        self.short_code = st.short_code


class Leases:
    """The generator's filings (a part of :class:`counter_dev.generate.generator.Generator`)."""

    def _lease(self, day: date, renewal) -> None:
        r = self.rng
        at = self._at(day)
        if renewal is None:
            st = r.choices(self.streets, cum_weights=self.street_cum)[0]
            use = r.choices(USES, cum_weights=USE_CUM)[0]
            prop_id, floor_area, has_title, house, room = self._new_property(st, use, at)
            org_landlord = r.random() < (0.06 if use in ("residential", "dormitory") else 0.4)
            if org_landlord:
                landlord = self._new_org(st, at, agency=False)
            elif st.landlords and r.random() < 0.3:  # landlords own several flats
                landlord = r.choice(st.landlords)
            else:
                landlord = self._new_person(st, at)
                st.landlords.append(landlord)
                if len(st.landlords) > 5000:
                    st.landlords = st.landlords[-2500:]
            tenants = [self._new_person(st, at) for _ in range(2 if r.random() < 0.12 else 1)]
            agent = None
            if r.random() < 0.2:
                if len(st.agencies) < 150:
                    st.agencies.append(self._new_org(st, at, agency=True))
                agent = r.choice(st.agencies)
            rented = floor_area if r.random() < 0.85 else max(1000, int(floor_area * r.uniform(0.3, 0.95)))
            rent_per_m2 = r.lognormvariate(math.log(95 if use in ("residential", "mixed", "dormitory") else 130), 0.35)
            rent = min(30_000, max(1_500, rented / 100 * rent_per_m2))
            rent_fen = int(round(rent / 50) * 50 * 100)
            start = day - timedelta(days=r.randrange(0, 25))
            previous = None
            sublease = r.random() < 0.03
            landlord_kind = "organization" if org_landlord else "individual"
            chain = 0
        else:
            (st, use, prop_id, floor_area, has_title, house, room, landlord, tenants, agent, rented, rent_fen, start,
             previous, sublease, landlord_kind, chain) = renewal
        signing = start - timedelta(days=r.randrange(0, 11))
        if signing > day:
            signing = day
        years = r.choices((1, 2, 3), weights=(60, 25, 15))[0]
        end = _month_add(start, 12 * years) - timedelta(days=1)
        cycle = r.choices(("monthly", "quarterly", "half_yearly", "yearly"), weights=(55, 30, 8, 7))[0]
        deposit = rent_fen * r.choice((1, 2, 2, 3))
        year = day.year
        seq = self._serial("registration", st.id, year)
        lease_id = self._id("lease")
        street_obj = _StreetView(st)
        display, code = self.format_registration(street_obj, year, seq)
        # lifecycle: decided now, the row is written in its final state and the events carry the history
        status, version, ended_on, end_reason, cancelled_on, cancel_reason = "active", 1, None, None, None, None
        final_rent = rent_fen
        events = []
        roll = r.random()
        elapsed = (self.today - start).days
        if roll < 0.01 and elapsed > 10:
            cancelled_on = min(self.today, day + timedelta(days=r.randrange(1, 60)))
            cancel_reason = r.choice(("当事人申请注销", "重复登记", "合同未实际履行"))
        elif roll < 0.045 and elapsed > 60:
            ended_on = start + timedelta(days=r.randrange(30, max(31, min(elapsed, (end - start).days))))
            end_reason = r.choice(("双方协商提前解除", "承租人提前退租", "房屋出售"))
        amend_day = None
        if r.random() < 0.08 and elapsed > 40:
            amend_day = day + timedelta(days=r.randrange(5, 40))
            if amend_day > self.today:
                amend_day = None
        if amend_day is not None:
            final_rent = int(round(rent_fen * r.choice((0.9, 0.95, 1.05, 1.1)) / 5000) * 5000) or rent_fen
            if final_rent == rent_fen:
                final_rent += 10000
            version += 1
        if ended_on is not None:
            status, version = "terminated", version + 1
        if cancelled_on is not None:
            status, version = "cancelled", version + 1

        parties = [("sublessor" if sublease else "landlord", landlord)] + [("tenant", t) for t in tenants]
        if agent is not None:
            parties.append(("agent", agent))
        self.w.add("lease", (lease_id, st.id, prop_id, year, seq, display, code, status, version, use, landlord_kind,
                             sublease, rented, signing, start, end, final_rent, deposit, cycle, day, at, st.clerk_id,
                             previous, None, ended_on, end_reason, cancelled_on, cancel_reason, None))
        self.stats.leases += 1
        for pos, (role, p) in enumerate(parties):
            self.w.add("lease_party", (self._id("lease_party"), st.id, lease_id, p[0], role, pos))
            self.stats.lease_parties += 1

        snap = {"registration_code": code, "status": "active", "lease_use": use, "landlord_kind": landlord_kind,
                "is_sublease": sublease, "rented_area_centi": rented, "signing_date": signing.isoformat(),
                "start_date": start.isoformat(), "end_date": end.isoformat(), "monthly_rent_fen": rent_fen,
                "deposit_fen": deposit, "payment_cycle": cycle, "ended_on": None, "end_reason": None,
                "cancelled_on": None, "cancel_reason": None, "overlap_note": None, "version": 1,
                "property": {"house_code": house, "address": st.building_addr, "room": room},
                "parties": [{"role": role, "name": p[1], "kind": p[2], "id_type": p[3], "id_number": p[4], "phone": p[5]}
                            for role, p in parties]}
        events.append(("renewal" if previous else "register", at, day, "续租" if previous else None, None, dict(snap)))
        if previous:
            prev_at = at + timedelta(seconds=1)
            events.append(("renewed", prev_at, day, "续租", None, {"renewed_by": code, "renewal_id": lease_id},
                            previous))
        v = 1
        if amend_day is not None:
            before = dict(snap)
            v += 1
            snap = dict(snap, monthly_rent_fen=final_rent, version=v)
            events.append(("amend", self._at(amend_day), amend_day, "租金调整", before, dict(snap)))
        if ended_on is not None:
            before = dict(snap)
            v += 1
            snap = dict(snap, status="terminated", ended_on=ended_on.isoformat(), end_reason=end_reason, version=v)
            when = min(self.today, ended_on + timedelta(days=r.randrange(0, 10)))
            events.append(("terminate", self._at(when), when, end_reason, before, dict(snap)))
        if cancelled_on is not None:
            before = dict(snap)
            v += 1
            snap = dict(snap, status="cancelled", cancelled_on=cancelled_on.isoformat(), cancel_reason=cancel_reason,
                        version=v)
            events.append(("cancel", self._at(cancelled_on), cancelled_on, cancel_reason, before, dict(snap)))
        for ev in events:
            kind, ev_at, ev_day, reason, before, after = ev[:6]
            target = ev[6] if len(ev) > 6 else lease_id
            ev_version = after.get("version", 1)  # "renewed" (on the previous lease): 1
            self.w.add("lease_event", (self._id("lease_event"), st.id, target, kind, ev_version, ev_at, ev_day,
                                       st.clerk_id, st.clerk_name, reason, self.w.value_json(before),
                                       self.w.value_json(after)))
            self.stats.events += 1

        # printed proof at the window (about a third of the filings; families need the slip for school places)
        if cancelled_on is None and r.random() < 0.35:
            kind = "certificate" if has_title and use != "dormitory" else "info_slip"
            holder_id, holder = tenants[0][:2]
            self._document(st, day, at, kind, holder, lease_id=lease_id, holder_party_id=holder_id,
                           purpose="学位申请" if kind == "info_slip" else None,
                           paper="A4" if kind == "info_slip" else None)

        # tax: about 60 % of the active filings pay tax at the window, by rent period (anchored at the term's
        # start, the last one short), a run of periods per receipt, up to three receipts
        if cancelled_on is None and r.random() < 0.6:
            months = {"monthly": 3, "quarterly": 3, "half_yearly": 6, "yearly": 12}[cycle]
            periods = fees.rent_periods(start, ended_on or end)
            lease_ref = (st, lease_id, use, landlord_kind, rent_fen, final_rent, amend_day, tenants, landlord)
            pay_day = day
            for k in range(r.choice((1, 1, 2, 3))):
                run = periods[k * months:(k + 1) * months]
                if not run:
                    break
                self._schedule(pay_day, "receipt", (lease_ref, [(p.start, p.end, p.days / p.full_days) for p in run]))
                following = periods[(k + 1) * months] if (k + 1) * months < len(periods) else None
                if following is None:
                    break
                pay_day = max(pay_day + timedelta(days=1), following.start + timedelta(days=r.randrange(0, 10)))

        # renewal of an active lease that ran its term: same property and parties, a new filing
        if status == "active" and chain < 3 and r.random() < 0.25:
            new_start = end + timedelta(days=1)
            file_day = new_start + timedelta(days=r.randrange(0, 20))
            new_rent = int(round(final_rent * r.uniform(1.0, 1.1) / 5000) * 5000) or final_rent
            self._schedule(file_day, "renewal", (st, use, prop_id, floor_area, has_title, house, room, landlord,
                                                 tenants, agent, rented, new_rent, new_start, lease_id, sublease,
                                                 landlord_kind, chain + 1))

    def _document(self, st: StreetState, day: date, at: datetime, kind: str, holder: str, *, lease_id=None,
                  receipt_id=None, holder_party_id=None, purpose=None, paper=None) -> None:
        seq = self._serial("document", st.id, day.year)
        number = f"DOC-{st.short_code}-{day.year}-{seq:06d}"
        self.w.add("printed_document", (self._id("printed_document"), st.id, kind, day.year, seq, number,
                                        self.verify_code_for(number), lease_id, 1 if lease_id else None, receipt_id,
                                        None, None, holder[:120], holder_party_id, purpose, paper, None, 0, None,
                                        st.clerk_id, st.clerk_name, at + timedelta(seconds=30), day, day))
        self.stats.documents += 1
