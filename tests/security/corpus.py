"""The hostile-input corpus: values a careless clerk, a barcode scanner gone wrong or an attacker type.

``CORPUS`` holds every value once (order is stable: the Latin square of the corpus test depends on it).
``REPORTED`` are the requests that answered 500 before issue 12 (they are all in the corpus, and
``test_reported_inputs`` replays them as they were reported). ``MONEYISH`` and ``DATEISH`` are pushed
through the numeric and the date fields of valid base forms (single-field mutations).
"""
from __future__ import annotations

EMPTY_AND_SPACES = ["", " ", "\t", "\r\n", "\u3000", "\u00a0", "\u3000张三\u3000"]

CONTROL = ["\x00", "a\x00b", "张\x00三", "\x01", "\x07", "\x1b[31mred\x1b[0m", "\x7f", "\x85", "line\nbreak",
           "tab\there", "%00", "\\x00"]

BIDI_AND_INVISIBLE = ["\u202e", "abc\u202edcba", "\u202dLTR", "\u2066x\u2069", "\u200f", "\u061c", "\ufeffBOM",
                      "a\u2028b", "\u2029", "\u200b", "\ufffd", "\uffff"]

SURROGATES = ["\ud800", "\udfff", "a\udc80b", "张\udbff三"]

# 100,000 characters, and one character more than each bound (room/phone 20, house code 25, ID 32, name 60,
# reference/user name 64, address/search 100, reason 500)
LONG = ["A" * 100_000, "张" * 10_000, "x" * 21, "x" * 26, "x" * 33, "x" * 61, "x" * 65, "x" * 101, "x" * 501]

UNICODE = ["😀", "👨\u200d👩\u200d👧\u200d👦", "🏠租房" * 30, "𠀀𪚥", "\U0010fffd", "\U000e0041", "e\u0301", "①②③",
           "مرحبا", "\ue000"]

FULLWIDTH = ["１２３４５", "３５００．５０", "２０２６-０１-０１", "２０２６－０１", "４４０３０４１９９００１０１１２３４",
             "ＦＴ０１-２０２６-０００００１", "－１", "％"]

MARKUP = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "'", "\"", "&amp;", "&#0;",
          "javascript:alert(1)", "</textarea><b>x</b>", "<!--",
          "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>",
          "<img src=\"file:///etc/passwd\">", "url(file:///etc/passwd)"]

SQL = ["' OR '1'='1", "'; DROP TABLE lease; --", "1; SELECT pg_sleep(5)", "' UNION SELECT NULL--", "\\", "\\\\",
       "%", "_", "%%", "%_%", "a%b", "\\%", "\\_", "/", "/%"]

TEMPLATES = ["{{7*7}}", "{% debug %}", "{{config}}", "${7*7}", "%(name)s", "%s%s%s%n", "{0}", "{{"]

PATHS_AND_URLS = ["../../etc/passwd", "file:///etc/passwd", "http://169.254.169.254/latest/", "//evil.example",
                  "\\\\evil\\share", "/\\evil.example", "data:text/html,<b>x</b>", "nul.csv"]

NUMBERS = ["0", "-0", "-1", "1", "0.00", "0.001", "0.01", "1e20", "1e30", "NaN", "sNaN", "Infinity", "-Infinity",
           "0x10", "1_000", "1,000,000.00", "1.2.3", "3500.123", "3500.5", "21474836.47", "21474836.48", "30000000",
           "10000000.01", "10000000.00", "99999999999999999999", "9223372036854775808", "2147483648",
           "1.7976931348623157e308", "¥3500", "￥3,500.00", "3 500", "٣٥٠٠", "²", ".5", "."]

DATES = ["0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "2026-00-10", "1989-12-31", "2100-01-01",
         "10000-01-01", "2026/01/01", "20260101", "2023-02-29", "-2026-01-01", "2026-01-01T00:00:00", "0000-00-00",
         "9999-99", "2026-13", "1900-01", "9999-12", "0001-01", "2999-01-01"]

WORDS = ["None", "[]", "__proto__", "AAAAAAAAAAAAAAAAAAAA"]

CORPUS: list[str] = []
for _group in (EMPTY_AND_SPACES, CONTROL, BIDI_AND_INVISIBLE, SURROGATES, LONG, UNICODE, FULLWIDTH, MARKUP, SQL,
               TEMPLATES, PATHS_AND_URLS, NUMBERS, DATES, WORDS):
    for _value in _group:
        if _value not in CORPUS:
            CORPUS.append(_value)

# single-field mutations, by the kind of the field's valid value
MONEYISH: list[str] = NUMBERS + ["３５００．５０", "", " ", "\x00", "{{7*7}}", "\ud800"]
DATEISH: list[str] = DATES + ["２０２６-０１-０１", "0", "-1", "99999999999999999999", "", "\x00", "%"]

# (method, path, field, value) as reported in issue 12: each answered 500 before.
REPORTED = [
    ("POST", "/leases/new", "tenants-0-name", "张\x00三"),
    ("GET", "/leases/", "q", "\x00"),
    ("GET", "/collection/", "q", "a\x00b"),
    *[("POST", "/leases/new", "monthly_rent", v)
      for v in ("21474836.48", "30000000", "1e20", "3500.123", "NaN", "Infinity", "1e30", "sNaN")],
    ("POST", "/leases/new", "end_date", "9999-12-31"),
    ("GET", "/leases/", "page", "99999999999999999999"),
    ("POST", "/leases/new", "monthly_rent", "21474836.47"),
    ("POST", "/leases/new", "start_date", "0001-01-01"),
]

assert len(CORPUS) >= 150, len(CORPUS)
assert all(v in CORPUS for _m, _p, _f, v in REPORTED)
