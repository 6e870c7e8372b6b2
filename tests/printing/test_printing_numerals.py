import pytest

from printing.numerals import amount_in_words

CASES = [
    (12345, "壹佰贰拾叁元肆角伍分"),
    (10000, "壹佰元整"),
    (100000001, "壹佰万元零壹分"),
    (0, "零元整"),
    (1, "壹分"),
    (10, "壹角"),
    (55, "伍角伍分"),
    (100, "壹元整"),
    (105, "壹元零伍分"),
    (1000, "壹拾元整"),
    (1050, "壹拾元伍角"),
    (110000, "壹仟壹佰元整"),
    (101000, "壹仟零壹拾元整"),
    (100100, "壹仟零壹元整"),
    (1000100, "壹万零壹元整"),
    (168032, "壹仟陆佰捌拾元叁角贰分"),
    (10700053, "壹拾万柒仟元伍角叁分"),
    (1010000000, "壹仟零壹拾万元整"),
    (10000000000, "壹亿元整"),
    (10000000500, "壹亿零伍元整"),
    (10001000000, "壹亿零壹万元整"),
    (10100000000, "壹亿零壹佰万元整"),
    (101000000000, "壹拾亿壹仟万元整"),
    (100000000000000, "壹万亿元整"),
    (136800, "壹仟叁佰陆拾捌元整"),
    (350000, "叁仟伍佰元整"),
    (-12345, "负壹佰贰拾叁元肆角伍分"),
    (-5, "负伍分"),
]


@pytest.mark.parametrize("fen,words", CASES)
def test_amount_in_words(fen, words):
    assert amount_in_words(fen) == words


@pytest.mark.parametrize("bad", [1.5, "100", None, True])
def test_amount_in_words_rejects_non_int(bad):
    with pytest.raises(TypeError):
        amount_in_words(bad)


def test_amount_in_words_too_large():
    with pytest.raises(ValueError):
        amount_in_words(10 ** 18 * 100)
