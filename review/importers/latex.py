"""LaTeX in BibTeX values to plain text: the subset reference managers actually write.

pylatexenc handles all of LaTeX but takes ~20 ms on a long abstract with one backslash in
it (100k records would take half an hour), so the common cases are decoded here: accents,
special letters, escaped characters, text symbols, Greek letters and formatting macros.
Unknown macros lose their name and keep their argument; braces go.
"""

from __future__ import annotations

import re
import unicodedata

# Escaped braces survive brace removal through two private-use characters.
_OPEN, _CLOSE = "\ue000", "\ue001"
_COMBINING = {
    "`": "\u0300", "'": "\u0301", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    "u": "\u0306", ".": "\u0307", '"': "\u0308", "r": "\u030a", "H": "\u030b",
    "v": "\u030c", "d": "\u0323", "c": "\u0327", "k": "\u0328", "b": "\u0331",
}  # fmt: skip
_LETTERS = {
    "ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ",
    "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
}  # fmt: skip
_SYMBOLS = {
    "textgreater": ">", "textless": "<", "textbar": "|", "textasciitilde": "~",
    "textasciicircum": "^", "textbackslash": "\\", "textunderscore": "_",
    "textendash": "\u2013", "textemdash": "\u2014", "textquoteright": "\u2019",
    "textquoteleft": "\u2018", "textquotedblleft": "\u201c", "textquotedblright": "\u201d",
    "textdegree": "\u00b0", "textregistered": "\u00ae", "texttrademark": "\u2122",
    "copyright": "\u00a9", "textpm": "\u00b1", "pm": "\u00b1", "times": "\u00d7",
    "textmu": "\u00b5", "le": "\u2264", "leq": "\u2264", "ge": "\u2265", "geq": "\u2265",
    "ldots": "\u2026", "dots": "\u2026", "textellipsis": "\u2026", "S": "\u00a7",
    "textperiodcentered": "\u00b7", "textbullet": "\u2022", "%": "%", "&": "&", "$": "$",
    "#": "#", "_": "_", "{": _OPEN, "}": _CLOSE, " ": " ", ",": "\u2009", ";": " ", "/": "",
    "-": "",
}  # fmt: skip
_GREEK = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
    "nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma "
    "Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
).split()
_GREEK_CHARS = {
    name: unicodedata.lookup(
        ("GREEK CAPITAL LETTER " if name[0].isupper() else "GREEK SMALL LETTER ")
        + {
            "varepsilon": "epsilon",
            "vartheta": "theta",
            "varpi": "pi",
            "varrho": "rho",
            "varsigma": "final sigma",
            "varphi": "phi",
            "lambda": "lamda",
        }.get(name.lower(), name.lower()).upper()
    )
    for name in _GREEK
}

# \'e and \'{e}; a letter accent (\c, \v, ...) needs a brace or space, or \beta would
# read as \b applied to "e".
_ACCENT = re.compile(
    r"\\(?:([`'^\"~=.])\s*(?:\{\s*\\?([A-Za-z])\s*\}|\\?([A-Za-z]))"
    r"|([uvHckrbd])(?:\s*\{\s*\\?([A-Za-z])\s*\}|\s+\\?([A-Za-z])))"
)

# A control word eats the spaces after it; a control symbol (\%, \&) does not.
_MACRO = re.compile(r"\\(?:([A-Za-z]+)\s*|([^A-Za-z]))")
_BARE_MATH = re.compile(r"(?<!\\)\$")


def _accent(match: re.Match) -> str:
    accent = match.group(1) or match.group(4)
    letter = match.group(2) or match.group(3) or match.group(5) or match.group(6)
    return unicodedata.normalize("NFC", letter + _COMBINING[accent])


def _macro(match: re.Match) -> str:
    name = match.group(1) or match.group(2)
    if name in _LETTERS:
        return _LETTERS[name]
    if name in _SYMBOLS:
        return _SYMBOLS[name]
    if name in _GREEK_CHARS:
        return _GREEK_CHARS[name]
    return ""  # \emph, \textit, \mathrm ...: the argument in braces stays


def latex_to_text(value: str) -> str:
    if not value:
        return ""
    if "$" in value:
        # Math delimiters become empty groups, which end a control word as "$" does
        # ("$\beta$ cells" keeps its space); an escaped \$ stays.
        value = _BARE_MATH.sub("{}", value)
    if "\\" in value:
        value = _ACCENT.sub(_accent, value)
        value = _MACRO.sub(_macro, value)
    if "~" in value:
        value = value.replace("~", "\u00a0")
    value = value.replace("{", "").replace("}", "")
    if _OPEN in value or _CLOSE in value:
        value = value.replace(_OPEN, "{").replace(_CLOSE, "}")
    return value
