"""The heat map's colours: cividis, a sequential scale that colour-blind readers see as it
is meant (blue to yellow, no red against green) and whose lightness rises steadily, so
that a greyscale print still reads dark = low, light = high.

Pure: the 11 stops below are matplotlib's cividis at 0, 0.1, ... 1 (hard-coded, no
dependency); between stops the colour is interpolated. Cells are coloured in 21 steps of
5 points, as classes in static/heatmap.css (written by `css()`; a test keeps the file in
step), because the Content-Security-Policy refuses style attributes.
"""

from __future__ import annotations

CIVIDIS = (
    "#00224e", "#083370", "#35456c", "#4f576c", "#666970", "#7d7c78",
    "#948e77", "#aea371", "#c8b866", "#e5cf52", "#fee838",
)  # fmt: skip
STEPS = 20  # heat-0 .. heat-20, one per 5 points
GREY = "#e9ecef"  # cells that rest on too few audits
DARK_TEXT, LIGHT_TEXT = "#000000", "#ffffff"


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def colour(percent: float) -> str:
    """The cividis colour of a score from 0 to 100% (clamped), as #rrggbb."""
    position = min(100.0, max(0.0, percent)) / 100 * (len(CIVIDIS) - 1)
    low = min(int(position), len(CIVIDIS) - 2)
    share = position - low
    a, b = _rgb(CIVIDIS[low]), _rgb(CIVIDIS[low + 1])
    mixed = (round(x + (y - x) * share) for x, y in zip(a, b, strict=True))
    return "#" + "".join(f"{v:02x}" for v in mixed)


def step(percent: float) -> int:
    """The class step of a score: 0 for 0-2.4%, 1 for 2.5-7.4%, ... 20 for 97.5-100%."""
    return int(min(100.0, max(0.0, percent)) / 5 + 0.5)


def luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG) of a colour, 0 (black) to 1 (white)."""

    def linear(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(v) for v in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_colour(hex_colour: str) -> str:
    """Black or white, whichever contrasts more with the background."""
    lum = luminance(hex_colour)
    return DARK_TEXT if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else LIGHT_TEXT


def css() -> str:
    """static/heatmap.css: one class per step, background and text colour."""
    lines = [
        "/* The heat map's cells: cividis in 21 steps of 5 points (auditapp/colour_scale.py",
        "   writes this file; tests/test_colour_scale.py checks it is in step). Classes, not",
        "   style attributes, so that the Content-Security-Policy can refuse inline styles. */",
    ]
    for n in range(STEPS + 1):
        background = colour(n * 5)
        lines.append(
            f".heatmap td.heat-{n} {{ background-color: {background}; "
            f"color: {text_colour(background)}; }}"
        )
    lines.append(f".heatmap td.too-few {{ background-color: {GREY}; color: #495057; }}")
    lines.append(".heatmap td small { color: inherit; }")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m auditapp.colour_scale > auditapp/static/heatmap.css
    print(css(), end="")
