"""Vietnamese text: the stored form (TCVN 6909:2001, precomposed NFC) and the folded search form."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def nfc(value: str) -> str:
    """Return ``value`` in NFC, stripped, with every run of whitespace collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def fold(value: str) -> str:
    """Return ``value`` lower-cased without diacritics; spaces and punctuation are kept.

    NFC and NFD spellings of the same text fold alike.
    """
    # Lower-case first: lower-casing can itself add a combining mark ("İ" -> "i̇"), dropped below.
    decomposed = unicodedata.normalize("NFD", value.lower())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    # đ is a letter of its own, not d + a mark, so NFD leaves it whole.
    # The final NFC only re-composes scripts whose decomposition has no marks (Hangul).
    return unicodedata.normalize("NFC", bare.replace("đ", "d"))


def fold_words(value: str) -> list[str]:
    """Return the folded words of ``value``, split on anything that is not ``[a-z0-9]``."""
    return [word for word in _NON_WORD.split(fold(value)) if word]
