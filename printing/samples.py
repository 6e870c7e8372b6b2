"""Sample documents (fictitious data) for tests, benchmarks and template previews."""

from __future__ import annotations

from datetime import date, datetime

from .documents import (CertificateData, DayCloseData, DocumentMeta, InfoSlipData,
                        LedgerReportData, PartyLine, ReceiptData, ReceiptLine)
from .numerals import amount_in_words  # noqa: F401  (re-exported for convenience)
from .tokens import document_claims, generate_keypair, qr_payload, sign_token

OFFICE = dict(
    office_name="福田区南园街道房屋租赁管理所",
    office_address="深圳市福田区南园路68号",
    office_phone="0755-8300 0000",
)
VERIFY_BASE = "https://zl.szft.example.cn/v/"
_KEY = None


def sample_key():
    global _KEY
    if _KEY is None:
        _KEY = generate_keypair()[0]
    return _KEY


def sample_meta(doc_number="DOC-FT01-2026-000123", kind="certificate", holder="𠮷*堃",
                lease=(date(2026, 1, 1), date(2026, 12, 31)), reprint_count=0,
                issued_at=date(2026, 1, 8), original=date(2026, 1, 8), key=None):
    claims = document_claims(doc_number, kind, holder, lease[0], lease[1], original)
    token = sign_token(key or sample_key(), claims)
    url = VERIFY_BASE + doc_number
    return DocumentMeta(
        doc_number=doc_number, verify_url=url, qr_payload=qr_payload(url, token),
        issued_at=issued_at, original_issue_date=original, reprint_count=reprint_count,
        printed_by="王小明", **OFFICE)


TENANT = PartyLine("承租人", "𠮷堃", "居民身份证", "4403**********1234", "138****5678")
LANDLORD = PartyLine("出租人", "李建国", "居民身份证", "4403**********0016", "139****0001")
AGENT = PartyLine("经纪机构", "深圳市安居房地产经纪有限公司", "统一社会信用代码",
                  "91440300MA5******X")


def sample_certificate(**meta_kw) -> CertificateData:
    return CertificateData(
        meta=sample_meta(kind="certificate", **meta_kw),
        registration_number_display="深福南租备〔2026〕第000123号",
        registration_number_code="FT01-2026-000123",
        street_office="南园街道",
        parties=[LANDLORD, TENANT, AGENT],
        property_address="深圳市福田区南园街道滨河路南园新村12栋3单元1502房",
        house_code="4403040010010000120001502",
        area_m2="45.50", use_label="住宅",
        term_start=date(2026, 1, 1), term_end=date(2026, 12, 31),
        monthly_rent="¥3,500.00", signing_date=date(2025, 12, 20),
        registration_date=date(2026, 1, 8), status_label="有效")


def sample_info_slip(paper="A4", tenant=TENANT, status="有效", **meta_kw) -> InfoSlipData:
    meta_kw.setdefault("doc_number", "DOC-FT01-2026-000456")
    return InfoSlipData(
        meta=sample_meta(kind="info_slip", **meta_kw),
        tenant=tenant, landlord_name_masked="李*国",
        registration_number_display="深福南租备〔2026〕第000123号",
        standard_address="广东省深圳市福田区南园街道南园社区滨河路南园新村12栋1502",
        house_code="4403040010010000120001502", use_label="住宅",
        term_start=date(2026, 1, 1), term_end=date(2026, 12, 31),
        signing_date=date(2025, 12, 20), initial_filing_date=date(2026, 1, 8),
        purpose="学位申请", lease_status_label=status, street_office="南园街道",
        paper=paper, residence_months=0, residence_as_of=date(2026, 1, 8))


# 个人出租住房 ¥150,000 a month, three rent periods 2026-01-01 to 2026-03-31 (itemised-2023-01, 50 % relief): the
# figures of tests/fees/test_fees_handworked.py "issue-housing-150k-2024-06", three periods.
RECEIPT_LINES = [
    ReceiptLine("增值税", "2026-01-01至2026-03-31", "142,857.14", "1.5%", "2,142.86", "", "", 3, "6,428.58"),
    ReceiptLine("城市维护建设税", "2026-01-01至2026-03-31", "2,142.86", "7%", "150.00", "50%", "75.00", 3, "225.00"),
    ReceiptLine("教育费附加", "2026-01-01至2026-03-31", "2,142.86", "3%", "64.29", "50%", "32.15", 3, "96.42"),
    ReceiptLine("地方教育附加", "2026-01-01至2026-03-31", "2,142.86", "2%", "42.86", "50%", "21.43", 3, "64.29"),
    ReceiptLine("房产税", "2026-01-01至2026-03-31", "142,857.14", "4%", "5,714.29", "50%", "2,857.15", 3, "8,571.42"),
    ReceiptLine("个人所得税", "2026-01-01至2026-03-31", "111,897.14", "10%", "11,189.71", "", "", 3, "33,569.13"),
]
RECEIPT_NOTES = [
    "免征：印花税、城镇土地使用税（依规定免征）",
    "不含增值税租金（2026-01-01至2026-03-31）= 150,000.00 ÷ 1.05 = 142,857.14",
    "个人所得税（2026-01-01至2026-03-31）应纳税所得额 = (收入 142,857.14 − 税费 2,985.71 − 修缮费用 0.00) × (1 − 20%) "
    "= 111,897.14",
]


