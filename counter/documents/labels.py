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
}
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
