"""Rule R8: account names from full names (pure functions, no database)."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError

from accounts.naming import (
    AccountNameError,
    NameParts,
    Person,
    base_name,
    expanded_name,
    name_parts,
    propose_names,
    validate_username,
    with_birth_year,
)
from core.errors import ApplicationError


def _nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("Cao Thị Phương Thuý", "thuyctp"),
        ("Cao Thị Phương Thủy", "thuyctp"),
        ("Trần Đình Nguyên", "nguyentd"),
        ("Trương Hoàng Tiến Minh", "minhtht"),
        ("Trần Huỳnh Tấn Minh", "minhtht"),
        ("Đặng Văn Đức", "ducdv"),
        ("Nguyễn An", "ann"),
        ("Kră Jăh Ha Tuys", "tuyskjh"),
        ("K' Blin Cil", "cilkb"),
        ("K'Blin Cil", "cilk"),
        ("Y-Blin Niê", "niey"),
        ("Ksor Y-Blin", "yblink"),
        ("Tuys", "tuys"),
        (_nfd("Cao Thị Phương Thuý"), "thuyctp"),
        (_nfd("Đặng Văn Đức"), "ducdv"),
        ("CAO THỊ PHƯƠNG THUÝ", "thuyctp"),
        ("  Cao\tThị  Phương \n Thuý  ", "thuyctp"),
        ("Cao Thị ' Phương Thuý", "thuyctp"),
    ],
)
def test_base_name_is_given_name_then_family_and_middle_initials(full_name: str, expected: str) -> None:
    assert base_name(name_parts(full_name)) == expected


def test_name_parts_keeps_folded_words_and_identity() -> None:
    parts = name_parts(" Trương  Hoàng Tiến\tMinh ")

    assert parts == NameParts(
        given="minh", family_initial="t", middles=("hoang", "tien"), folded_full="truong hoang tien minh"
    )
    assert name_parts(_nfd("TRƯƠNG hoàng Tiến minh")).folded_full == parts.folded_full


def test_single_word_name_is_just_that_word() -> None:
    parts = name_parts("Thuý")

    assert parts == NameParts(given="thuy", family_initial="", middles=(), folded_full="thuy")
    assert base_name(parts) == "thuy"
    assert expanded_name(parts) is None


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("Trương Hoàng Tiến Minh", "tienminhth"),
        ("Trần Huỳnh Tấn Minh", "tanminhth"),
        ("Trần Đình Nguyên", "dinhnguyent"),
        ("Cao Thị Phương Thuý", "phuongthuyct"),
        ("Nguyễn An", None),
    ],
)
def test_expanded_name_writes_the_middle_name_next_to_the_given_name_in_full(
    full_name: str, expected: str | None
) -> None:
    assert expanded_name(name_parts(full_name)) == expected


@pytest.mark.parametrize(
    ("birth_year", "expected"), [(1978, "thuyctp78"), (1982, "thuyctp82"), (2005, "thuyctp05"), (None, None)]
)
def test_with_birth_year_adds_two_digits(birth_year: int | None, expected: str | None) -> None:
    assert with_birth_year("thuyctp", birth_year) == expected


@pytest.mark.parametrize("full_name", ["", "   ", "'", "' - '", "123", "Ⅻ", "李小龍", "A"])
def test_name_without_usable_letters_raises(full_name: str) -> None:
    with pytest.raises(AccountNameError) as caught:
        name_parts(full_name)

    assert isinstance(caught.value, ApplicationError)
    assert caught.value.code == "account_name"
    assert "Không tạo được tên tài khoản" in caught.value.message


def test_propose_names_gives_bare_base_when_free() -> None:
    people = [Person(1, "Cao Thị Phương Thuý"), Person(2, "Trần Đình Nguyên"), Person(3, "Kră Jăh Ha Tuys")]

    assert propose_names(people, existing={}) == {1: "thuyctp", 2: "nguyentd", 3: "tuyskjh"}


def test_batch_expands_both_different_people_with_the_same_base() -> None:
    people = [Person("a", "Trương Hoàng Tiến Minh"), Person("b", "Trần Huỳnh Tấn Minh")]

    assert propose_names(people, existing={}) == {"a": "tienminhth", "b": "tanminhth"}


def test_batch_gives_identical_names_their_birth_years() -> None:
    people = [
        Person(1, "Cao Thị Phương Thuý", 1978),
        Person(2, _nfd("cao  thị phương THỦY"), 1982),
        Person(3, "Trần Đình Nguyên", 1990),
    ]

    assert propose_names(people, existing={}) == {1: "thuyctp78", 2: "thuyctp82", 3: "nguyentd"}


def test_batch_identical_names_and_same_year_fall_back_to_a_numeric_suffix() -> None:
    people = [Person(1, "Cao Thị Phương Thuý", 1978), Person(2, "Cao Thị Phương Thuý", 1978)]

    assert propose_names(people, existing={}) == {1: "thuyctp78", 2: "thuyctp2"}


def test_batch_identical_names_without_years_get_numeric_suffixes() -> None:
    people = [Person(key, "Cao Thị Phương Thuý") for key in (1, 2, 3)]

    assert propose_names(people, existing={}) == {1: "thuyctp2", 2: "thuyctp3", 3: "thuyctp4"}


def test_one_by_one_newcomer_with_a_different_name_is_expanded() -> None:
    existing = {"minhtht": "truong hoang tien minh"}

    assert propose_names([Person(7, "Trần Huỳnh Tấn Minh")], existing) == {7: "tanminhth"}


def test_one_by_one_newcomer_with_the_identical_name_gets_the_birth_year() -> None:
    existing = {"thuyctp": "cao thi phuong thuy"}

    assert propose_names([Person(7, "Cao Thị Phương Thủy", 1982)], existing) == {7: "thuyctp82"}


def test_one_by_one_holder_of_unknown_name_counts_as_a_different_person() -> None:
    existing = {"minhtht": ""}

    assert propose_names([Person(7, "Trương Hoàng Tiến Minh", 1990)], existing) == {7: "tienminhth"}


def test_one_by_one_identical_name_without_year_gets_a_numeric_suffix() -> None:
    existing = {"thuyctp": "cao thi phuong thuy", "thuyctp2": "cao thi phuong thuy"}

    assert propose_names([Person(7, "Cao Thị Phương Thuý")], existing) == {7: "thuyctp3"}


@pytest.mark.parametrize(
    ("birth_years", "expected"),
    [
        ((1980, 1991), {1: "ann80", 2: "ann91"}),
        ((None, None), {1: "ann2", 2: "ann3"}),
        ((1980, 1980), {1: "ann80", 2: "ann2"}),
    ],
)
def test_no_middle_name_collision_uses_the_year_then_a_numeric_suffix(
    birth_years: tuple[int | None, int | None], expected: dict[int, str]
) -> None:
    people = [Person(1, "Nguyễn An", birth_years[0]), Person(2, "Ngô An", birth_years[1])]

    assert propose_names(people, existing={}) == expected


def test_candidate_already_in_use_falls_back_to_a_numeric_suffix() -> None:
    existing = {"minhtht": "truong hoang tien minh", "tienminhth": "truong hoang tien minh", "minhtht2": ""}

    assert propose_names([Person(7, "Trần Hoàng Tiến Minh")], existing) == {7: "minhtht3"}


def test_bare_bases_are_reserved_before_colliders_choose() -> None:
    # given a later person whose bare base equals the expansion the earlier colliders would take
    people = [
        Person(1, "Trương Hoàng Tiến Minh"),
        Person(2, "Trần Huỳnh Tấn Minh"),
        Person(3, "Tienminhth"),
    ]

    result = propose_names(people, existing={})

    assert result == {1: "minhtht2", 2: "tanminhth", 3: "tienminhth"}


def test_propose_names_never_gives_the_same_name_twice() -> None:
    names = ["Cao Thị Phương Thuý", "Nguyễn An", "Ngô An", "Trương Hoàng Tiến Minh", "Trần Huỳnh Tấn Minh"]
    people = [Person(i, names[i % len(names)], 1980 + i % 3) for i in range(60)]

    result = propose_names(people, existing={"thuyctp80": ""})

    assert len(result) == 60
    assert len(set(result.values())) == 60
    assert "thuyctp80" not in result.values()


def test_propose_names_raises_on_an_unusable_name() -> None:
    with pytest.raises(AccountNameError):
        propose_names([Person(1, "Trần Đình Nguyên"), Person(2, "' '")], existing={})


def test_propose_names_refuses_duplicate_keys() -> None:
    with pytest.raises(ValueError, match="unique"):
        propose_names([Person(1, "Trần Đình Nguyên"), Person(1, "Nguyễn An")], existing={})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("thuyctp78", "thuyctp78"),
        ("  Nguyen.TD ", "nguyen.td"),
        ("a_b-c", "a_b-c"),
        ("ab", "ab"),
        ("9x", "9x"),
    ],
)
def test_validate_username_accepts_and_normalises(value: str, expected: str) -> None:
    assert validate_username(value) == expected


@pytest.mark.parametrize(
    "value", ["", "a", ".abc", "-abc", "thuý", "thuy ctp", "a@b", "x" * 51, "ab\ncd", "đức"]
)
def test_validate_username_rejects(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_username(value)

    assert "Tên tài khoản chỉ gồm" in caught.value.messages[0]


def test_validate_username_accepts_fifty_characters() -> None:
    assert validate_username("x" * 50) == "x" * 50


def test_namesake_of_the_expanded_name_holder_gets_the_birth_year_before_a_number() -> None:
    # thuyctp is a different Thuý; phuongthuyct is held by an identical Cao Thị Phương Thuý
    existing = {"thuyctp": "chau thi phuong thuy", "phuongthuyct": "cao thi phuong thuy"}
    person = Person(key=1, full_name="Cao Thị Phương Thuý", birth_year=1982)

    assert propose_names([person], existing) == {1: "thuyctp82"}
