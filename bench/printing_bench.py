"""Printing benchmark: our render path vs WeasyPrint alone, and a 2-process batch.

    cd /work/main && .venv/bin/python bench/printing_bench.py [--n 20] [--batch 200] [--procs 2]

1. Median time of ``render_certificate`` / ``render_info_slip`` (Jinja + Code128 + QR +
   WeasyPrint with the shared FontConfiguration, pre-parsed CSS and restricted fetcher)
   vs ``weasyprint.HTML(string=<the same final HTML>).write_pdf(font_config=<same>,
   stylesheets=<same pre-parsed CSS>)`` alone.  Each iteration uses a different document
   number, so the barcode/QR caches do not help us.  Target ratio <= 1.3.
2. ``--batch`` slips rendered by a ``--procs`` multiprocessing pool, each worker with its own
   renderer (warmed up in the initializer), ``--chunk`` slips per PDF via ``render_batch``
   (fonts subset once per PDF: ~2x cheaper per slip than one PDF each; ``--chunk 1`` or
   ``--also-single`` measures one PDF per slip).  Throughput is reported with and without the
   pool start-up.  Target >= 4.5 docs/s.
3. Per document kind (certificate, A4 and A5 slip, receipt, day-close sheet, ledger report of 30
   lines): the median render (glyph check + layout + PDF) and the median PAdES signature of that PDF
   (``printing.signing.OfficeSigner`` with demo credentials, ECDSA P-256), and their ratio.
   Target: signing <= 10 % of the render.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import weasyprint  # noqa: E402

from printing import samples  # noqa: E402
from printing.documents import (render_batch, render_certificate,  # noqa: E402
                                render_certificate_html, render_info_slip,
                                render_info_slip_html)
from printing.render import get_renderer  # noqa: E402


def median_pair(make, render, render_html, n):
    r = get_renderer()
    docs = [make(i) for i in range(2 * n + 2)]
    render(docs[-1])  # warm-up (font loading)
    weasyprint.HTML(string=render_html(docs[-2])).write_pdf(
        font_config=r.font_config, stylesheets=r.stylesheets)
    ours, alone = [], []
    for i in range(n):
        d = docs[i]
        t0 = time.perf_counter()
        render(d)
        ours.append(time.perf_counter() - t0)
        html = render_html(docs[n + i])  # a fresh document for the baseline too
        t0 = time.perf_counter()
        weasyprint.HTML(string=html).write_pdf(font_config=r.font_config,
                                               stylesheets=r.stylesheets)
        alone.append(time.perf_counter() - t0)
    return statistics.median(ours), statistics.median(alone)


SIGN_KINDS = {
    "certificate": lambda i: samples.sample_certificate(doc_number=f"DOC-FT01-2026-{300000 + i:06d}"),
    "info slip A4": lambda i: samples.sample_info_slip(doc_number=f"DOC-FT01-2026-{400000 + i:06d}"),
    "info slip A5": lambda i: samples.sample_info_slip("A5", doc_number=f"DOC-FT01-2026-{500000 + i:06d}"),
    "receipt": lambda i: samples.sample_receipt(doc_number=f"DOC-FT01-2026-{600000 + i:06d}"),
    "day close": lambda i: samples.sample_day_close(doc_number=f"DOC-FT01-2026-{700000 + i:06d}"),
    "ledger (30 lines)": lambda i: samples.sample_ledger(30, doc_number=f"DOC-FT01-2026-{800000 + i:06d}"),
}


def sign_costs(n: int) -> dict[str, tuple[float, float, int]]:
    """kind -> (median render s, median sign s, signed PDF bytes)."""
    from printing.documents import render_document
    from printing.signing import OfficeSigner, make_demo_credentials

    signer = OfficeSigner(make_demo_credentials().p12)
    out = {}
    for kind, make in SIGN_KINDS.items():
        signer.sign(render_document(make(n + 1)))  # warm-up
        renders, signs, size = [], [], 0
        for i in range(n):
            doc = make(i)
            t0 = time.perf_counter()
            pdf = render_document(doc)
            t1 = time.perf_counter()
            signed = signer.sign(pdf, reason=kind)
            t2 = time.perf_counter()
            renders.append(t1 - t0)
            signs.append(t2 - t1)
            size = len(signed)
        out[kind] = (statistics.median(renders), statistics.median(signs), size)
    return out


def _init_worker():
    render_info_slip(samples.sample_info_slip())  # own renderer (new pid) + warm fonts


def _render_one(doc):
    return [len(render_info_slip(doc))]


def _render_chunk(chunk):
    """One PDF per chunk (render_batch): the Noto fonts are subset once per chunk."""
    pdf = render_batch(chunk)
    return [len(pdf) // len(chunk)] * len(chunk)


def batch(n_docs, procs, chunk):
    docs = [samples.sample_info_slip(doc_number=f"DOC-FT01-2026-{900000 + i:06d}")
            for i in range(n_docs)]
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    t0 = time.perf_counter()
    with ctx.Pool(procs, initializer=_init_worker) as pool:
        pool.map(_noop, range(procs))  # wait until workers are up
        t1 = time.perf_counter()
        if chunk <= 1:
            parts = pool.map(_render_one, docs, chunksize=4)
        else:
            parts = pool.map(_render_chunk, [docs[i:i + chunk]
                                             for i in range(0, n_docs, chunk)])
        t2 = time.perf_counter()
    sizes = [x for part in parts for x in part]
    assert len(sizes) == n_docs and min(sizes) > 10_000
    return n_docs / (t2 - t0), n_docs / (t2 - t1), t1 - t0, t2 - t1


def _noop(_):
    return os.getpid()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=25,
                    help="slips per PDF in the batch (1 = one PDF per slip)")
    ap.add_argument("--also-single", action="store_true",
                    help="also run the batch with one PDF per slip")
    a = ap.parse_args()

    cert = median_pair(
        lambda i: samples.sample_certificate(doc_number=f"DOC-FT01-2026-{100000 + i:06d}"),
        render_certificate, render_certificate_html, a.n)
    slip = median_pair(
        lambda i: samples.sample_info_slip(doc_number=f"DOC-FT01-2026-{200000 + i:06d}"),
        render_info_slip, render_info_slip_html, a.n)
    signing = sign_costs(max(3, a.n // 4))
    runs = [(a.chunk, batch(a.batch, a.procs, a.chunk))]
    if a.also_single and a.chunk != 1:
        runs.append((1, batch(a.batch, a.procs, 1)))

    print(f"\nprinting benchmark  (cpus={os.cpu_count()}, n={a.n} per median, "
          f"weasyprint {weasyprint.__version__})")
    print(f"{'document':<14}{'ours (s)':>10}{'alone (s)':>11}{'ratio':>8}{'target':>9}")
    for name, (ours, alone) in (("certificate", cert), ("info slip A4", slip)):
        ratio = ours / alone
        print(f"{name:<14}{ours:>10.3f}{alone:>11.3f}{ratio:>8.2f}{'<= 1.30':>9}"
              f"  {'OK' if ratio <= 1.3 else 'MISS'}")
    print(f"\n{'document':<20}{'render (ms)':>12}{'sign (ms)':>11}{'sign/render':>13}{'target':>9}")
    for kind, (render_s, sign_s, size) in signing.items():
        ratio = sign_s / render_s
        print(f"{kind:<20}{render_s * 1000:>12.0f}{sign_s * 1000:>11.1f}{ratio:>12.1%}{'<= 10%':>9}"
              f"  {'OK' if ratio <= 0.10 else 'MISS'}  ({size // 1024} KB signed)")
    for chunk, (total_rate, steady_rate, startup, work) in runs:
        how = "one PDF per slip" if chunk == 1 else f"render_batch, {chunk} slips per PDF"
        print(f"\nbatch: {a.batch} slips on {a.procs} processes ({how})")
        print(f"  pool start-up + warm-up   {startup:6.2f} s")
        print(f"  rendering                 {work:6.2f} s")
        print(f"  throughput incl. start-up {total_rate:6.2f} docs/s  (target >= 4.5: "
              f"{'OK' if total_rate >= 4.5 else 'MISS'})")
        print(f"  throughput steady state   {steady_rate:6.2f} docs/s")

if __name__ == "__main__":
    main()
