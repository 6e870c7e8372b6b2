#!/usr/bin/env python3
"""Screenshots of pages of a running counter, logged in as a user (for looking at what we build).

    python scripts/shoot.py http://127.0.0.1:5000 USER PASSWORD OUTDIR /path1 /path2 ...
"""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
        "--no-first-run", "--disable-component-update", "--disable-sync"]


def main(base, user, password, outdir, *paths):
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        if user != "-":
            page.goto(base + "/login")
            page.fill("#username", user)
            page.fill("#password", password)
            with page.expect_navigation():
                page.keyboard.press("Enter")
        for path in paths:
            page.goto(base + path)
            name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
