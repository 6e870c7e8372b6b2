"""Bank statements (UTF-8, UTF-8 with BOM, GBK; Chinese or English headers) and reconciliation."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from counter.audit.models import AuditEntry
from counter.extensions import db
from counter.ledger import services as S
from counter.ledger.models import BankLine, ReconciliationResolution
from counter.ledger.statement import StatementError, parse_statement
from ledger_testlib import seed_two_streets

ZH_CSV = ("招商银行 对账单\n账号: 7559 0000 1234\n"
          "交易日期,金额,交易参考号,对方户名,摘要\n"
          "2026-03-02,15.00,POS001,张三,租赁税代征\n"
          "2026/3/21,\"9.00\",tr004,李四,转账\n"
          "20260305,88.80,UNKNOWN9,王五,不明来款\n"
          "\n")


def test_gbk_and_utf8_statements_parse_the_same():
    utf8 = parse_statement(ZH_CSV.encode("utf-8"))
    bom = parse_statement(b"\xef\xbb\xbf" + ZH_CSV.encode("utf-8"))
    gbk = parse_statement(ZH_CSV.encode("gbk"))
    assert (utf8.encoding, bom.encoding, gbk.encoding) == ("utf-8", "utf-8-sig", "gb18030")
    for parsed in (utf8, bom, gbk):
        assert [(ln.line_no, ln.txn_date, ln.amount_fen, ln.reference, ln.counterparty) for ln in parsed.lines] == [
            (4, date(2026, 3, 2), 1500, "POS001", "张三"),
            (5, date(2026, 3, 21), 900, "tr004", "李四"),
            (6, date(2026, 3, 5), 8880, "UNKNOWN9", "王五")]
        assert parsed.lines[0].description == "租赁税代征"


def test_english_headers_any_order_and_signed_amounts():
    text = "Reference,Amount,Date,Payer\nA1,\"1,234.56\",2026-03-01,X\nA2,-12.30,2026-03-02,Y\nA3,¥7,2026-03-03,\n"
    parsed = parse_statement(text.encode("utf-8"))
    assert [ln.amount_fen for ln in parsed.lines] == [123456, -1230, 700]
    assert parsed.lines[0].counterparty == "X" and parsed.lines[2].counterparty is None


@pytest.mark.parametrize("content, fragment", [
    (b"", "文件为空"),
    ("名称,值\n1,2\n".encode("utf-8"), "未找到表头"),
    ("交易日期,金额,交易参考号\n2026-13-45,1.00,A\n".encode("utf-8"), "第 2 行"),
    ("交易日期,金额,交易参考号\n2026-03-01,1.005,A\n".encode("utf-8"), "第 2 行"),
    ("交易日期,金额,交易参考号\n".encode("utf-8"), "没有交易记录"),
    (b"\xff\xfe\x00\x00\x81", "既不是 UTF-8"),
])
def test_bad_files_are_refused_with_messages_in_the_users_language(app, content, fragment):
    with app.test_request_context():
        with pytest.raises(StatementError) as exc:
            parse_statement(content)
    assert any(fragment in m for m in exc.value.messages), exc.value.messages


def test_matching_three_lists_and_resolution_audited(app, streets, users):
    data = seed_two_streets(streets, users)
    a = streets[0].id
    st = S.import_bank_statement(a, ZH_CSV.encode("gbk"), "cmb-202603.csv")
    assert (st.line_count, st.total_fen, st.period_start, st.period_end) == (3, 1500 + 900 + 8880, date(2026, 3, 2),
                                                                            date(2026, 3, 21))
    rec = S.reconcile(st)
    # POS001 (card, ¥15.00, 2 March) and TR004 (transfer, ¥9.00 on 20 March, bank 21 March, case differs) match
    assert [(m.line.reference, m.receipt.id, m.how) for m in rec.matched] == [
        ("POS001", data["r1"].id, "reference"), ("tr004", data["r4"].id, "reference")]
    # the unknown credit is missing from the ledger; cash, void and street B receipts are never expected
    assert [i.obj.reference for i in rec.missing_from_ledger] == ["UNKNOWN9"]
    assert rec.missing_from_bank == []  # R5 (April) is outside the statement period
    assert rec.open_items == 1

    # a narrower tolerance: TR004 one day late no longer matches -> both sides unmatched
    strict = S.reconcile(st, tolerance_days=0)
    assert [m.line.reference for m in strict.matched] == ["POS001"]
    assert [i.target_id for i in strict.missing_from_bank] == [data["r4"].id]
    assert {i.obj.reference for i in strict.missing_from_ledger} == {"tr004", "UNKNOWN9"}

    item = rec.missing_from_ledger[0]
    with pytest.raises(S.LedgerError):
        S.resolve_item(item, "   ")
    res = S.resolve_item(item, "误入账款，已联系银行退回")
    assert res.bank_line_id == item.target_id and res.street_id == a
    again = S.reconcile(st)
    assert again.missing_from_ledger[0].resolution.note == "误入账款，已联系银行退回" and again.open_items == 0
    with pytest.raises(S.LedgerError):
        S.resolve_item(again.missing_from_ledger[0], "twice")
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "ledger.reconcile.resolve")).one()
    assert audit.after["note"] == "误入账款，已联系银行退回" and audit.after["amount_fen"] == 8880
    assert audit.street_id == a
    # the same file twice is refused
    with pytest.raises(StatementError):
        S.import_bank_statement(a, ZH_CSV.encode("gbk"), "again.csv")
    db.session.commit()


def test_receipt_missing_from_bank_and_amount_mismatch_hint(app, streets, users):
    data = seed_two_streets(streets, users)
    a = streets[0].id
    csv_text = ("date,amount,reference\n"
                "2026-03-02,15.01,POS001\n"        # same reference, different amount: not a match
                "2026-03-20,9.00,\n")              # no reference: matched to TR004 by amount and date
    st = S.import_bank_statement(a, csv_text.encode("utf-8"), "s.csv")
    rec = S.reconcile(st)
    assert [(m.receipt.id, m.how) for m in rec.matched] == [(data["r4"].id, "amount_date")]
    assert [i.target_id for i in rec.missing_from_bank] == [data["r1"].id]
    assert [i.obj.reference for i in rec.missing_from_ledger] == ["POS001"]
    assert data["r1"].receipt_number in rec.missing_from_ledger[0].hint and "15.00" in rec.missing_from_ledger[0].hint
    res = S.resolve_item(rec.missing_from_bank[0], "POS settled 15.01 incl. fee: bank error")
    assert res.receipt_id == data["r1"].id
    db.session.commit()


def test_statement_rows_are_append_only(app, streets, users):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    data = seed_two_streets(streets, users)
    st = S.import_bank_statement(streets[0].id, ZH_CSV.encode("utf-8"), "s.csv")
    S.resolve_item(S.reconcile(st).missing_from_ledger[0], "note")
    db.session.commit()
    assert data
    for sql in ("UPDATE bank_line SET amount_fen = 1", "DELETE FROM bank_line", "DELETE FROM bank_statement",
                "UPDATE bank_statement SET total_fen = 0", "UPDATE reconciliation_resolution SET note = 'x'",
                "DELETE FROM reconciliation_resolution"):
        with pytest.raises(DBAPIError):
            db.session.execute(text(sql))
        db.session.rollback()
    assert db.session.query(BankLine).count() == 3
    assert db.session.scalar(select(ReconciliationResolution.note)) == "note"
