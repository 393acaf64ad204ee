"""CSV cells that a spreadsheet will not run (formula injection, "CSV injection").

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, in some, a tab or carriage return) as a formula, so a term such as
``=HYPERLINK("https://evil.example","click")`` in an exported list would run when a moderator
opens the file. ``escape_cell`` prefixes such a cell with ``'`` (shown as text by every
spreadsheet); a cell that already starts with ``'`` gets one more, so ``unescape_cell`` restores
every escaped cell exactly (``unescape_cell(escape_cell(s)) == s``).
"""

from __future__ import annotations

#: first characters that make a spreadsheet read a cell as a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"


def escape_cell(value: str) -> str:
    """``value`` safe to open in a spreadsheet."""
    if value.startswith(FORMULA_START) or value.startswith(_ESCAPE):
        return _ESCAPE + value
    return value


def unescape_cell(value: str) -> str:
    """The inverse of ``escape_cell`` (a lone leading ``'`` before ordinary text is kept)."""
    rest = value[1:]
    if value.startswith(_ESCAPE) and (rest.startswith(FORMULA_START) or rest.startswith(_ESCAPE)):
        return rest
    return value
