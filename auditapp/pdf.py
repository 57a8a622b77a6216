"""HTML to PDF with WeasyPrint, allowed to read the app's static folder and nothing else."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAPER_SIZES = {"A4": "A4", "LETTER": "letter"}


class StaticOnlyFetcher(URLFetcher):
    """Serves files from the app's static folder; refuses every other URL.

    A report holds text people typed, so nothing in it may make the renderer reach the
    network or read other files: no http(s), no file:// outside static/, no data: tricks
    beyond what WeasyPrint makes itself.
    """

    def __init__(self, static_dir: Path = STATIC_DIR) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.static_dir = static_dir.resolve()
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(unquote(parts.path)).resolve()
            if path.is_file() and path.is_relative_to(self.static_dir):
                self.served.append(url)
                media = "text/css" if path.suffix == ".css" else None
                headers = {"Content-Type": media} if media else {}
                return URLFetcherResponse(url, path.read_bytes(), headers)
        self.refused.append(url)
        log.warning("PDF renderer refused to fetch %s", url[:200])
        raise ValueError(f"auditapp PDFs may only load the app's static files, not {url[:200]}")


def render_pdf(html: str, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Render an HTML document (already escaped by Jinja) to PDF bytes."""
    fetcher = fetcher or StaticOnlyFetcher()
    out = io.BytesIO()
    HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=fetcher).write_pdf(out)
    return out.getvalue()


def page_size(setting: str) -> str:
    """The CSS page size for the AUDITAPP_PAPER_SIZE setting (A4 or Letter)."""
    try:
        return PAPER_SIZES[setting.strip().upper()]
    except KeyError:
        raise ValueError(f"PAPER_SIZE must be A4 or Letter, not {setting!r}") from None
