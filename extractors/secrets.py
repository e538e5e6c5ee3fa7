"""Redaction of secrets. The BPS key is a path segment (`/key/KEY/`), so every BPS URL is a secret: it is
redacted in log lines, manifests and exception messages. Tokens and passwords read from connections are
registered here too and replaced wherever they appear."""
from __future__ import annotations

import logging
import re
import threading

_KEY_SEGMENT = re.compile(r"(/key/)([^/?#\s'\"]+)", re.IGNORECASE)
# query-string and header styles some clients use (`?key=...`, `token=...`, `Bearer ...`)
_KEY_PARAM = re.compile(r"([?&](?:key|token|api_key|apikey)=)([^&#\s'\"]+)", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)([A-Za-z0-9._~+/=-]+)")
# user:password@host in URLs (connection URIs)
_USERINFO = re.compile(r"(://[^/:@\s]*:)([^@/\s]+)(@)")

_lock = threading.Lock()
_registered: set[str] = set()
MASK = "***"


def register(secret: str | None) -> None:
    """Remember a secret value (a token, a password) so `redact` replaces it anywhere in text."""
    if secret and len(secret) >= 4:  # short values would mask innocent text
        with _lock:
            _registered.add(secret)


def redact(text: object) -> str:
    """`text` with every known secret masked: `/key/XXXX/` -> `/key/***/`."""
    out = str(text)
    out = _KEY_SEGMENT.sub(rf"\g<1>{MASK}", out)
    out = _KEY_PARAM.sub(rf"\g<1>{MASK}", out)
    out = _BEARER.sub(rf"\g<1>{MASK}", out)
    out = _USERINFO.sub(rf"\g<1>{MASK}\g<3>", out)
    with _lock:
        secrets = sorted(_registered, key=len, reverse=True)
    for secret in secrets:
        out = out.replace(secret, MASK)
    return out


def redact_obj(value):
    """Redact every string inside a JSON-like structure (manifests, XCom summaries)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_obj(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_obj(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with secrets masked before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error path
            return True
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            # exception text is rendered later by the formatter: mask it now via exc_text
            import traceback
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        return True


_FILTER = RedactingFilter()
# urllib3 logs full request paths (with the key) at DEBUG, and the retry state on each retry
_LOGGERS = ("extractors", "urllib3", "urllib3.connectionpool", "urllib3.util.retry", "requests")


def install_log_redaction(*extra_loggers: str) -> None:
    """Attach the filter to the loggers that can see URLs and to the root handlers. Logger filters only
    apply to records created on that logger, so module loggers are covered through `get_logger`."""
    for name in _LOGGERS + extra_loggers:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


def get_logger(name: str) -> logging.Logger:
    """A module logger whose records are redacted at the source (before propagation to any handler)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


install_log_redaction()
