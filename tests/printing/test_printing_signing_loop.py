"""Signing and validating work inside a running event loop too (pyhanko's synchronous API calls
``asyncio.run()``: a thread that drives Playwright or an async server has a loop running)."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from printing import render_document, samples
from printing.signing import OfficeSigner, make_demo_credentials, validate


def test_sign_and_validate_inside_a_running_event_loop():
    creds = make_demo_credentials()
    signer = OfficeSigner(creds.p12)
    pdf = render_document(samples.sample_receipt())

    async def inside():
        signed = signer.sign(pdf, reason="loop")
        return signed, validate(signed, [creds.ca_pem])

    # a fresh thread: the test runner's own thread may already hold a running loop (the browser journeys')
    with ThreadPoolExecutor(max_workers=1) as pool:
        signed, check = pool.submit(asyncio.run, inside()).result()
    assert check.ok, check.summary
    assert signed.startswith(pdf[:8]) and len(signed) > len(pdf)
