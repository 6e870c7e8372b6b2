"""Masking of personal data for lists, public pages and printed proofs.

Full ID numbers are shown only where the task needs them (the lease page of the clerk's own street).
"""
from __future__ import annotations


def mask_id(number: str | None) -> str:
    """440304199001011234 -> 4403**********1234; short documents keep their first and last two characters."""
    if not number:
        return ""
    n = len(number)
    if n >= 15:
        return number[:4] + "*" * (n - 8) + number[-4:]
    if n > 4:
        return number[:2] + "*" * (n - 4) + number[-2:]
    return "*" * n


def mask_name(name: str | None) -> str:
    """张三明 -> 张*明, 张三 -> 张*, organizations keep their first and last two characters (深圳***公司)."""
    if not name:
        return ""
    chars = list(name)  # code points: 𠮷 is one character
    n = len(chars)
    if n == 1:
        return chars[0]
    if n == 2:
        return chars[0] + "*"
    if n <= 4:
        return chars[0] + "*" * (n - 2) + chars[-1]
    return "".join(chars[:2]) + "*" * (n - 4) + "".join(chars[-2:])


def mask_phone(phone: str | None) -> str:
    """13812345678 -> 138****5678."""
    if not phone:
        return ""
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)
