"""Secrets never reach log output, including tracebacks."""

from __future__ import annotations

import io
import logging

from ledgerlink import redact


def _capture() -> tuple[logging.Logger, io.StringIO]:
    redact.install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(f"test.redact.{id(stream)}")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, stream


def test_registered_secrets_are_masked_in_messages_and_tracebacks() -> None:
    secret = "s3cr3t-value-nobody-should-see"
    redact.register(secret)
    logger, out = _capture()
    logger.info("connecting with %s", secret)
    try:
        raise RuntimeError(f"provider said no to {secret}")
    except RuntimeError:
        logger.exception("refresh failed")
    text = out.getvalue()
    assert secret not in text
    assert text.count(redact.MASK) >= 2
    assert "provider said no to" in text  # the useful part of the error stays


def test_token_shapes_are_masked_even_when_unregistered() -> None:
    samples = {
        "Authorization: Bearer eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..abcdef": "eyJlbm",
        "grant_type=refresh_token&refresh_token=AB11570127472xkApQcsuqTXgmXTmslIuWq7": "AB1157",
        '{"access_token": "v1u:AQIBAHj+abcdefghijklmnop"}': "v1u:AQ",
        "refresh 1:1:2a5496a8bdd0f829dcb09dc8ba82b188f0ea4481 failed": "2a5496a8",
        "GET /v1/deals?api_token=0123456789abcdef0123": "0123456789abcdef",
    }
    for text, leaked in samples.items():
        masked = redact.redact(text)
        assert leaked not in masked, masked
        assert redact.MASK in masked


def test_ordinary_identifiers_are_left_alone() -> None:
    text = (
        "custom field 9d3f0c1e5b7a4c2e8f6d1b3a5c7e9f0a2b4d6e8f on org 42, "
        "intuit_tid 1-6aa36f3e-7c887528297dc3cd2d23dbe2, error code 3200, PostalCode 94326"
    )
    assert redact.redact(text) == text
