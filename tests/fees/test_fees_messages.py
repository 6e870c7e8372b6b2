"""Every schedule validation problem is worded in both UI languages (English and Simplified Chinese)."""
from __future__ import annotations

import ast
import copy
import json
import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

import fees
from fees import (RateSchedule, ScheduleError, ScheduleProblem, json_problem, schedules_from_toml, toml_problem,
                  validate_schedule, validate_schedule_localized)
from fees.model import _fen, _parse_date, _parse_percent, _validate_item, parse_rate

CJK = re.compile(r"[\u4e00-\u9fff]")
MODEL = Path(fees.__file__).with_name("model.py")


def _itemised():
    return fees.load_shipped_schedules(["itemised-2023-01"])[0].to_dict()


def _comprehensive():
    return fees.load_shipped_schedules(["comprehensive-2014"])[0].to_dict()


def _assert_bilingual(p):
    assert isinstance(p, ScheduleProblem), repr(p)
    assert p.en.strip() and p.zh.strip()
    assert p == p.en and str(p) == p.en  # still the English string for English-only callers
    assert CJK.search(p.zh), p.zh
    assert p.text("zh") == p.text("zh_Hans_CN") == p.zh and p.text("en") == p.en


def _rule(d, n=0):
    return d["rules"][n]


def _item(d, n=0):
    return d["rules"][0]["items"][n]


def _set(path_fn, **kw):
    return lambda d: path_fn(d).update(**kw)


