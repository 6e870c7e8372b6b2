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
        paper=paper)


# 个人出租住房 ¥150,000 a month, 2026-01 to 2026-03 (itemised-2023-01, 50 % relief): the figures of
# tests/fees/test_fees_handworked.py "issue-housing-150k-2024-06", three months.
RECEIPT_LINES = [
    ReceiptLine("增值税", "2026-01至2026-03", "142,857.14", "1.5%", "2,142.86", "", "", 3, "6,428.58"),
    ReceiptLine("城市维护建设税", "2026-01至2026-03", "2,142.86", "7%", "150.00", "50%", "75.00", 3, "225.00"),
    ReceiptLine("教育费附加", "2026-01至2026-03", "2,142.86", "3%", "64.29", "50%", "32.15", 3, "96.42"),
    ReceiptLine("地方教育附加", "2026-01至2026-03", "2,142.86", "2%", "42.86", "50%", "21.43", 3, "64.29"),
    ReceiptLine("房产税", "2026-01至2026-03", "142,857.14", "4%", "5,714.29", "50%", "2,857.15", 3, "8,571.42"),
    ReceiptLine("个人所得税", "2026-01至2026-03", "111,897.14", "10%", "11,189.71", "", "", 3, "33,569.13"),
]
RECEIPT_NOTES = [
    "免征：印花税、城镇土地使用税（依规定免征）",
    "不含增值税租金（2026-01至2026-03）= 150,000.00 ÷ 1.05 = 142,857.14",
    "个人所得税（2026-01至2026-03）应纳税所得额 = (收入 142,857.14 − 税费 2,985.71 − 修缮费用 0.00) × (1 − 20%) "
    "= 111,897.14",
]


def sample_receipt(voided=False, **meta_kw) -> ReceiptData:
    meta_kw.setdefault("doc_number", "DOC-FT01-2026-000789")
    return ReceiptData(
        meta=sample_meta(kind="receipt", **meta_kw),
        receipt_number="FT01-R-2026-004321", payer_name="李建国",
        registration_number_display="深福南租备〔2026〕第000123号",
        property_address="深圳市福田区南园街道滨河路南园新村12栋3单元1502房",
        period_label="2026年1月至2026年3月", lines=RECEIPT_LINES, notes=RECEIPT_NOTES, sample_rates=True,
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
