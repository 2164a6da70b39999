"""Account names from full names, rule R8 (Điều 7.2). Pure functions: no database access.

given name + initial of the family name + initials of the middle names, lower-case ASCII
("Cao Thị Phương Thuý" -> ``thuyctp``). Two different people with the same name: the middle
name next to the given name is written in full ("Trương Hoàng Tiến Minh" -> ``tienminhth``).
Identical full names: the two-digit birth year (``thuyctp78``). Otherwise a numeric suffix.
Names are never renamed, so only a newcomer is ever disambiguated, never an existing holder.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import count

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.text import fold, nfc

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,49}$")
USERNAME_MAX_LENGTH = 50
# Room left after the base for a two-digit year or a suffix up to 99 within USERNAME_MAX_LENGTH.
_BASE_MAX_LENGTH = USERNAME_MAX_LENGTH - 2

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_LETTER = re.compile(r"[a-z]")


class AccountNameError(ApplicationError):
    def __init__(self, full_name: str) -> None:
        super().__init__(
            _("Không tạo được tên tài khoản từ họ tên “%(name)s”.") % {"name": nfc(full_name)},
            code="account_name",
            extra={"full_name": full_name},
        )


@dataclass(frozen=True)
class NameParts:
    given: str
    family_initial: str  # "" for a one-word name
    middles: tuple[str, ...]
    folded_full: str  # the folded words joined by one space: what "identical full names" compares


@dataclass(frozen=True)
class Person:
    key: object  # the caller's row id, returned as-is; unique within a batch
    full_name: str
    birth_year: int | None = None


def name_parts(full_name: str) -> NameParts:
    """Split ``full_name`` into folded parts; raise AccountNameError when no account name can come of it.

    Words are whitespace-separated (so "K' Blin" is two words and "Y-Blin" one); inside a word
    everything outside ``[a-z0-9]`` is dropped after folding, and a word left empty is ignored.
    """
    words = [_NOT_ALNUM.sub("", fold(word)) for word in full_name.split()]
    words = [word for word in words if word]
    if not words or not any(_LETTER.search(word) for word in words):
        raise AccountNameError(full_name)
    if len(words) == 1:
        parts = NameParts(given=words[0], family_initial="", middles=(), folded_full=words[0])
    else:
        family, *middles, given = words
        parts = NameParts(
            given=given, family_initial=family[0], middles=tuple(middles), folded_full=" ".join(words)
        )
    # A one-letter name ("A") or an absurdly long one cannot give a valid account name:
    # the operator types one instead.
    if not 2 <= len(base_name(parts)) <= _BASE_MAX_LENGTH:
        raise AccountNameError(full_name)
    return parts


def base_name(parts: NameParts) -> str:
    """Given name + family initial + middle initials: "Trương Hoàng Tiến Minh" -> ``minhtht``."""
    return parts.given + parts.family_initial + "".join(middle[0] for middle in parts.middles)


def expanded_name(parts: NameParts) -> str | None:
    """The middle name next to the given name written in full before it: ``tienminhth``.

    None when there is no middle name to expand.
    """
    if not parts.middles:
        return None
    *others, last = parts.middles
    return last + parts.given + parts.family_initial + "".join(middle[0] for middle in others)


def with_birth_year(base: str, birth_year: int | None) -> str | None:
    """``base`` + the two-digit birth year (``thuyctp78``); None when the year is unknown."""
    if birth_year is None:
        return None
    return f"{base}{birth_year % 100:02d}"


def propose_names(people: Sequence[Person], existing: Mapping[str, str]) -> dict[object, str]:
    """Propose a free account name for each person, resolving collisions across the whole batch.

    ``existing`` maps each username already in use to the folded full name of its holder ("" if
    unknown). Callers validate each name with ``name_parts`` first to report bad rows one by one;
    a name that gives no account name raises AccountNameError here too.
    Returns ``{person.key: username}``.
    """
    keys = [person.key for person in people]
    if len(set(keys)) != len(keys):
        raise ValueError("propose_names: person keys must be unique within a batch")
    parts = [name_parts(person.full_name) for person in people]
    bases = [base_name(part) for part in parts]
    per_base = Counter(bases)
    per_name = Counter(part.folded_full for part in parts)  # an identical name implies the same base

    proposed: dict[object, str] = {}
    taken = set(existing)

    def claim(person: Person, username: str) -> None:
        proposed[person.key] = username
        taken.add(username)

    # A base nobody else wants, in the batch or in use, is given bare; reserved before any
    # collider picks a fallback so that a fallback never takes it.
    colliders: list[int] = []
    for index, (person, base) in enumerate(zip(people, bases, strict=True)):
        if per_base[base] == 1 and base not in existing:
            claim(person, base)
        else:
            colliders.append(index)

    for index in colliders:
        person, part, base = people[index], parts[index], bases[index]
        same_name = per_name[part.folded_full] > 1 or existing.get(base) == part.folded_full
        # Identical names go straight to the birth year; different ones try the expanded form
        # first, then the birth year (the expanded form may belong to a namesake already).
        candidates = [with_birth_year(base, person.birth_year)]
        if not same_name:
            candidates.insert(0, expanded_name(part))
        candidate = next(
            (c for c in candidates if c is not None and c not in taken and len(c) <= USERNAME_MAX_LENGTH),
            None,
        )
        if candidate is None:
            candidate = next(f"{base}{n}" for n in count(2) if f"{base}{n}" not in taken)
        claim(person, candidate)
    return proposed


def validate_username(value: str) -> str:
    """Return an operator-typed account name stripped and lower-cased, or raise ValidationError."""
    username = value.strip().lower()
    if not USERNAME_RE.fullmatch(username):
        raise ValidationError(
            _(
                "Tên tài khoản chỉ gồm chữ thường không dấu, chữ số, dấu chấm, gạch ngang "
                "hoặc gạch dưới (2–50 ký tự)."
            ),
            code="invalid_username",
        )
    return username