# (name, base factory, mutation, a word of the English message, a word of the Chinese message)
CASES = [
    ("id", _itemised, lambda d: d.update(id="Bad Id"), "id must be a slug", "id 须为标识符"),
    ("version", _itemised, lambda d: d.update(version=0), "version", "version 须为"),
    ("title_zh", _itemised, lambda d: d.update(title_zh=""), "title_zh", "title_zh 为必填项"),
    ("title_en", _itemised, lambda d: d.pop("title_en"), "title_en", "title_en 为必填项"),
    ("effective_from bad", _itemised, lambda d: d.update(effective_from="2023-13-01"), "effective_from",
     "effective_from"),
    ("effective_from missing", _itemised, lambda d: d.pop("effective_from"), "effective_from", "缺少日期"),
    ("effective_from type", _itemised, lambda d: d.update(effective_from=20230101), "effective_from", "日期"),
    ("effective_to bad", _itemised, lambda d: d.update(effective_to="soon"), "effective_to", "effective_to"),
    ("effective_to before", _itemised, lambda d: d.update(effective_to="2022-01-01"),
     "effective_to must not be before", "不能早于 effective_from"),
    ("mode", _itemised, lambda d: d.update(mode="flat"), "mode", "mode 须为"),
    ("sample", _itemised, lambda d: d.update(sample="yes"), "sample", "sample 须为 true 或 false"),
    ("priority", _itemised, lambda d: d.update(priority="high"), "priority", "priority 须为整数"),
    ("use_mapping table", _itemised, lambda d: d.update(use_mapping=["x"]), "use_mapping", "use_mapping 须为"),
    ("use_mapping use", _itemised, lambda d: d["use_mapping"].update(garage="residential"), "unknown use",
     "未知的用途"),
    ("use_mapping category", _itemised, lambda d: d["use_mapping"].update(mixed="housing"), "category must be",
     "类别须为"),
    ("rules empty", _itemised, lambda d: d.update(rules=[]), "at least one rule", "至少需要一条规则"),
    ("rules missing", _itemised, lambda d: d.pop("rules"), "at least one rule", "至少需要一条规则"),
    ("rule table", _itemised, lambda d: d["rules"].append("x"), "must be a table", "必须是一个表"),
    ("rule id", _itemised, _set(_rule, id="Bad Id"), "id must be a slug", "id 须为标识符"),
    ("rule id dup", _itemised, lambda d: _rule(d, 1).update(id=_rule(d)["id"]), "duplicate rule id", "重复"),
    ("landlord_kind", _itemised, _set(_rule, landlord_kind="company"), "landlord_kind", "landlord_kind 须为"),
    ("category", _itemised, _set(_rule, category="shop"), "category must be", "category 须为"),
    ("rule covers", _itemised, lambda d: _rule(d, 1).update(category="residential"), "already covers",
     "已有另一条规则"),
    ("bands in itemised", _itemised, _set(_rule, bands=[{"rate": "1%"}]), "bands are only", "bands（档次）只用于"),
    ("items missing", _itemised, lambda d: _rule(d).pop("items"), "items are required", "items（税目）为必填项"),
    ("item table", _itemised, lambda d: _rule(d)["items"].append(3), "each item must be a table", "每个税目"),
    ("item dup", _itemised, lambda d: _rule(d)["items"].append(dict(_item(d))), "duplicate item", "税目代码（code）重复"),
    ("vat item", _itemised, lambda d: _rule(d)["items"].pop(0), "need a 'vat' item", "rent_ex_vat 的 vat 税目"),
    ("item code", _itemised, _set(_item, code="vatt"), "unknown item code", "未知的税目代码"),
    ("item code comprehensive", _itemised, _set(_item, code="comprehensive"), "unknown item code",
     "未知的税目代码"),
    ("item base", _itemised, _set(_item, base="turnover"), "base must be", "base（计税依据）须为"),
    ("rate float", _itemised, _set(_item, rate=0.015), "rate", "带引号的字符串"),
    ("rate text", _itemised, _set(_item, rate="abc"), "not a rate", "不是有效的税率"),
    ("rate range", _itemised, _set(_item, rate="150%"), "out of range", "0 至 100%"),
    ("rate negative", _itemised, _set(_item, rate="-1%"), "out of range", "0 至 100%"),
    ("area rate negative", _itemised, _set(_item, base="area", rate="-0.5"), "non-negative", "单价"),
    ("assessed_rate", _itemised, _set(_item, assessed_rate="2"), "assessed_rate", "assessed_rate：税率须在"),
    ("percent_deduction", _itemised, _set(_item, percent_deduction="x"), "percent_deduction", "percent_deduction："),
    ("rate missing", _itemised, lambda d: _item(d).pop("rate"), "rate is required", "rate（税率）为必填项"),
    ("exempt_up_to", _itemised, _set(_item, exempt_up_to_monthly_rent_fen=-1), "non-negative",
     "exempt_up_to_monthly_rent_fen 须为非负整数"),
    ("min_fen", _itemised, _set(_item, min_fen="100"), "min_fen", "min_fen 须为非负整数"),
    ("fixed_deduction_fen", _itemised, _set(_item, fixed_deduction_fen=1.5), "fixed_deduction_fen",
     "fixed_deduction_fen 须为"),
    ("deduction_threshold_fen", _itemised, _set(_item, deduction_threshold_fen=True), "deduction_threshold_fen",
     "deduction_threshold_fen 须为"),
    ("exempt", _itemised, _set(_item, exempt="no"), "exempt must be", "exempt 须为 true 或 false"),
    ("deduct_items code", _itemised, _set(_item, deduct_items=["vat", "xx"]), "deduct_items", "deduct_items 中有未知"),
    ("deduct_items type", _itemised, _set(_item, deduct_items=5), "deduct_items", "deduct_items 须为"),
    ("vat_divisor small", _itemised, _set(_item, vat_divisor="0.9"), "vat_divisor", "vat_divisor 不能小于 1"),
    ("vat_divisor text", _itemised, _set(_item, vat_divisor="abc"), "vat_divisor", "vat_divisor 不是有效的数字"),
    ("vat_divisor infinite", _itemised, _set(_item, vat_divisor="Infinity"), "vat_divisor", "vat_divisor"),
    ("reductions type", _itemised, _set(_rule, reductions=5), "reductions", "reductions（减免）须为"),
    ("reduction table", _itemised, lambda d: _rule(d)["reductions"].append("x"), "must be a table", "必须是一个表"),
    ("reduction items", _itemised, lambda d: _rule(d)["reductions"][0].pop("items"), "items are required",
     "减免适用的税目"),
    ("reduction item code", _itemised, lambda d: _rule(d)["reductions"][0].update(items=["vat", "xx"]),
     "unknown item", "未知的税目代码"),
    ("reduction percent range", _itemised, lambda d: _rule(d)["reductions"][0].update(percent="150"), "percent",
     "0 至 100"),
    ("reduction percent float", _itemised, lambda d: _rule(d)["reductions"][0].update(percent=50.0), "percent",
     "字符串或整数"),
    ("reduction percent text", _itemised, lambda d: _rule(d)["reductions"][0].update(percent="half"), "percent",
     "不是有效的数字"),
    ("reduction from", _itemised, lambda d: _rule(d)["reductions"][0].update({"from": "2023/01/01"}), "from",
     "from（起始日期）"),
    ("reduction to missing", _itemised, lambda d: _rule(d)["reductions"][0].pop("to"), "to", "to（截止日期）"),
    ("reduction order", _itemised, lambda d: _rule(d)["reductions"][0].update(to="2020-01-01"), "before 'from'",
     "早于 from"),
    ("items in comprehensive", _comprehensive, lambda d: _rule(d).update(items=[{"code": "vat"}]),
     "items are only", "只用于分项征收"),
    ("bands missing", _comprehensive, lambda d: _rule(d).pop("bands"), "bands are required", "bands（档次）为必填项"),
    ("band table", _comprehensive, lambda d: _rule(d)["bands"].insert(0, "x"), "must be a table", "必须是一个表"),
    ("band rate", _comprehensive, lambda d: _rule(d)["bands"][0].update(rate="7"), "rate", "rate：税率须在"),
    ("band last", _comprehensive, lambda d: _rule(d)["bands"][-1].update(up_to_fen=10**9), "last band", "最后一档"),
    ("band up_to_fen", _comprehensive, lambda d: _rule(d)["bands"][0].update(up_to_fen="5000"), "up_to_fen",
     "up_to_fen 须为非负整数"),
    ("band ascend", _comprehensive, lambda d: _rule(d)["bands"][1].update(up_to_fen=100), "ascend", "逐档递增"),
]