def sample_receipt(voided=False, **meta_kw) -> ReceiptData:
    meta_kw.setdefault("doc_number", "DOC-FT01-2026-000789")
    return ReceiptData(
        meta=sample_meta(kind="receipt", **meta_kw),
        receipt_number="FT01-R-2026-004321", payer_name="李建国",
        registration_number_display="深福南租备〔2026〕第000123号",
        property_address="深圳市福田区南园街道滨河路南园新村12栋3单元1502房",
        period_label="2026年1月1日至2026年3月31日", lines=RECEIPT_LINES, notes=RECEIPT_NOTES, sample_rates=True,
        total_fen=4895484, total_display="¥48,954.84",
        payment_method_label="银行卡", payment_reference="POS20260108123456",
        clerk_name="王小明", business_date=date(2026, 1, 8),
        voided=voided, void_reason="金额录入错误，已重开" if voided else "")


def sample_day_close(n_receipts=20, **meta_kw) -> DayCloseData:
    meta_kw.setdefault("doc_number", "DOC-FT01-2026-000900")
    receipts = [(f"FT01-R-2026-{4300 + i:06d}", ["李建国", "张伟", "𠮷堃", "陈芳"][i % 4],
                 ["现金", "银行卡", "微信"][i % 3], f"¥{100 + i * 37:,}.00",
                 "作废" if i == 5 else "正常") for i in range(n_receipts)]
    return DayCloseData(
        meta=sample_meta(kind="day_close", **meta_kw), street_office="南园街道",
        business_date=date(2026, 1, 8), clerk_name="王小明", receipt_count=n_receipts,
        totals_by_method=[("现金", "¥3,120.00"), ("银行卡", "¥5,480.00"), ("微信", "¥2,000.00")],
        totals_by_item=[("增值税", "¥1,500.00"), ("城市维护建设税", "¥105.00"),
                        ("教育费附加", "¥45.00"), ("地方教育附加", "¥30.00"),
                        ("房产税", "¥4,000.00"), ("个人所得税", "¥4,920.00")],
        expected_cash="¥3,120.00", counted_cash="¥3,100.00", variance="-¥20.00",
        variance_note="找零差错，已登记", closed_at=datetime(2026, 1, 8, 17, 32),
        supervisor_name="赵主管", receipts=receipts)


def sample_ledger(n_rows=180, **meta_kw) -> LedgerReportData:
    meta_kw.setdefault("doc_number", "DOC-FT01-2026-001000")
    items = ["增值税", "城市维护建设税", "房产税", "个人所得税"]
    rows = [(f"2026-01-{1 + i % 28:02d}", f"FT01-R-2026-{4000 + i:06d}",
             f"深福南租备〔2026〕第{100 + i // 3:06d}号", items[i % 4],
             ["现金", "银行卡", "微信"][i % 3], f"¥{50 + i * 13:,}.00", "王小明")
            for i in range(n_rows)]
    return LedgerReportData(
        meta=sample_meta(kind="ledger", **meta_kw), street_office="南园街道",
        month_label="2026年1月", rows=rows,
        totals_by_item=[(k, "¥12,345.00") for k in items], total="¥49,380.00",
        collected="¥49,380.00", remitted="¥40,000.00", outstanding="¥9,380.00")


# --- the longest values the forms accept (counter/core/bounds.py): every layout is tested with them ----------

