"""One label source per domain term: English source strings in the code, Chinese from the catalogs;
printed documents get the same labels in Chinese whatever the UI language."""
import ast
import re
from pathlib import Path

import fees.uses

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


DATA = {"counter/demo.py"}  # the demo users' display names are sample data, not labels


def _chinese_label_tables():
    """Dict literals of str -> Chinese str in counter/ (a hard-coded label table)."""
    found = []
    for path in sorted((ROOT / "counter").rglob("*.py")):
        if str(path.relative_to(ROOT)) in DATA:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict) and len(node.values) >= 2 and all(
                    isinstance(v, ast.Constant) and isinstance(v.value, str) and CJK.search(v.value)
                    for v in node.values):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_hard_coded_chinese_label_tables():
    assert _chinese_label_tables() == []


def test_shared_codes_read_alike_in_the_catalogs_and_in_fees(app):
    """fees/ words its explanations itself (a library without the app's catalogs): same Chinese."""
    from counter.core.i18n import printed
    from counter.core.labels import LANDLORD_KIND_LABELS, USE_LABELS

    with app.app_context():
        assert set(USE_LABELS) == set(fees.uses.USES)
        for code, label in USE_LABELS.items():
            assert printed(label) == fees.uses.USE_LABELS[code]["zh"], code
        for code, label in LANDLORD_KIND_LABELS.items():
            assert printed(label) == fees.uses.LANDLORD_KIND_LABELS[code]["zh"], code


def test_printed_labels_are_chinese_under_an_english_ui(app):
    from flask_babel import force_locale

    from counter.documents import labels as doc
    from counter.leases.labels import use_label

    with app.test_request_context(), force_locale("en"):
        assert use_label("residential") == "Residential"
        assert (doc.use_zh("residential"), doc.role_zh("tenant"), doc.id_type_zh("resident_id")) == \
            ("住宅", "承租人", "居民身份证")
        assert (doc.method_zh("cash"), doc.kind_zh("receipt"), doc.reversal_suffix_zh("void")) == \
            ("现金", "代征税款收据", "（作废冲销）")
        assert doc.reversal_suffix_zh("collection") == "" and doc.method_zh("unknown") == "unknown"
        assert use_label("residential") == "Residential"  # the UI language is back


def test_every_label_has_one_chinese_text_in_all_catalogs():
    """The catalogs are merged at run time (a msgid translated twice shows whichever loads last): a label
    of a code reads the same in every catalog."""
    from babel.messages.pofile import read_po

    from counter.collection import labels as collection
    from counter.core import labels as core
    from counter.documents import labels as documents
    from counter.leases import labels as leases

    texts: dict[str, set] = {}
    for po in (ROOT / "translations").glob("*/zh/LC_MESSAGES/messages.po"):
        with open(po, "rb") as fh:
            for m in read_po(fh):
                if m.id and m.string and isinstance(m.id, str):
                    texts.setdefault(m.id, set()).add(m.string)
    tables = [core.USE_LABELS, core.LANDLORD_KIND_LABELS, leases.ID_TYPE_LABELS, leases.ROLE_LABELS,
              leases.STATUS_LABELS, leases.PAYMENT_CYCLE_LABELS, leases.EVENT_LABELS, collection.METHOD_LABELS,
              collection.RECEIPT_STATUS_LABELS, collection.KIND_LABELS, collection.REVERSAL_SUFFIXES,
              documents.KIND_LABELS, documents.STATUS_LABELS]
    twice = {label._args[0]: texts.get(label._args[0]) for table in tables for label in table.values()
             if len(texts.get(label._args[0], ())) != 1}
    assert twice == {}