@pytest.mark.parametrize("name,base,mutate,en_word,zh_word", CASES, ids=[c[0] for c in CASES])
def test_every_validation_problem_is_bilingual(name, base, mutate, en_word, zh_word):
    d = base()
    assert validate_schedule(d) == []
    mutate(d)
    problems = validate_schedule(d)
    assert problems, name
    for p in problems:
        _assert_bilingual(p)
    assert any(en_word in p.en for p in problems), [p.en for p in problems]
    assert any(zh_word in p.zh for p in problems), [p.zh for p in problems]
    assert validate_schedule_localized(copy.deepcopy(d), "zh") == [p.zh for p in problems]
    assert validate_schedule_localized(copy.deepcopy(d), "en") == [str(p) for p in problems]
    with pytest.raises(ScheduleError) as exc:
        RateSchedule.from_dict(d)
    assert exc.value.errors == problems and exc.value.messages("zh") == [p.zh for p in problems]


def test_chinese_keeps_the_key_names_and_place():
    d = _itemised()
    rid = _rule(d)["id"]
    _item(d, 0)["rate"] = "150%"
    (p,) = validate_schedule(d)
    code = _item(d, 0)["code"]
    assert p.zh == f"规则 {rid} 的税目 {code}：rate：税率须在 0 至 100% 之间，实际为 '150%'"
    assert p.en == f"rule {rid} item {code}: rate: rate out of range 0..100 %: '150%'"


def test_not_a_table():
    (p,) = validate_schedule("nope")
    _assert_bilingual(p)
    assert validate_schedule_localized([], "zh_Hans_CN") == ["税率表必须是一个表（TOML 表或 JSON 对象）"]


@pytest.mark.parametrize("call", [
    lambda: parse_rate("x"), lambda: parse_rate(0.5), lambda: parse_rate("101%"), lambda: parse_rate("-1", cap=False),
    lambda: _parse_percent(True), lambda: _parse_percent("x"), lambda: _parse_percent(101),
    lambda: _parse_date("2024-02-30"), lambda: _parse_date(None), lambda: _fen(-1, "min_fen"),
])
def test_helpers_raise_value_errors_carrying_a_bilingual_problem(call):
    with pytest.raises(ValueError) as exc:
        call()
    p = ScheduleProblem.of(exc.value)
    _assert_bilingual(p)
    assert str(exc.value) == p.en


def test_item_helper_and_band_lookup():
    for p in _validate_item("x", "rule r") + _validate_item({"code": "x", "base": "y"}, "rule r"):
        _assert_bilingual(p)
    rule = RateSchedule.from_dict(_comprehensive()).rules[0]
    object.__setattr__(rule, "bands", rule.bands[:1])  # a broken schedule: no band for a high rent
    with pytest.raises(ScheduleError) as exc:
        rule.band_for(10**9)
    _assert_bilingual(exc.value.problems[0])


