"""Identity document numbers of lease parties: the rules, one function per document type.

``check_id_number(id_type, number)`` returns the normalised number or raises :class:`IdNumberError` whose
message is shown next to the field (in the user's language) and names the real problem (the length
found, the character that does not belong, the birth date that is not a date or lies in the future).

Normalisation (:func:`normalise`, for every ID type, before any rule - and for searching, so that a
number typed in full-width form finds the stored one): Unicode NFKC (full-width digits and letters such
as ``４４０３`` or ``Ｘ`` become ASCII), then every kind of dash (hyphen, en dash, em dash, minus sign,
full-width and small hyphens, the katakana prolonged sound mark an IME types for "-"), every space
(also the ideographic space) and invisible format characters (zero-width space) are removed, and
letters are upper-cased. The stored number is therefore always ASCII: search and duplicate checks
compare like with like. Birth dates are checked against the business date in the office's time zone
(:func:`counter.core.timeutil.business_today`, Asia/Shanghai), not the server's date.

Rules (python-stdnum is used where it has a validator; documented fallbacks where it wrongly rejects):

- ``resident_id`` 居民身份证
    * 18 characters: 17 digits + check digit (0-9 or X), GB 11643 check digit (ISO 7064 MOD 11-2), a
      real birth date (YYYYMMDD at positions 7-14, not in the future) — ``stdnum.cn.ric``. stdnum also
      insists on a known birth-place code: that part is *not* required (codes are retired and re-used;
      the office accepts any card the holder presents), so only the length/format/checksum/birth date
      results of stdnum are enforced.
    * 18 digits starting 81/82/83 are Hong Kong / Macao / Taiwan residence permits (stdnum rejects them):
      accepted under this type too, checked with the residence-permit rule below.
    * 15 digits (old first-generation cards, no check digit): all digits, with a valid birth date
      19YYMMDD at positions 7-12 (stdnum does not handle 15-digit numbers).
- ``residence_permit`` 港澳台居民居住证: 18 characters starting ``810000`` (Hong Kong), ``820000`` (Macao) or
  ``830000`` (Taiwan), then a birth date and order code as an ID card, with the GB 11643 check digit.
- ``hk_macau_permit`` 港澳居民来往内地通行证: ``H`` or ``M`` followed by 8 or 10 digits.
- ``taiwan_permit`` 台湾居民来往大陆通行证: 8 digits (current card) or the old 10-character form (10 digits, or
  8 digits plus a letter and a digit).
- ``passport`` 护照: 5 to 20 letters and digits.
- ``foreigner_permanent`` 外国人永久居留身份证: old form 3 letters + 12 digits (15 characters); new form
  (2023) 18 characters starting ``9`` with the GB 11643 check digit.
- ``credit_code`` 统一社会信用代码: 18 characters of the GB 32100 alphabet (digits and upper-case letters
  except I, O, Z, S, V) with the GB 32100 check digit (MOD 31) — ``stdnum.cn.uscc``. stdnum requires the
  first 8 characters to be digits, which rejects real codes whose registration-authority or
  organisation-type characters are letters (rural collective economic organisations start with ``N``,
  e.g. ``N2440304MF...``; also ``A``, ``G``, ``Y``): these are accepted when every character is in the
  alphabet and the check digit we compute ourselves is right.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import gettext as _
from stdnum import exceptions as stdnum_exc
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.util import isdigits

from counter.core.timeutil import business_today

ORGANIZATION_ID_TYPES = ("credit_code",)
PERSON_ID_TYPES = ("resident_id", "residence_permit", "hk_macau_permit", "taiwan_permit", "passport",
                   "foreigner_permanent")

GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GB32100_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GB32100_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class IdNumberError(ValueError):
    """An ID number that fails its document's rule; ``str(exc)`` is the message for the user."""


_DASH_LIKE = {"\u2212", "\u2043", "\u30fc", "\uff70"}  # minus sign, hyphen bullet, katakana prolonged marks


def _dropped(c: str) -> bool:
    cat = unicodedata.category(c)
    return c.isspace() or cat == "Pd" or cat == "Cf" or c in _DASH_LIKE


_PLAIN = re.compile(r"[0-9A-Za-z]+", re.ASCII)


def normalise(number: str | None) -> str:
    """NFKC (full-width -> ASCII), without dashes of any kind, spaces and invisible characters, upper case."""
    if number and _PLAIN.fullmatch(number):  # ASCII letters and digits: NFKC and the filter leave them alone
        return number.upper()
    text = unicodedata.normalize("NFKC", number or "")
    return "".join(c for c in text if not _dropped(c)).upper()


_RE_18 = re.compile(r"[0-9]{17}[0-9X]")
_RE_15 = re.compile(r"[0-9]{15}")
_RE_HK_MACAU = re.compile(r"[HM]([0-9]{8}|[0-9]{10})")
_RE_TAIWAN = re.compile(r"[0-9]{8}|[0-9]{10}|[0-9]{8}[A-Z][0-9]")
_RE_PASSPORT = re.compile(r"[A-Z0-9]{5,20}")
_RE_FOREIGNER = re.compile(r"[A-Z]{3}[0-9]{12}")


def _check_characters(number: str) -> None:
    """After normalisation an ID number holds ASCII letters and digits only: name the first stranger."""
    if _PLAIN.fullmatch(number):
        return
    for c in number:
        if not (c.isascii() and c.isalnum()):
            raise IdNumberError(_("The ID number contains “%(char)s”, which is not a letter or digit; "
                                  "type the number as printed on the document.", char=c))


