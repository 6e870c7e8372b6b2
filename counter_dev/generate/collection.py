"""Table group ``receipt``, ``receipt_period`` and ``journal_entry``: receipts by rent period, with the
periods they cover and hash-chained journal lines (sealed with ``counter.collection``'s own ``row_hash``
and the ledger key); a few receipts voided. Tax amounts: :class:`TaxRates`."""
from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta, timezone

METHODS = ("cash", "card", "mobile", "transfer")
METHOD_WEIGHTS = (15, 20, 55, 10)
METHOD_CUM = tuple(itertools.accumulate(METHOD_WEIGHTS))


# --------------------------------------------------------------------------------------------- tax rates

class TaxRates:
    """Per-item tax of one month at a given rent, from the fees engine at a band's representative rent,
    scaled linearly to the lease's rent (cached per use, landlord kind, rent band and year)."""

    BAND_YUAN = 1000

    def __init__(self):
        from counter.tax import services as tax

        self.schedules = tax.schedule_set()
        self.guidance = tax.guidance_rents()
        self.cache: dict[tuple, list[tuple[str, str, float]]] = {}

    def items(self, use: str, kind: str, rent_fen: int, year: int) -> list[tuple[str, str, float]]:
        import fees

        band = max(1, round(rent_fen / 100 / self.BAND_YUAN))
        key = (use, kind, band, year)
        got = self.cache.get(key)
        if got is None:
            rep = band * self.BAND_YUAN * 100
            facts = fees.LeaseFacts(landlord_kind=kind, use=use, monthly_rent_fen=rep, area_m2=None,
                                    street_code=None)
            ym = fees.YearMonth(year, 7)
            try:
                a = fees.assess(facts, first=ym, last=ym, assessed_on=date(year, 7, 15), schedules=self.schedules,
                                guidance=self.guidance)
                got = [(i.item, i.name_zh, i.amount_fen / rep) for i in a.items if i.amount_fen]
            except fees.FeesError:
                got = []
            self.cache[key] = got
        return got


def _ym(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"



class Collection:
    """The generator's receipts and journal lines (a part of :class:`counter_dev.generate.generator.Generator`)."""

    def _receipt(self, day: date, payload) -> None:
        (st, lease_id, use, landlord_kind, rent0, rent1, amend_day, tenants, landlord), periods = payload
        r = self.rng
        rent = rent1 if amend_day is not None and day >= amend_day else rent0
        first, last = periods[0][0], periods[-1][1]
        n_months = sum(share for _s, _e, share in periods)  # a short last period counts its share of days
        lines = []
        for item, name, rate in self.tax.items(use, landlord_kind, rent, first.year):
            amount = int(round(rate * rent * n_months))
            if amount > 0:
                lines.append((item, name, amount))
        if not lines:
            return
        total = sum(a for _i, _n, a in lines)
        method = r.choices(METHODS, cum_weights=METHOD_CUM)[0]
        year = day.year
        seq = self._serial("receipt", st.id, year)
        rid = self._id("receipt")
        number = f"{st.short_code}-R{year}-{seq:06d}"
        issued = self._at(day)
        void = r.random() < 0.005
        reference = None if method == "cash" else f"{method[:2].upper()}{day:%Y%m%d}{r.randrange(10 ** 8):08d}"
        payer = landlord[1][:120]
        self.w.add("receipt", (rid, st.id, lease_id, year, seq, number, payer, _ym(first), _ym(periods[-1][0]), first,
                               last, total, method,
                               reference, day, st.clerk_id, issued, "void" if void else "issued",
                               f"gen-{self.seed}-{rid}-{uuid.UUID(int=r.getrandbits(128)).hex[:16]}", None, None,
                               "收款金额录入错误" if void else None,
                               issued + timedelta(minutes=20) if void else None,
                               st.supervisor_id if void else None))
        self.stats.receipts += 1
        for p_start, p_end, _share in periods:  # the periods it covers (released at once when voided)
            self.w.add("receipt_period", (self._id("receipt_period"), st.id, lease_id, rid, p_start, p_end, False,
                                          issued + timedelta(minutes=20) if void else None,
                                          st.supervisor_id if void else None))
        entries = []
        for i, (item, name, amount) in enumerate(lines):
            entries.append(self._journal(st, rid, lease_id, st.clerk_id, day, item, name, amount, method,
                                         "collection", None, issued + timedelta(milliseconds=i), (first, last)))
        if void:
            t = issued + timedelta(minutes=20)
            for i, (jid, item, name, amount) in enumerate(entries):
                self._journal(st, rid, lease_id, st.supervisor_id, day, item, name, -amount, method, "void", jid,
                              t + timedelta(milliseconds=i), (first, last))
        elif r.random() < 0.6:
            self._document(st, day, issued, "receipt", payer, receipt_id=rid, lease_id=lease_id)

    def _journal(self, st, receipt_id, lease_id, clerk_id, day, item, name, amount, method, kind, reverses, created,
                 span):
        st.journal_seq += 1
        jid = self._id("journal_entry")
        aware = created.replace(tzinfo=timezone.utc)
        values = {"street_id": st.id, "seq": st.journal_seq, "receipt_id": receipt_id, "lease_id": lease_id,
                  "clerk_id": clerk_id, "business_date": day, "item": item, "item_name_zh": name, "amount_fen": amount,
                  "method": method, "kind": kind, "reverses_id": reverses, "created_at": aware,
                  "prev_hash": st.journal_prev, "seal_version": self.seal_version, "period_start": span[0],
                  "period_end": span[1]}
        h = self.row_hash(values)
        self.w.add("journal_entry", (jid, st.id, st.journal_seq, receipt_id, lease_id, clerk_id, day, item, name,
                                     amount, method, kind, reverses, created, st.journal_prev, h, self.seal_version,
                                     span[0], span[1]))
        st.journal_prev = h
        self.stats.journal += 1
        self.touched.add(("journal", st.id, 0))
        self.counters[("journal", st.id, 0)] = st.journal_seq
        return jid, item, name, amount
