"""The one clock and the one time-zone policy.

- Moments the app records (submitted, amended, logged in, an event log entry) are stored
  as naive UTC, made by `utcnow()`.
- What a supervisor types (when the interaction was observed) is wall time in the
  organisation's time zone and stored as typed; days and months of reports group by it.
- Pages and PDFs show recorded moments in the organisation's zone (`local`); "today",
  "now" and "in the future" are the organisation's (`today`, `local_now`).

The zone is the TIME_ZONE setting (an IANA name such as "Europe/Paris"), by default the
server's own. Everything reads the time through `_source`, which tests replace with a
fixed instant (the `clock` fixture), so no test depends on the day it runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

ZONE_INFO = "TIME_ZONE_INFO"  # the app's config key for the resolved ZoneInfo

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731 (swapped by tests)


def set_source(source: Callable[[], datetime]) -> Callable[[], datetime]:
    """Read the time from `source` (an aware UTC datetime) from now on; the old source."""
    global _source
    old, _source = _source, source
    return old


def utcnow() -> datetime:
    """Now, as naive UTC: how every recorded moment is stored."""
    return _source().astimezone(UTC).replace(tzinfo=None)


def zone() -> tzinfo:
    """The organisation's time zone (UTC outside an app, as in a bare script)."""
    return current_app.config[ZONE_INFO] if has_app_context() else UTC


def local_now() -> datetime:
    """Now, as naive wall time in the organisation's zone (what a supervisor would type)."""
    return _source().astimezone(zone()).replace(tzinfo=None)


def today() -> date:
    """The organisation's date today."""
    return local_now().date()


def local(moment: datetime) -> datetime:
    """A stored (naive UTC) moment as naive wall time in the organisation's zone."""
    return moment.replace(tzinfo=UTC).astimezone(zone()).replace(tzinfo=None)


def to_utc(wall_time: datetime) -> datetime:
    """Naive wall time in the organisation's zone as naive UTC."""
    return wall_time.replace(tzinfo=zone()).astimezone(UTC).replace(tzinfo=None)


def resolve_zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo of a TIME_ZONE setting; None means the server's own zone.

    ValueError names a setting that is no time zone, so the app refuses to start rather
    than show every time an hour or more off.
    """
    if name is None:
        name = _server_zone_name()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"TIME_ZONE {name!r} is not a time zone name; use one such as 'Europe/London' "
            "or 'America/New_York' (or leave it unset for the server's own zone)"
        ) from None


def _server_zone_name() -> str:
    # The TZ variable, then Debian's /etc/timezone, then the /etc/localtime link; else UTC.
    if os.environ.get("TZ", "").strip(":"):
        return os.environ["TZ"].strip(":")
    timezone = Path("/etc/timezone")
    if timezone.is_file() and timezone.read_text().strip():
        return timezone.read_text().strip()
    link = Path("/etc/localtime")
    if link.is_symlink() and "zoneinfo/" in str(link.resolve()):
        return str(link.resolve()).split("zoneinfo/", 1)[1]
    return "UTC"
