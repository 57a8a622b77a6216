"""Default settings. Override them in instance/config.py or with AUDITAPP_<NAME> variables."""

from __future__ import annotations

from datetime import timedelta

# None means "work it out at start-up": the SQLite file in instance/, the project's
# checklists/ folder, a secret key generated into instance/ on first run.
SECRET_KEY: str | None = None
DATABASE_URL: str | None = None
CHECKLISTS_DIR: str | None = None

ORGANISATION_NAME = "Our service team"
AUDITS_PER_PAGE = 25
SQLITE_BUSY_TIMEOUT_MS = 15000
PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
MAX_CONTENT_LENGTH = 2 * 1024 * 1024
BOOTSTRAP_SERVE_LOCAL = True  # the app must work with no internet: no CDN
PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's default; the tests use a cheap one for speed
WTF_CSRF_TIME_LIMIT = None  # a supervisor may leave a form open all shift
PAPER_SIZE = "A4"  # or "Letter"
PRINT_LIMIT = 200  # most audits one browser download may print; the CLI prints any number
