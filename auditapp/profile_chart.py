"""The relationship profile of document 001 drawn as its shape: the customer mix as centred
bars, advocates on top, and the outline of the shape it is named after (server-drawn SVG,
with its figures as text, as in glance_charts.py)."""

from __future__ import annotations

from markupsafe import Markup

from auditapp.charts import TEXT_COLOUR, TEXT_SIZE, svg_text
from auditapp.glance_charts import svg_open

LEVEL_NAMES = (
    ("advocate", "Level 3 · advocates"),
    ("repeat", "Level 2 · repeat"),
    ("first_time", "Level 1 · first-time"),
)
# The three shapes of document 001, as outlines (x, y in a 60 x 60 box): what each
# profile looks like when its levels are stacked, advocates on top.
SHAPES = {
    "pyramid": "30,2 58,58 2,58",
    "hourglass": "2,2 58,2 34,30 58,58 2,58 26,30",
    "hexagon": "16,2 44,2 58,30 44,58 16,58 2,30",
}
SHAPE_NAMES = {"pyramid": "Pyramid", "hourglass": "Hourglass", "hexagon": "Hexagon"}


def profile_chart(shares: dict[str, float], n: int, shape: str | None, title: str) -> Markup:
    """The customer mix as centred bars, advocates on top (the profile's shape), with the
    share of each level, and the outline of the shape it is named after."""
    width, height = 420, 150
    desc = profile_words(shares, n, shape, title)
    parts = svg_open(width, height, title, desc, "profile-chart")
    widest = max(shares.values(), default=0) or 1
    colours = ("#00224e", "#666970", "#c8b866")
    for i, (level, name) in enumerate(LEVEL_NAMES):
        share = shares.get(level, 0.0)
        w = round(share / widest * 200, 1)
        y = 8 + i * 40
        parts.append(
            f'<rect x="{round(110 - w / 2, 1)}" y="{y}" width="{w}" height="32" '
            f'fill="{colours[i]}"/>'
        )
        parts.append(svg_text(224, y + 14, name, TEXT_SIZE - 1))
        parts.append(svg_text(224, y + 28, f"{share:.0f}%", TEXT_SIZE, font_weight="bold"))
    if shape in SHAPES:
        parts.append(
            f'<g transform="translate(350 30)"><polygon points="{SHAPES[shape]}" fill="none" '
            f'stroke="{TEXT_COLOUR}" stroke-width="2"/></g>'
        )
        parts.append(
            svg_text(380, 108, SHAPE_NAMES[shape], TEXT_SIZE, "middle", font_weight="bold")
        )
    parts.append(svg_text(380, 124, f"n={n}", TEXT_SIZE - 1, "middle"))
    return Markup("".join(parts) + "</svg>")


def profile_words(shares: dict[str, float], n: int, shape: str | None, title: str) -> str:
    figures = ", ".join(f"{name} {shares.get(level, 0.0):.0f}%" for level, name in LEVEL_NAMES)
    named = (
        f" Shape: {SHAPE_NAMES[shape]}."
        if shape in SHAPES
        else " Too few audits to name the shape."
    )
    return f"{title}: {figures} (n={n}).{named}"
