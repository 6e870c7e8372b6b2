"""Chinese capital numerals (大写金额) for money amounts.

Rules followed (中国人民银行《支付结算办法》附件《正确填写票据和结算凭证的基本规定》):

* digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟, groups 万 亿 万亿; "壹拾" keeps its 壹
  (¥10.00 -> 壹拾元整);
* inside the integer part, one 零 stands for any run of zeros followed by a non-zero
  digit (1001 -> 壹仟零壹); zeros at the end of a group are dropped; an all-zero group
  drops its unit (万) and is read as a single 零 before the next non-zero digit;
* the amount ends with 整 when it has neither 角 nor 分 (元整); after 角 no 整 is written
  (the rule allows both, we chose the shorter form);
* 角 = 0 and 分 != 0: 零 is written between 元 and 分 (壹元零伍分); when 角 != 0 no 零 is
  inserted after 元 even if the 元 digit is 0 (壹拾元伍角, the permitted short form);
* less than one yuan: no 元 (伍角, 伍分, 伍角伍分); zero: 零元整; negative: 负 prefix.
"""

from __future__ import annotations

DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿", "万亿")
MAX_YUAN = 10 ** 16 - 1  # 玖仟玖佰玖拾玖万亿...


def _group_words(n: int) -> str:
    """Words for 0 < n < 10000 without leading zero handling."""
    out = []
    zero_pending = False
    for pos in range(3, -1, -1):
        d = (n // 10 ** pos) % 10
        if d == 0:
            if out:
                zero_pending = True
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(DIGITS[d] + UNITS[pos])
    return "".join(out)


def _integer_words(n: int) -> str:
    if n == 0:
        return ""
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = []
    zero_pending = False
    for idx in range(len(groups) - 1, -1, -1):
        g = groups[idx]
        if g == 0:
            if out:
                zero_pending = True
            continue
        if out and (zero_pending or g < 1000):
            out.append("零")
        zero_pending = False
        out.append(_group_words(g) + GROUPS[idx])
    return "".join(out)


def amount_in_words(fen: int) -> str:
    """Return the 大写 form of an amount given in fen (1/100 yuan).

    >>> amount_in_words(12345)
    '壹佰贰拾叁元肆角伍分'
    """
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("amount_in_words expects an int number of fen")
    if fen < 0:
        return "负" + amount_in_words(-fen)
    yuan, rest = divmod(fen, 100)
    jiao, fen_digit = divmod(rest, 10)
    if yuan > MAX_YUAN:
        raise ValueError("amount too large")
    if fen == 0:
        return "零元整"
    words = _integer_words(yuan)
    if words:
        words += "元"
    if jiao == 0 and fen_digit == 0:
        return words + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen_digit:
        words += DIGITS[fen_digit] + "分"
    return words