@pytest.mark.parametrize("text,line,col", [
    ('id = "a"\nversion = 1\nmode = itemised\n', 3, 8),
    ('id = "a"\nversion 1\n', 2, 9),
    ('id = "a"\nid = "b"\n', 2, 9),
    ('rates = ["1%", "2%"\n', None, None),
    ('[[schedule]]\nid = "a\n', 2, 8),
    ('title = "x" y = 1\n', 1, 13),
    ('a = {b = 1\n', 1, 11),
    ('d = 2024-02-30\n', 1, 5),
    ('d = 2024-13-01\n', 1, 9),
    ('[x\n', 1, 3),
])
def test_toml_syntax_errors_are_bilingual_with_line_and_column(text, line, col):
    with pytest.raises(tomllib.TOMLDecodeError) as raw:
        tomllib.loads(text)
    p = toml_problem(raw.value)
    _assert_bilingual(p)
    assert p.zh.startswith("TOML 格式错误（") and p.en.startswith("TOML syntax error")
    if line is not None:
        assert f"（第 {line} 行第 {col} 列）：" in p.zh and f"line {line}, column {col}" in p.en
    assert not re.search(r"[A-Za-z]{4,}", p.zh.split("：", 1)[1].replace("TOML", "")), p.zh  # no English left
    with pytest.raises(ScheduleError) as exc:
        schedules_from_toml(text)
    assert exc.value.problems == [p] and exc.value.problems[0].zh == p.zh


def test_toml_error_of_an_unknown_wording_keeps_the_chinese_prefix():
    p = toml_problem(tomllib.TOMLDecodeError("Something new (at line 4, column 2)"))
    assert p.zh == "TOML 格式错误（第 4 行第 2 列）：Something new"
    p = toml_problem(tomllib.TOMLDecodeError("odd"))
    assert p.zh == "TOML 格式错误：odd" and p.en == "TOML syntax error: odd"


@pytest.mark.parametrize("text", ['{"id": }', '{"id" "a"}', '{"id": "a",}', '{"id": "a" "b": 1}', '{"id": "a}',
                                  '{"id": "a"} x', '{"a": "\\q"}'])
def test_json_syntax_errors_are_bilingual_with_line_and_column(text):
    with pytest.raises(json.JSONDecodeError) as raw:
        json.loads(text)
    p = json_problem(raw.value)
    _assert_bilingual(p)
    assert p.zh.startswith(f"JSON 格式错误（第 {raw.value.lineno} 行第 {raw.value.colno} 列）：")
    assert not re.search(r"[A-Za-z]{4,}", p.zh.split("：", 1)[1].replace("JSON", "")), p.zh


def test_problem_is_an_immutable_english_string():
    p = ScheduleProblem("rate is required", "rate 为必填项")
    assert p == "rate is required" and "required" in p and "; ".join([p, p]) == "rate is required; rate is required"
    assert f"{p}" == "rate is required" and p.en == "rate is required" and p.zh == "rate 为必填项"
    with pytest.raises(AttributeError):
        p.zh = "x"
    assert ScheduleProblem.of(ValueError(p)) is p and ScheduleProblem.of(p) is p
    assert ScheduleProblem.of(ScheduleError([p])) is p
    assert ScheduleProblem("a", "甲") == ScheduleProblem("a", "乙")  # compares as the English string
    assert Decimal("1") and str(ScheduleError([p])) == "rate is required"


def test_every_message_in_the_model_is_a_bilingual_problem():
    """A guard for new code: no plain-string error message is raised or collected in fees/model.py."""
    tree = ast.parse(MODEL.read_text(encoding="utf-8"))
    bilingual = {"_P", "ScheduleProblem", "problem", "wrap", "of", "toml_problem", "json_problem"}

    def name(call):
        f = call.func
        return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None

    def isbilingual(expr):
        if isinstance(expr, ast.IfExp):
            return isbilingual(expr.body) and isbilingual(expr.orelse)
        return isinstance(expr, ast.Call) and name(expr) in bilingual

    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and name(node.exc) in ("ValueError",
                                                                                                 "ScheduleError"):
            (arg,) = node.exc.args
            if isinstance(arg, ast.Name) and arg.id == "errors":  # from_dict: validate_schedule's problems
                continue
            inner = arg.elts if isinstance(arg, ast.List) else [arg]
            if not all(isbilingual(a) for a in inner):
                bad.append(node.lineno)
        if isinstance(node, ast.Call) and name(node) == "append" and isinstance(node.func.value, ast.Name) \
                and node.func.value.id == "errs":
            (arg,) = node.args
            if not isbilingual(arg):
                bad.append(node.lineno)
        if isinstance(node, ast.Call) and name(node) == "check":
            if not (len(node.args) >= 3 and all(isinstance(a, (ast.JoinedStr, ast.Constant)) for a in node.args[1:3])):
                bad.append(node.lineno)
    assert not bad, f"English-only messages at fees/model.py lines {bad}"
