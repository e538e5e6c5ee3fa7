"""Typed extractor errors. Messages are redacted when built, so printing one never shows a secret."""
from __future__ import annotations

from extractors.secrets import redact


class ExtractError(Exception):
    """Base of every error an extractor raises on purpose; the CLI prints it as one line."""

    def __init__(self, message: str, *, host: str | None = None, url: str | None = None):
        self.host = host
        self.url = redact(url) if url else None
        super().__init__(redact(message))


class ConnectionConfigError(ExtractError):
    """An `AIRFLOW_CONN_*` variable is missing or malformed."""


class UpstreamHTTPError(ExtractError):
    """A non-success HTTP status after retries were exhausted."""

    def __init__(self, message: str, *, status: int | None = None, **kw):
        self.status = status
        super().__init__(message, **kw)


class TransportError(ExtractError):
    """Connection refused/reset or timeout after retries."""


class HTMLResponseError(ExtractError):
    """An HTML page where JSON was expected (portals answer 200 with a maintenance/login page)."""


class FirewallBlockedError(HTMLResponseError):
    """An HTML 403 page from a web application firewall in front of the API."""


class InvalidJSONError(ExtractError):
    """The body claims to be JSON but does not parse (often truncated)."""


class DownloadTooLargeError(ExtractError):
    """A download passed its size cap; the partial file was removed."""


class ResponseTooLargeError(ExtractError):
    """An API answer passed its size cap (decompressed); not retried: the next answer would be as big."""


class HostNotAllowedError(ExtractError):
    """A resource URL points at a host outside the portal's allowlist."""


class BpsApiError(ExtractError):
    """BPS answered `{"status": "Error", "message": ...}` or an unexpected envelope."""


class CkanError(ExtractError):
    """CKAN answered `success: false`."""

    def __init__(self, message: str, *, error_type: str | None = None, **kw):
        self.error_type = error_type
        super().__init__(message, **kw)


class CkanNotFound(CkanError):
    pass


class CkanNotAuthorized(CkanError):
    pass


class CkanValidationError(CkanError):
    pass


class RegistryError(ExtractError):
    """`sources.yml` is missing a system/entity or declares something unsupported."""


class SpreadsheetError(ExtractError):
    """A drop file cannot be read at all (not a per-row problem: those go to quarantine)."""
