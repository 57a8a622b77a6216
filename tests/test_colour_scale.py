"""The heat map's colour scale: cividis values worked from its stops, steps of 5 points,
text that contrasts, lightness that rises (it prints in greyscale), and the CSS file."""

from __future__ import annotations

import pytest

from auditapp import PROJECT_ROOT, colour_scale


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        (0, "#00224e"),  # the first stop
        (50, "#7d7c78"),  # the middle stop
        (100, "#fee838"),  # the last stop
        # Halfway between the stops at 20% (#35456c) and 30% (#4f576c):
        # (0x35 + 0x4f) / 2 = 0x42, (0x45 + 0x57) / 2 = 0x4e, 0x6c.
        (25, "#424e6c"),
        (-5, "#00224e"),  # clamped
        (120, "#fee838"),
    ],
)
def test_colour_of_a_score(percent, expected):
    assert colour_scale.colour(percent) == expected


@pytest.mark.parametrize(
    ("percent", "step"), [(0, 0), (2.4, 0), (2.5, 1), (52, 10), (68.0, 14), (97.4, 19), (100, 20)]
)
def test_step_of_a_score(percent, step):
    assert colour_scale.step(percent) == step


def test_lightness_rises_with_the_score_so_greyscale_prints_read():
    lum = [colour_scale.luminance(colour_scale.colour(5 * n)) for n in range(21)]
    assert lum == sorted(lum) and lum[0] < 0.02 and lum[-1] > 0.75


def test_cell_text_contrasts_with_its_colour():
    assert colour_scale.text_colour(colour_scale.colour(0)) == "#ffffff"
    assert colour_scale.text_colour(colour_scale.colour(100)) == "#000000"
    for n in range(21):
        background = colour_scale.luminance(colour_scale.colour(5 * n))
        text = colour_scale.luminance(colour_scale.text_colour(colour_scale.colour(5 * n)))
        high, low = max(background, text), min(background, text)
        assert (high + 0.05) / (low + 0.05) >= 4.5  # WCAG AA for the numbers in the cells


def test_the_stylesheet_is_in_step_with_the_scale():
    css = (PROJECT_ROOT / "auditapp" / "static" / "heatmap.css").read_text()
    assert css == colour_scale.css(), (
        "run: python -m auditapp.colour_scale > auditapp/static/heatmap.css"
    )
    assert ".heatmap td.heat-5 { background-color: #424e6c; color: #ffffff; }" in css
