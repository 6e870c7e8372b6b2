import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_fees_pulls_in_neither_flask_nor_sqlalchemy():
    code = ("import sys, fees\n"
            "fees.load_shipped_schedules(); fees.load_sample_guidance()\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy'))\n"
            "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_fees_sources_do_not_mention_float_or_web_stack():
    for p in (ROOT / "fees").rglob("*.py"):
        text = p.read_text(encoding="utf-8")
        assert "import flask" not in text and "from flask" not in text, p
        assert "sqlalchemy" not in text, p
