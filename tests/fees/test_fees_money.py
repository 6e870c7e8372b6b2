from decimal import Decimal

import pytest

from fees import fen_to_yuan, format_yuan, round_fen, yuan_to_fen


@pytest.mark.parametrize("amount,fen", [
    ("0.005", 1), ("0.015", 2), ("0.025", 3),   # half up, not banker's (which gives 0, 2, 2)
    ("0.0049999", 0), ("12.345", 1235), ("12.3449", 1234), ("-0.005", -1), ("0", 0), ("100000.00", 10000000),
])
def test_round_fen(amount, fen):
    assert round_fen(Decimal(amount)) == fen


def test_round_fen_refuses_float_and_nan():
    with pytest.raises(TypeError):
        round_fen(0.1)
    with pytest.raises(ValueError):
        round_fen(Decimal("NaN"))


def test_fen_to_yuan():
    assert fen_to_yuan(12345) == Decimal("123.45")
    assert str(fen_to_yuan(100)) == "1.00"
    assert str(fen_to_yuan(0)) == "0.00"
    with pytest.raises(TypeError):
        fen_to_yuan(1.5)
    with pytest.raises(TypeError):
        fen_to_yuan(True)


@pytest.mark.parametrize("text,fen", [
    ("3500", 350000), ("3500.5", 350050), ("3500.50", 350050), ("3,500.50", 350050), (" 0.01 ", 1),
    ("0", 0), (Decimal("12.34"), 1234), ("¥12", 1200), (7, 700),
])
def test_yuan_to_fen_ok(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("bad", [
    "1.005", "1.000", "0.001", "-1", "-0.01", "NaN", "nan", "Infinity", "inf", "abc", "", "  ", "1e3", "1.2.3",
    "--1", Decimal("NaN"), Decimal("-1"), Decimal("1.001"), 1.5, None, True,
])
def test_yuan_to_fen_errors(bad):
    with pytest.raises(ValueError):
        yuan_to_fen(bad)


def test_format_yuan():
    assert format_yuan(123456789) == "¥1,234,567.89"
    assert format_yuan(-5) == "-¥0.05"
