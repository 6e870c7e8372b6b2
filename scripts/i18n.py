#!/usr/bin/env python3
"""Message catalogs, one per area (so that modules can be translated independently).

    python scripts/i18n.py extract AREA PATH...   # update translations/AREA/zh from those sources
    python scripts/i18n.py fill AREA [FILE]         # set Chinese translations from {msgid: text}
    python scripts/i18n.py compile                # compile every catalog (make run / make test do it)
    python scripts/i18n.py missing                # list msgids without a Chinese translation

Source strings are English; Simplified Chinese (zh) is the default UI language, English shows the
source strings. The .po files are the one source of the Chinese texts: ``fill`` reads its JSON object
from FILE or from standard input (a here-document, or a scratch file you do not commit), e.g.

    python scripts/i18n.py fill leases <<'EOF'
    {"Renewed": "已续租"}
    EOF
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
PYBABEL = [sys.executable, "-m", "babel.messages.frontend"]


def extract(area: str, paths: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run([*PYBABEL, "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "--no-location",
                        "--omit-header", "-o", str(pot), *paths], check=True, cwd=ROOT)
        po = TRANSLATIONS / area / "zh" / "LC_MESSAGES" / "messages.po"
        if po.exists():
            subprocess.run([*PYBABEL, "update", "--no-fuzzy-matching", "-i", str(pot), "-d",
                            str(TRANSLATIONS / area), "-l", "zh"], check=True)
        else:
            subprocess.run([*PYBABEL, "init", "-i", str(pot), "-d", str(TRANSLATIONS / area), "-l", "zh"],
                           check=True)


def fill(area: str, mapping_file: str | None = None) -> None:
    """Set translations from a JSON object {msgid: Chinese} (FILE, or standard input); msgids not yet in
    the catalog are added (``extract`` adds them too, with their source paths)."""
    import json

    from babel.messages.pofile import read_po, write_po

    text = sys.stdin.read() if mapping_file in (None, "-") else Path(mapping_file).read_text(encoding="utf-8")
    mapping = json.loads(text)
    po = TRANSLATIONS / area / "zh" / "LC_MESSAGES" / "messages.po"
    with open(po, "rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in mapping:
            message.string = mapping[key] if isinstance(message.id, str) else (mapping[key], mapping[key])
            message.flags.discard("fuzzy")
    for key, value in mapping.items():
        if key not in catalog:
            catalog.add(key, value)
    with open(po, "wb") as fh:
        write_po(fh, catalog, omit_header=False, width=100)


def compile_all() -> None:
    """Compile every area's catalog; a catalog that does not compile is reported (the test of missing
    translations then fails), the others are still compiled."""
    for area in sorted(p for p in TRANSLATIONS.iterdir() if p.is_dir()):
        result = subprocess.run([*PYBABEL, "compile", "-d", str(area)], capture_output=True, text=True)
        if result.returncode != 0:
            print(f"warning: catalog {area.name} did not compile: {result.stderr.strip()}", file=sys.stderr)


def all_msgids() -> set[str]:
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "all.pot"
        subprocess.run([*PYBABEL, "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-o", str(pot),
                        "counter", "templates"], check=True, cwd=ROOT, capture_output=True)
        from babel.messages.pofile import read_po

        with open(pot, "rb") as fh:
            return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


def translated() -> dict[str, str]:
    from babel.messages.pofile import read_po

    out: dict[str, str] = {}
    for po in TRANSLATIONS.glob("*/zh/LC_MESSAGES/messages.po"):
        with open(po, "rb") as fh:
            for m in read_po(fh):
                if m.id and m.string and not m.fuzzy:
                    key = m.id if isinstance(m.id, str) else m.id[0]
                    out[key] = m.string if isinstance(m.string, str) else m.string[0]
    return out


def missing() -> list[str]:
    done = translated()
    return sorted(i for i in all_msgids() if i not in done)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "compile"
    if cmd == "extract":
        extract(sys.argv[2], sys.argv[3:])
    elif cmd == "fill":
        fill(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    elif cmd == "compile":
        compile_all()
    elif cmd == "missing":
        for m in missing():
            print(repr(m))
    else:
        sys.exit(__doc__)
