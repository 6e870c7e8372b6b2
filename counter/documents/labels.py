"""Labels: Chinese ones printed on official documents (never translated), and the UI's (through Babel)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# --- printed (official Chinese documents) ------------------------------------------------------------
KIND_ZH = {
    "certificate": "房屋租赁凭证",
    "info_slip": "房屋租赁信息",
    "receipt": "代征税款收据",
    "day_close": "日终结账单",
    "ledger_report": "代征税款月度台账",
}
ROLE_ZH = {"landlord": "出租人", "sublessor": "转租人", "tenant": "承租人", "agent": "经纪机构"}
ID_TYPE_ZH = {
    "resident_id": "居民身份证",
    "residence_permit": "港澳台居民居住证",
    "hk_macau_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证",
    "passport": "护照",
    "foreigner_permanent": "外国人永久居留身份证",
    "credit_code": "统一社会信用代码",
}
LEASE_STATUS_ZH = {"active": "有效", "expired": "已到期", "terminated": "已解除", "cancelled": "已注销"}
USE_ZH = {"residential": "住宅", "mixed": "商住两用", "commercial": "商业", "office": "办公", "factory": "厂房",
          "warehouse": "仓库", "dormitory": "宿舍", "other": "其他"}
METHOD_ZH = {"cash": "现金", "card": "银行卡", "mobile": "移动支付", "transfer": "银行转账"}
RECEIPT_STATUS_ZH = {"issued": "正常", "void": "作废", "refunded": "已退税"}

# --- UI -----------------------------------------------------------------------------------------------
KIND_LABELS = {
    "certificate": _l("Lease certificate"),
    "info_slip": _l("Lease information slip"),
    "receipt": _l("Tax receipt"),
    "day_close": _l("Day-close sheet"),
    "ledger_report": _l("Monthly ledger report"),
}
STATUS_LABELS = {"valid": _l("Valid"), "void": _l("Void"), "superseded": _l("Superseded")}
REASON_LABELS = {
    "filing_cancelled": _l("The lease filing has been cancelled."),
    "receipt_void": _l("The receipt has been voided."),
    "receipt_refunded": _l("The tax on this receipt has been refunded."),
    "lease_changed": _l("The lease has been changed since this document was printed; a newer document replaces it."),
    "day_reopened": _l("The business day has been reopened."),
    "day_reclosed": _l("The business day was closed again after this sheet was printed."),
    "ledger_changed": _l("Postings were added to the month after this report was printed; a newer report replaces it."),
}

# fields of the printed data (printing.glyphs paths: "parties[2].name" -> "name"), for refusals
FIELD_LABELS = {
    "name": _l("A party's name"),
    "id_type_label": _l("A party's ID type"),
    "id_number_masked": _l("A party's ID number"),
    "phone_masked": _l("A party's phone"),
    "property_address": _l("The property address"),
    "standard_address": _l("The property address"),
    "house_code": _l("The house code"),
    "landlord_name_masked": _l("The landlord's name"),
    "purpose": _l("The purpose"),
    "payer_name": _l("The payer's name"),
    "payment_reference": _l("The payment reference"),
    "void_reason": _l("The reason for voiding"),
    "clerk_name": _l("The clerk's name"),
    "supervisor_name": _l("The supervisor's name"),
    "printed_by": _l("The name of the clerk who prints"),
    "variance_note": _l("The note on the cash difference"),
    "receipts": _l("A receipt of the day"),
    "rows": _l("A line of the ledger"),
    "lines": _l("A line of the receipt"),
    "office_name": _l("The office's name"),
    "office_address": _l("The office's address"),
}


def field_label(path: str) -> str:
    """``parties[2].name`` -> "A party's name"; unknown paths are shown as they are."""
    import re

    parts = [p for p in re.split(r"\[[^\]]*\]|\.", path) if p]
    for part in reversed(parts):
        if part in FIELD_LABELS:
            return str(FIELD_LABELS[part])
    return path
PAPER_CHOICES = [("A4", "A4"), ("A5", "A5")]
DEFAULT_PURPOSE = "学位申请"


def use_zh(code: str | None) -> str:
    try:
        from fees.uses import USE_LABELS

        if code in USE_LABELS:
            return USE_LABELS[code]["zh"]
    except ImportError:  # pragma: no cover
        pass
    return USE_ZH.get(code or "", code or "")
