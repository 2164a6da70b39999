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


# Legacy 8-bit Vietnamese typed through an old font reaches us as Latin-1 characters.
# TCVN3 (ABC, TCVN 5712:1993 VN3): one byte per accented letter. Upper-case toned letters came
# from a second font (.VnTimeH) reusing the lower-case codes, so they decode to lower case here,
# which is enough to recognise a syllable.
_TCVN3 = dict(
    zip(
        "¡¢£¤¥¦§¨©ª«¬\u00ad®µ¶·¸¹»¼½¾ÆÇÈÉÊËÌÎÏÐÑÒÓÔÕÖ×ØÜÝÞßáâãäåæçèéêëìíîïñòóôõö÷øùúûüýþ",
        "ĂÂÊÔƠƯĐăâêôơưđàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ",
        strict=True,
    )
)
# VNI-Windows: an ASCII base letter followed by a mark character ("Vieät" = Việt), and a few
# whole letters (ñ = đ, ö = ư, ô = ơ, i with a tone). Marks come in both cases.
_VNI_LETTERS = dict(zip("ñÑöÖôÔíÍìÌæÆóÓòÒîÎ", "đĐưƯơƠíÍìÌỉỈĩĨịỊỵỴ", strict=True))
_GRAVE, _ACUTE, _TILDE, _HOOK, _DOT = "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"
_CIRCUMFLEX, _BREVE = "\u0302", "\u0306"
_TONES = frozenset(_GRAVE + _ACUTE + _TILDE + _HOOK + _DOT)
_UNTONED_AND_TONES = ("", _ACUTE, _GRAVE, _HOOK, _TILDE, _DOT)
# VNI marks (upper case alike): the base letters they may follow, their shape mark, the tone of each.
_VNI_MARK_GROUPS = [
    ("ùøûõï", "aeiouy", "", _UNTONED_AND_TONES[1:]),
    ("âáàåãä", "aeo", _CIRCUMFLEX, _UNTONED_AND_TONES),
    ("êéèúüë", "a", _BREVE, _UNTONED_AND_TONES),
]
_VNI_MARKS = {
    char: (bases, shape, tone)
    for marks, bases, shape, tones in _VNI_MARK_GROUPS
    for mark, tone in zip(marks, tones, strict=True)
    for char in (mark, mark.upper())
}