def _fill(text: str, n: int) -> str:
    """``text`` repeated and cut to exactly ``n`` characters."""
    return (text * (n // max(len(text), 1) + 1))[:n]


LONG_ORG = "深圳市福田区𠮷祥房地产开发与物业管理服务有限责任公司华强北分公司第三营业部"
LONG_WORDS = "MAXIMILIAN-ALEXANDER WOLFGANG BARTHOLOMEW "


def long_name(limits, i: int = 0, latin: bool = False) -> str:
    """A name of exactly ``limits.PARTY_NAME_MAX`` characters (CJK, or Latin with one unbreakable word)."""
    if latin:
        return _fill("W" * 40 + " " + LONG_WORDS, limits.PARTY_NAME_MAX)
    return _fill(f"{i + 1}号" + LONG_ORG, limits.PARTY_NAME_MAX)


def long_address(limits) -> str:
    """坐落 of ``ADDRESS_MAX`` characters followed by a room of ``ROOM_MAX`` (Premises.full_address)."""
    street = _fill("广东省深圳市福田区南园街道滨河路南园新村𠮷祥花园北区十二栋三单元", limits.ADDRESS_MAX)
    return street + _fill("一五零二号房A", limits.ROOM_MAX)


def long_reason(limits) -> str:
    return _fill("金额录入错误，缴款人要求重开；经主管核实后作废，原收据已收回。", limits.REASON_MAX)


def _long_party(role: str, name: str, limits) -> PartyLine:
    masked = "4403" + "*" * (limits.ID_NUMBER_MAX - 8) + "1234"
    return PartyLine(role, name, "港澳居民来往内地通行证", masked, "1" + "*" * (limits.PHONE_MAX - 5) + "5678")


def extreme_parties(limits, latin: bool = False) -> list[PartyLine]:
    parties = [_long_party("出租人", long_name(limits, i, latin), limits) for i in range(limits.LANDLORDS_MAX)]
    parties += [_long_party("承租人", long_name(limits, 10 + i, latin), limits) for i in range(limits.TENANTS_MAX)]
    parties += [_long_party("经纪机构", long_name(limits, 20 + i, latin), limits) for i in range(limits.AGENTS_MAX)]
    return parties


def _long_meta(limits, kind: str, doc_number: str, reprint_count: int = 0) -> DocumentMeta:
    meta = sample_meta(doc_number=doc_number, kind=kind, holder=long_name(limits)[:1] + "*" * 59,
                       reprint_count=reprint_count)
    return DocumentMeta(doc_number=meta.doc_number, verify_url="https://zlba.szft.example.gov.cn/verify/"
                        "ABCDEFGHIJKLMNOPQRST", qr_payload=meta.qr_payload, issued_at=date(2026, 12, 28),
                        original_issue_date=date(2026, 11, 30), reprint_count=reprint_count,
                        printed_by=_fill("窗口经办人𠮷祥", 64), office_name="福田区华强北街道房屋租赁管理所",
                        office_address="深圳市福田区华强北街道华强北路1019号华强广场B座一楼综合服务大厅",
                        office_phone="0755-8366 6666")


def extreme_certificate(limits, latin: bool = False) -> CertificateData:
    return CertificateData(
        meta=_long_meta(limits, "certificate", "DOC-FT09-2026-999999", reprint_count=12),
        registration_number_display="深福华强北租备〔2026〕第999999号",
        registration_number_code="FT09-2026-999999", street_office="华强北街道",
        parties=extreme_parties(limits, latin), property_address=long_address(limits),
        house_code="4403040090090000120001502", area_m2="1,000,000.00", use_label="商住两用",
        term_start=date(2026, 12, 31), term_end=date(2046, 12, 30), monthly_rent="¥10,000,000.00",
        signing_date=date(2026, 12, 30), registration_date=date(2026, 12, 31), status_label="已到期")


def extreme_info_slip(limits, paper: str = "A5", latin: bool = False) -> InfoSlipData:
    tenant = _long_party("承租人", long_name(limits, 10, latin), limits)
    landlords = "、".join(long_name(limits, i, latin)[:1] + "*" * (limits.PARTY_NAME_MAX - 1)
                         for i in range(limits.LANDLORDS_MAX))
    return InfoSlipData(
        meta=_long_meta(limits, "info_slip", "DOC-FT09-2026-999998", reprint_count=12),
        tenant=tenant, landlord_name_masked=landlords,
        registration_number_display="深福华强北租备〔2026〕第999999号", standard_address=long_address(limits),
        house_code="4403040090090000120001502", use_label="商住两用", term_start=date(2026, 12, 31),
        term_end=date(2046, 12, 30), signing_date=date(2026, 12, 30), initial_filing_date=date(2006, 12, 31),
        purpose=_fill("学位申请（福田区公办小学一年级及初中一年级学位申请、积分入学材料审核）", 64),
        lease_status_label="已到期", street_office="华强北街道", paper=paper)


def extreme_receipt(limits, voided: bool = True, latin: bool = False) -> ReceiptData:
    items = ["增值税", "城市维护建设税", "教育费附加", "地方教育附加", "房产税", "城镇土地使用税",
             "个人所得税", "印花税", "综合征收率（住宅）"]
    # the widest period column: dates of a 20-year term (240 rent periods), and a short last period's row
    lines = [ReceiptLine(name, "2026-12-31至2046-11-29", "999,999,999.99", "12.5%", "124,999,999.99", "50%",
                         "62,499,999.99", 239, "14,999,999,999.99") for name in items[:-1]]
    lines.append(ReceiptLine(items[-1], "2046-11-30至2046-12-29", "999,999,999.99", "12.5%", "124,999,999.99",
                             "50%", "62,499,999.99", 1, "62,499,999.99"))
    notes = (["租金（2046-11-30至2046-12-29，不足一期，按日折算）= 月租金 10,000,000.00 × 30 ÷ 31 = 9,677,419.35",
              "不含增值税租金（2026-12-31至2046-11-29）= 9,999,999.99 ÷ 1.05 = 9,523,809.52",
              "个人所得税（2026-12-31至2046-11-29）应纳税所得额 = (收入 9,523,809.52 − 税费 1,234,567.89 − 修缮费用 "
              "800.00) × (1 − 20%) = 6,630,752.50"]
             if not latin else ["Rent excluding VAT: 9,999,999.99 / 1.05 = 9,523,809.52"])
    payer = "、".join(long_name(limits, i, latin) for i in range(limits.LANDLORDS_MAX))[:120]
    return ReceiptData(
        meta=_long_meta(limits, "receipt", "DOC-FT09-2026-999997", reprint_count=12),
        receipt_number="FT09-R2026-999999", payer_name=payer,
        registration_number_display="深福华强北租备〔2026〕第999999号", property_address=long_address(limits),
        period_label="2026年12月31日至2046年12月29日", lines=lines, notes=notes, sample_rates=True,
        total_fen=99_999_999_999_99,
        total_display="¥999,999,999,999.99", payment_method_label="银行转账",
        payment_reference=_fill("TRANSFER-20261231-", limits.REFERENCE_MAX), clerk_name=_fill("收款员𠮷祥", 64),
        business_date=date(2026, 12, 31), voided=voided, void_reason="作废：" + long_reason(limits) if voided else "")


def extreme_day_close(limits, n_receipts: int = 120, latin: bool = False) -> DayCloseData:
    receipts = [(f"FT09-R2026-{990000 + i:06d}", long_name(limits, i, latin)[:limits.PARTY_NAME_MAX],
                 "银行转账", "¥9,999,999.99", "作废" if i % 7 == 3 else "正常") for i in range(n_receipts)]
    methods = [("现金", "¥99,999,999.99"), ("银行卡", "¥99,999,999.99"), ("移动支付", "¥99,999,999.99"),
               ("银行转账", "¥99,999,999.99")]
    items = [(name, "¥99,999,999.99") for name in ("增值税", "城市维护建设税", "教育费附加", "地方教育附加",
                                                   "房产税", "城镇土地使用税", "个人所得税", "印花税")]
    return DayCloseData(
        meta=_long_meta(limits, "day_close", "DOC-FT09-2026-999996", reprint_count=12),
        street_office="华强北街道", business_date=date(2026, 12, 31), clerk_name=_fill("收款员𠮷祥", 64),
        receipt_count=n_receipts, totals_by_method=methods, totals_by_item=items, expected_cash="¥99,999,999.99",
        counted_cash="¥99,999,999.98", variance="-¥0.01", variance_note=long_reason(limits),
        closed_at=datetime(2026, 12, 31, 23, 59), supervisor_name=_fill("主管𠮷祥", 64), receipts=receipts)


def extreme_ledger(limits, n_rows: int = 400, latin: bool = False) -> LedgerReportData:
    items = ["增值税", "城市维护建设税", "教育费附加", "地方教育附加", "房产税", "城镇土地使用税", "个人所得税",
             "印花税"]
    rows = [(f"2026-12-{1 + i % 31:02d}", f"FT09-R2026-{990000 + i:06d}", "深福华强北租备〔2026〕第999999号",
             items[i % len(items)] + ("（退税冲销）" if i % 9 == 4 else ""), "银行转账",
             "-¥9,999,999.99" if i % 9 == 4 else "¥9,999,999.99", _fill("收款员𠮷祥", 64)) for i in range(n_rows)]
    return LedgerReportData(
        meta=_long_meta(limits, "ledger_report", "DOC-FT09-2026-999995", reprint_count=12),
        street_office="华强北街道", month_label="2026年12月", rows=rows,
        totals_by_item=[(k, "¥999,999,999.99") for k in items], total="¥9,999,999,999.99",
        collected="¥9,999,999,999.99", remitted="¥9,999,999,999.99", outstanding="-¥9,999,999,999.99")
