"""Parts of every page that depend only on the app and a few plain values, rendered once.

The page around every view (templates/base.html) spent most of its time building the same
URLs: the style sheets, the navbar's links for the user's role, Bootstrap's script. Those
parts are templates of their own in templates/_parts/, which read nothing of the request
or the user but the values they are called with, so each is rendered once per app, URL
prefix (SCRIPT_NAME) and values, and kept.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, render_template, request
from markupsafe import Markup

_EXTENSION = "auditapp.page_parts"


def page_part(name: str, **values: Any) -> Markup:
    """templates/_parts/<name>.html rendered with `values`, from the app's cache when kept."""
    cache: dict[tuple, Markup] = current_app.extensions.setdefault(_EXTENSION, {})
    key = (name, request.script_root, *sorted(values.items()))
    html = cache.get(key)
    if html is None:
        html = cache[key] = Markup(render_template(f"_parts/{name}.html", **values))
    return html


def clear() -> None:
    """Forget this app's rendered parts (tests use it to force a fresh render)."""
    current_app.extensions.pop(_EXTENSION, None)


def register(app: Flask) -> None:
    app.jinja_env.globals["page_part"] = page_part