# A Vietnamese syllable, written without its tone mark: onset, then a rhyme (vowels and a coda).
_SYLLABLE = re.compile(
    r"(?P<onset>ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"(?:ai|ao|au|ay|âu|ây|eo|êu|ia|iu|oi|ôi|ơi|ua|ui|ưa|ưi|ưu|oai|oay|oao|oeo|uây|uôi|ươi|ươu|iêu|yêu|uya|uyu|uơ"
    r"|(?:a|ê|i|y|oa|uê|uy)(?:ch|nh)?"
    r"|(?:a|e|ê|i|y|o|ô|ơ|u|ư|oa|oe|uê|uy)(?:ng|[cmnpt])?"
    r"|(?:ă|â|iê|yê|uô|ươ|oă|uâ|uyê|oo|ôô)(?:ng|[cmnpt]))"
)
# Not right after a digit: a unit such as 5µm or 25°C is no word.
_TOKEN = re.compile(r"(?<![0-9])[A-Za-z\u00a1-\u1eff]+")
_LATIN1 = re.compile(r"[\u00a1-\u00ff]")
_BEYOND_LATIN1 = re.compile(r"[\u0100-\u1eff]")


def _tone_places(vowels: str, closed: bool) -> set[int]:
    """Where the tone may sit among the vowels of a rhyme (old and new placement both accepted)."""
    shaped = [index for index, char in enumerate(vowels) if char in "ăâêôơư"]
    if shaped:
        return {shaped[-1]}  # ươ, uyê, iê: on the last vowel with a shape mark
    if len(vowels) == 1:
        return {0}
    if closed:
        return {len(vowels) - 1}  # hoàn, thuyết
    if vowels in ("oa", "oe", "uy"):
        return {0, 1}  # hòa / hoà, thúy / thuý
    if len(vowels) == 3:
        return {1}  # oái, khuỷu
    return {0}  # mía, của, tài, kẹo


def _is_syllable(word: str) -> bool:
    """Whether ``word`` is one Vietnamese syllable with at most one tone, in a place a tone may sit.

    The place matters: legacy text decoded with the wrong table tends to put tones where
    Vietnamese never does ("leõ").
    """
    letters = [unicodedata.normalize("NFD", char) for char in unicodedata.normalize("NFC", word.lower())]
    toned = [(index, mark) for index, letter in enumerate(letters) for mark in letter if mark in _TONES]
    shape = "".join(
        unicodedata.normalize("NFC", "".join(mark for mark in letter if mark not in _TONES))
        for letter in letters
    )
    match = _SYLLABLE.fullmatch(shape)
    if match is None or len(toned) > 1:
        return False
    if not toned:
        return True
    onset = match.group("onset") or ""
    rhyme = shape[len(onset) :]
    vowels = rhyme.rstrip("cghmnpt")
    coda = rhyme[len(vowels) :]
    index, tone = toned[0]
    # A syllable closed by a stop (c, ch, p, t) takes only the acute or the dot below.
    if coda in ("c", "ch", "p", "t") and tone not in (_ACUTE, _DOT):
        return False
    return index - len(onset) in _tone_places(vowels, closed=bool(coda))


def _from_tcvn3(word: str) -> str:
    return "".join(_TCVN3.get(char, char) for char in word)


def _from_vni(word: str) -> str | None:
    """Decode a VNI word, or None when a mark does not fit the letter before it (then it is not VNI)."""
    letters: list[tuple[str, str, str]] = []  # (base letter, shape mark, tone)
    for char in word:
        if char in _VNI_MARKS:
            bases, shape, tone = _VNI_MARKS[char]
            if not letters:
                return None
            base, has_shape, has_tone = letters[-1]
            if base.lower() not in bases or has_tone or (shape and has_shape):
                return None
            letters[-1] = (base, has_shape + shape, tone)
        else:
            letter = unicodedata.normalize("NFD", _VNI_LETTERS.get(char, char))
            marks = letter[1:]
            shape = "".join(mark for mark in marks if mark not in _TONES)
            letters.append((letter[0], shape, "".join(mark for mark in marks if mark in _TONES)))
    return unicodedata.normalize("NFC", "".join(base + shape + tone for base, shape, tone in letters))


def legacy_encoding(value: str) -> str | None:
    """Return "TCVN3" or "VNI" when `value` looks typed in a legacy 8-bit font, else None.

    Each word holding Latin-1 characters, that is not itself a Vietnamese syllable, is decoded
    both ways; a decoding that gives a Vietnamese syllable is a vote for that encoding. Symbols
    such as ©, °, µ, «» or a soft hyphen in real Unicode text do not decode to syllables.
    """
    votes = {"TCVN3": 0, "VNI": 0}
    unicode_words = 0
    for word in _TOKEN.findall(unicodedata.normalize("NFC", value)):
        if _BEYOND_LATIN1.search(word):
            unicode_words += 1  # ă đ ơ ư ĩ ũ or a toned letter: no 8-bit font gives these
            continue
        if len(word) < 2 or not _LATIN1.search(word) or _is_syllable(word):
            continue
        if _is_syllable(_from_tcvn3(word)):
            votes["TCVN3"] += 1
        decoded = _from_vni(word)
        if decoded is not None and _is_syllable(decoded):
            votes["VNI"] += 1
    best = max(votes, key=lambda name: votes[name])  # a rare tie goes to TCVN3, the commoner
    # One legacy-looking word among real Unicode Vietnamese is chance ("dày 5µm"); two are not.
    if votes[best] >= 2 or (votes[best] == 1 and unicode_words == 0):
        return best
    return None
