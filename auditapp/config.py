"""Default settings. Override them in instance/config.py or with AUDITAPP_<NAME> variables."""

from __future__ import annotations

# None means "work it out at start-up": the SQLite file in instance/, the project's
# checklists/ folder, a secret key generated into instance/ on first run.
SECRET_KEY: str | None = None
DATABASE_URL: str | None = None
CHECKLISTS_DIR: str | None = None
# How often the checklist files are looked at for changes (an edited file is offered within
# this many seconds; 0: on every request).
CHECKLISTS_RECHECK_SECONDS = 1.0

ORGANISATION_NAME = "Our service team"
# The organisation's time zone (an IANA name such as "Europe/London"): times are shown in it,
# and "today" and "in the future" are its. None: the server's own zone.
TIME_ZONE: str | None = None
AUDITS_PER_PAGE = 25
SQLITE_BUSY_TIMEOUT_MS = 15000
# A login lasts this long after the last request (the session is permanent, so the cookie
# expires with it too); AUDITAPP_SESSION_LIFETIME_MINUTES=480 for an 8-hour shift.
SESSION_LIFETIME_MINUTES = 12 * 60
# An unchanged session's cookie is signed and sent again once it is this old (0: on every
# response), so the idle timeout above is exact to within this many seconds.
SESSION_RENEW_SECONDS = 60
# However active, a login ends this many days after it began (and is forgotten then).
LOGIN_MAX_DAYS = 30
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# None: Secure whenever the request came over HTTPS; True or False force it.
SESSION_COOKIE_SECURE: bool | None = None
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
# How many reverse proxies in front set X-Forwarded-For/-Proto (0: none, trust no such
# header). Behind one proxy set 1, or every client shares the proxy's address and HTTPS
# goes unseen.
PROXY_FIX = 0
# Login throttling: every login POST that does not log in counts, per client address and per
# email posted (known or not). Limits in Flask-Limiter's notation.
LOGIN_LIMIT_PER_ADDRESS = "10 per minute; 50 per hour"
LOGIN_LIMIT_PER_ACCOUNT = "5 per minute; 20 per hour"
RATELIMIT_ENABLED = True
# Counters in this process's memory; with several server processes share them through Redis:
# AUDITAPP_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_KEY_PREFIX = "auditapp"
RATELIMIT_STRATEGY = "moving-window"  # "5 per minute" means in any 60 seconds
# Redis down: count in memory meanwhile, rather than refuse every login.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
MAX_CONTENT_LENGTH = 2 * 1024 * 1024
BOOTSTRAP_SERVE_LOCAL = True  # the app must work with no internet: no CDN
PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's default; the tests use a cheap one for speed
WTF_CSRF_TIME_LIMIT = None  # a supervisor may leave a form open all shift
PAPER_SIZE = "A4"  # or "Letter"
# Background work (auditapp/queue.py, docs/deploy.md). With a Redis URL the queue is in Redis
# and `auditapp worker` processes on any machine share it; without, it is a SQLite file in
# instance/ (QUEUE_FILE, None: instance/queue.sqlite3) on this machine.
REDIS_URL: str | None = None
QUEUE_FILE: str | None = None
QUEUE_NAME = "auditapp"
# How much lower the workers' CPU priority is than the web server's (Unix nice, 0 to 19): on a
# machine they share, a page someone waits for runs before a report rendered in advance.
WORKER_NICENESS = 10
# A finished job's file (a batch of PDFs, a large export) is kept this long for its requester,
# then removed.
JOB_FILES_KEEP_HOURS = 24
# Where those files are made (None: instance/jobs). Workers on other machines must write to
# the same folder the web server reads (a shared mount), as docs/deploy.md says.
JOB_FILES_DIR: str | None = None
# A CSV export of more audits than this is made in the background (a job) rather than
# streamed to the browser at once.
EXPORT_DIRECT_LIMIT = 5000
# A batch PDF is rendered in parts of at least this many audits, by any free worker at once.
JOB_PDF_PART_AUDITS = 25
# A job no worker has touched for this long (a worker killed mid-job) is started again.
JOB_STALE_SECONDS = 300
# The largest recording or document a calibration session may hold, in MB. Its upload page
# alone accepts a request this large (everything else keeps MAX_CONTENT_LENGTH).
CALIBRATION_UPLOAD_MAX_MB = 50
# Email (docs/email.md). Links in messages start with BASE_URL: a worker has no request to
# take the server's address from. Without SMTP_HOST each message is written to MAIL_OUTBOX_DIR
# (None: instance/outbox/) as an .eml file instead of sent, so nothing is lost.
BASE_URL = "http://127.0.0.1:5000"
SMTP_HOST: str | None = None
SMTP_PORT = 587
SMTP_USERNAME: str | None = None
SMTP_PASSWORD: str | None = None  # never logged nor shown
SMTP_SECURITY = "starttls"  # "none", "starttls" or "ssl"
SMTP_TIMEOUT_SECONDS = 20
MAIL_FROM = "auditapp@localhost"
MAIL_OUTBOX_DIR: str | None = None
# Coaching reminders and the weekly digest go out from this hour of the organisation's day
# (nobody is woken at midnight), the digest on Mondays.
MAIL_MORNING_HOUR = 7