def gb11643_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an 18-character ID number (GB 11643)."""
    total = sum(int(c) * w for c, w in zip(first17, GB11643_WEIGHTS))
    return "10X98765432"[total % 11]


def gb32100_check_digit(first17: str) -> str:
    """The MOD 31 check character of a unified social credit code (GB 32100)."""
    total = sum(GB32100_ALPHABET.index(c) * w for c, w in zip(first17, GB32100_WEIGHTS))
    return GB32100_ALPHABET[(31 - total % 31) % 31]


def _check_birth_date(year: int, month: int, day: int) -> None:
    """A real date, not before 1880 and not after today's business date (Asia/Shanghai)."""
    try:
        born = date(year, month, day)
    except ValueError:
        raise IdNumberError(_("The birth date in this ID number is not a valid date.")) from None
    if born < date(1880, 1, 1):
        raise IdNumberError(_("The birth date in this ID number is not a valid date."))
    if born > business_today():
        raise IdNumberError(_("The birth date in this ID number (%(date)s) is after today.", date=born.isoformat()))


def _check_18(number: str) -> None:
    if not _RE_18.fullmatch(number):
        raise IdNumberError(_("An 18-character ID number has 17 digits and a final digit or X."))
    if gb11643_check_digit(number[:17]) != number[17]:
        raise IdNumberError(_("The check digit of this ID number is wrong; please check the number for typing errors."))
    _check_birth_date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def check_resident_id(number: str) -> str:
    if len(number) == 15:
        if not _RE_15.fullmatch(number):
            raise IdNumberError(_("An old 15-digit ID number has digits only."))
        _check_birth_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
        return number
    if len(number) != 18:
        raise IdNumberError(_("A resident ID number has 18 characters (old cards: 15 digits); this one has %(n)d.",
                              n=len(number)))
    if number[:2] in ("81", "82", "83"):
        return check_residence_permit(number)
    # stdnum.cn.ric.validate without its last step, the birth-place lookup: its result is not enforced
    # (module doc) and the lookup in stdnum's numdb was ~80 % of a row's validation in `import-leases`
    if not isdigits(number[:-1]):
        raise IdNumberError(_("An 18-character ID number has 17 digits and a final digit or X."))
    if number[-1] != stdnum_ric.calc_check_digit(number):
        raise IdNumberError(_("The check digit of this ID number is wrong; please check the number for typing errors."))
    _check_18(number)  # format, GB 11643 check digit and birth date, as stdnum checks them
    return number


def check_residence_permit(number: str) -> str:
    if len(number) != 18:
        raise IdNumberError(_("A residence permit number has 18 characters; this one has %(n)d.", n=len(number)))
    if number[:6] not in ("810000", "820000", "830000"):
        raise IdNumberError(_("A residence permit number has 18 characters and starts with 810000, 820000 or 830000."))
    _check_18(number)
    return number


def check_hk_macau_permit(number: str) -> str:
    if not _RE_HK_MACAU.fullmatch(number):
        raise IdNumberError(_("A Hong Kong/Macao permit number is H or M followed by 8 or 10 digits."))
    return number


def check_taiwan_permit(number: str) -> str:
    if not _RE_TAIWAN.fullmatch(number):
        raise IdNumberError(_("A Taiwan permit number has 8 digits (old permits: 10 characters)."))
    return number


def check_passport(number: str) -> str:
    if not _RE_PASSPORT.fullmatch(number):
        raise IdNumberError(_("A passport number has 5 to 20 letters and digits."))
    return number


def check_foreigner_permanent(number: str) -> str:
    if _RE_FOREIGNER.fullmatch(number):
        return number
    if len(number) == 18 and number.startswith("9"):
        _check_18(number)
        return number
    raise IdNumberError(_("A permanent residence card number has 3 letters and 12 digits, or 18 characters starting with 9."))


def check_credit_code(number: str) -> str:
    if len(number) != 18:
        raise IdNumberError(_("A unified social credit code has 18 characters; this one has %(n)d.", n=len(number)))
    try:
        return stdnum_uscc.validate(number)
    except stdnum_exc.InvalidChecksum:
        raise IdNumberError(_("The check character of this credit code is wrong; please check the code for typing errors.")) from None
    except stdnum_exc.ValidationError:
        pass  # letters in the first 8 characters (rural collectives 'N...'): our own GB 32100 check
    if any(c not in GB32100_ALPHABET for c in number):
        raise IdNumberError(_("A credit code uses digits and capital letters except I, O, Z, S and V."))
    if gb32100_check_digit(number[:17]) != number[17]:
        raise IdNumberError(_("The check character of this credit code is wrong; please check the code for typing errors."))
    return number


CHECKS = {
    "resident_id": check_resident_id,
    "residence_permit": check_residence_permit,
    "hk_macau_permit": check_hk_macau_permit,
    "taiwan_permit": check_taiwan_permit,
    "passport": check_passport,
    "foreigner_permanent": check_foreigner_permanent,
    "credit_code": check_credit_code,
}


def check_id_number(id_type: str, number: str | None) -> str:
    """Validate ``number`` as a document of ``id_type``; returns the normalised number."""
    value = normalise(number)
    if not value:
        raise IdNumberError(_("Enter the ID number."))
    check = CHECKS.get(id_type)
    if check is None:
        raise IdNumberError(_("Choose a known ID type."))
    _check_characters(value)
    return check(value)


def make_resident_id(first17: str) -> str:
    """Complete 17 digits with the GB 11643 check digit (demo data, tests)."""
    return first17 + gb11643_check_digit(first17)


def make_credit_code(first17: str) -> str:
    """Complete 17 characters with the GB 32100 check character (demo data, tests)."""
    return first17 + gb32100_check_digit(first17)
