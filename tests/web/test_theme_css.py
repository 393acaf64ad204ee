"""The palettes in app.css (docs/web-ui.md, "Themes"): CSS cannot share one block between a
media query and an attribute selector, so the dark palette is written twice; these checks keep
the copies equal and every theme defining every colour."""

from __future__ import annotations

import re

from chatwarden.web import pages

CSS = (pages.STATIC_DIR / "app.css").read_text()


def block(selector: str) -> dict[str, str]:
    """The custom properties declared in the first rule whose selector is ``selector``."""
    start = CSS.index(selector + " {") + len(selector) + 2
    body = CSS[start : CSS.index("}", start)]
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", body))


def test_both_dark_palettes_are_the_same() -> None:
    system_dark = block('  :root:not([data-theme="light"])')
    chosen_dark = block(':root[data-theme="dark"]')
    assert len(chosen_dark) > 20
    assert system_dark == chosen_dark
    assert "@media (prefers-color-scheme: dark)" in CSS


def test_light_and_dark_define_the_same_colours() -> None:
    light = block(':root, :root[data-theme="light"]')
    dark = block(':root[data-theme="dark"]')
    assert set(light) == set(dark)
    assert light != dark


def test_no_colour_outside_the_palettes() -> None:
    """A hex or rgb() colour in a rule would not change with the theme."""
    rules = CSS[CSS.index(":root {") :]  # everything after the palettes
    assert not re.findall(r"#[0-9a-fA-F]{3,8}\b|rgba?\(", rules)
