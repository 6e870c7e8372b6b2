"""Every ID-number rule of counter.leases.idnumbers, with the message the user sees."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from stdnum.cn import ric, uscc

from counter.leases.idnumbers import IdNumberError, check_id_number, make_credit_code, make_resident_id

def _flip(number: str) -> str:
    """The same number with a wrong last (check) character."""
    return number[:-1] + ("1" if number[-1] != "1" else "2")


VALID = [
    ("resident_id", make_resident_id("44030419900215456")),
    ("resident_id", make_resident_id("11010519491231002")),
    ("resident_id", make_resident_id("99999919900215456")),  # unknown birth-place code: accepted (documented)
    ("resident_id", "440304900215456"),  # old 15-digit card
    ("resident_id", make_resident_id("81000019900215456")),  # HK residence permit entered as an ID card
    ("residence_permit", make_resident_id("81000019900215456")),
    ("residence_permit", make_resident_id("82000019850101123")),
    ("residence_permit", make_resident_id("83000019700707789")),
    ("hk_macau_permit", "H12345678"),
    ("hk_macau_permit", "M1234567890"),
    ("taiwan_permit", "12345678"),
    ("taiwan_permit", "1234567890"),
    ("passport", "E12345678"),
    ("foreigner_permanent", "USA123456789012"),
    ("foreigner_permanent", make_resident_id("91234519900215456")),
    ("credit_code", make_credit_code("91440300MA5DXXXX0")),
    ("credit_code", make_credit_code("N2440304MF0000001")),  # rural collective: stdnum rejects it
    ("credit_code", make_credit_code("Y1440304MA0000002")),
]

INVALID = [
    ("resident_id", "", "Enter the ID number."),
    ("resident_id", "4403041990021545", "A resident ID number has 18 characters (old cards: 15 digits); this one has 16."),
    ("resident_id", "44030419900215A456", "An 18-character ID number has 17 digits and a final digit or X."),
    ("resident_id", _flip(make_resident_id("44030419900215456")),
     "The check digit of this ID number is wrong; please check the number for typing errors."),
    ("resident_id", make_resident_id("44030419901315456"), "The birth date in this ID number is not a valid date."),
    ("resident_id", make_resident_id("44030421000101456"), "The birth date in this ID number (2100-01-01) is after today."),
    ("resident_id", make_resident_id("44030418791231456"), "The birth date in this ID number is not a valid date."),
    ("resident_id", "440304901315456", "The birth date in this ID number is not a valid date."),
    ("resident_id", "44030490021545X", "An old 15-digit ID number has digits only."),
    ("residence_permit", make_resident_id("84000019900215456"),
     "A residence permit number has 18 characters and starts with 810000, 820000 or 830000."),
    ("residence_permit", make_resident_id("81000019900230456"), "The birth date in this ID number is not a valid date."),
    ("hk_macau_permit", "X12345678", "A Hong Kong/Macao permit number is H or M followed by 8 or 10 digits."),
    ("hk_macau_permit", "H123456789", "A Hong Kong/Macao permit number is H or M followed by 8 or 10 digits."),
    ("taiwan_permit", "1234567", "A Taiwan permit number has 8 digits (old permits: 10 characters)."),
    ("passport", "E12", "A passport number has 5 to 20 letters and digits."),
    ("foreigner_permanent", "AB1234567890123",
     "A permanent residence card number has 3 letters and 12 digits, or 18 characters starting with 9."),
    ("credit_code", "91440300MA5DXXXX", "A unified social credit code has 18 characters; this one has 16."),
    ("residence_permit", "8100001990021545", "A residence permit number has 18 characters; this one has 16."),
    ("resident_id", "440304/19900215456", "The ID number contains “/”, which is not a letter or digit; type the number as "
                                           "printed on the document."),
    ("passport", "E1234567８", None),
    ("credit_code", _flip(make_credit_code("N2440304MF0000001")),
     "The check character of this credit code is wrong; please check the code for typing errors."),
    ("credit_code", _flip(make_credit_code("91440300MA5DXXXX0")),
     "The check character of this credit code is wrong; please check the code for typing errors."),
    ("credit_code", "N2440304MO00000012", "A credit code uses digits and capital letters except I, O, Z, S and V."),
    ("unknown_type", "123456", "Choose a known ID type."),
]


@pytest.mark.parametrize("id_type,number", VALID)
def test_valid_numbers_are_accepted_and_normalised(app, id_type, number):
    assert check_id_number(id_type, number) == number
    spaced = " " + number[:6].lower() + "-" + number[6:].lower() + " "
    assert check_id_number(id_type, spaced) == number


INVALID = [case for case in INVALID if case[2] is not None]


@pytest.mark.parametrize("id_type,number,message", INVALID)
def test_invalid_numbers_give_their_rule(app, id_type, number, message):
    with force_locale("en"), pytest.raises(IdNumberError) as exc:
        check_id_number(id_type, number)
    assert str(exc.value) == message


def test_the_fallbacks_are_needed_because_stdnum_rejects_them():
    assert not ric.is_valid(make_resident_id("81000019900215456"))
    assert not uscc.is_valid(make_credit_code("N2440304MF0000001"))
    assert not ric.is_valid("440304900215456")


def test_messages_are_translated(app):
    with force_locale("zh"), pytest.raises(IdNumberError) as exc:
        check_id_number("resident_id", make_resident_id("44030419901315456"))
    assert str(exc.value) == "身份证号码中的出生日期不是有效日期。"


FULL_WIDTH = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ")
DASHES = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\ufe58", "\ufe63", "\uff0d",
          "\u30fc"]


@pytest.mark.parametrize("id_type,number", VALID)
def test_full_width_and_every_dash_are_normalised_for_every_type(app, id_type, number):
    """Full-width digits and letters are stored as ASCII (search and duplicate checks then find them), and
    any dash, the ideographic space or a zero-width space inside the number is dropped."""
    assert check_id_number(id_type, number.translate(FULL_WIDTH)) == number
    for dash in DASHES:
        assert check_id_number(id_type, number[:4] + dash + number[4:8] + dash + number[8:]) == number
    assert check_id_number(id_type, "\u3000" + number[:3] + "\u200b" + number[3:] + "\u3000") == number


def test_a_dash_inside_no_longer_gives_a_length_message(app):
    number = make_resident_id("44030419900215456")
    with force_locale("en"):
        assert check_id_number("resident_id", number[:6] + "\u2014" + number[6:]) == number
        with pytest.raises(IdNumberError) as exc:
            check_id_number("resident_id", number[:6] + "\u2014" + number[6:-1])
    assert "this one has 17" in str(exc.value)


def test_birth_date_is_checked_on_the_business_date(app, monkeypatch):
    """Born "today" in Asia/Shanghai is accepted even when the server's UTC date is still yesterday; the
    check follows counter.core.timeutil.business_today, not the server's date.today()."""
    from datetime import date

    import counter.leases.idnumbers as idn

    monkeypatch.setattr(idn, "business_today", lambda: date(2030, 6, 1))
    assert check_id_number("resident_id", make_resident_id("44030420300601456"))  # born on the business date
    with force_locale("en"), pytest.raises(IdNumberError, match=r"\(2030-06-02\) is after today"):
        check_id_number("resident_id", make_resident_id("44030420300602456"))


def test_search_finds_a_number_typed_in_full_width(app, streets, users):
    from counter.extensions import db
    from counter.leases.services import SearchCriteria, register_lease, search_leases

    from leases_testlib import TENANT_ID, lease_input

    lease = register_lease(lease_input(streets[0].id, tenant_id=TENANT_ID.translate(FULL_WIDTH)))
    db.session.commit()
    assert lease.tenants[0].party.id_number == TENANT_ID
    typed = TENANT_ID[:6] + "－" + TENANT_ID[6:].translate(FULL_WIDTH)
    assert [x.id for x in db.session.scalars(search_leases(SearchCriteria(id_number=typed)))] == [lease.id]
    assert [x.id for x in db.session.scalars(search_leases(SearchCriteria(q=typed)))] == [lease.id]
