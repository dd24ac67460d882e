"""GSM 03.38 text: every outgoing SMS is written in the 7-bit alphabet so that one part holds 160
characters (a single character outside it drops a part to 70)."""

import unicodedata

GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = "^{}\\[~]|€\f"  # each costs two septets
GSM_CHARACTERS = frozenset(GSM_BASIC + GSM_EXTENSION)
SUBSTITUTES = {
    "‘": "'",
    "’": "'",
    "‚": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "\t": " ",
    "•": "-",
    "œ": "oe",
    "Œ": "OE",
    "°": "o",
}


def to_gsm(text: str) -> str:
    """Transliterate ``text`` into the GSM 03.38 alphabet (ê -> e, curly quotes -> straight)."""
    out = []
    for char in text:
        if char in GSM_CHARACTERS:
            out.append(char)
        elif char in SUBSTITUTES:
            out.append(SUBSTITUTES[char])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if c in GSM_CHARACTERS)
            out.append(base or "?")
    return "".join(out)


def is_gsm(text: str) -> bool:
    return all(char in GSM_CHARACTERS for char in text)


def septets(text: str) -> int:
    """Length in GSM septets: extension characters count twice."""
    return sum(2 if char in GSM_EXTENSION else 1 for char in text)


def split_parts(items: list[str], limit: int = 160, separator: str = "; ") -> list[str]:
    """Join ``items`` into as few SMS parts of at most ``limit`` septets as possible, never
    splitting an item (an item longer than ``limit`` is cut)."""
    parts: list[str] = []
    current = ""
    for item in items:
        line = item if septets(item) <= limit else item[:limit]
        candidate = f"{current}{separator}{line}" if current else line
        if septets(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = line
    if current:
        parts.append(current)
    return parts
