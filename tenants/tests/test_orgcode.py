import pytest
from django.core.exceptions import ValidationError

from tenants.orgcode import LETTER_GROUPS, PROVINCE_CODES, level1, normalize_org_code


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # Canonical: level 4.3.2.1
        ("000.00.15.H21", "000.00.15.H21"),
        ("000.00.00.G22", "000.00.00.G22"),
        ("002.00.20.H13", "002.00.20.H13"),
        ("  000.00.00.h41 ", "000.00.00.H41"),
        # Real-world variants without leading levels, numeric parts of 2 or 3 digits.
        ("28.22.H17", "28.22.H17"),
        ("028.022.H17", "028.022.H17"),
        ("22.H17", "22.H17"),
        ("022.H17", "022.H17"),
        ("H21", "H21"),
        ("a01", "A01"),
    ],
)
def test_valid_org_code_is_normalised(code: str, expected: str) -> None:
    assert normalize_org_code(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        "",
        "   ",
        "H2",
        "H210",
        "21",
        "HH21",
        "2H1",
        "000.00.15",
        "0000.00.15.H21",
        "00.00.15.H21",
        "000.0.15.H21",
        "000.000.15.H21",
        "000.00.00.00.H21",
        "1.22.H17",
        "1234.22.H17",
        "000.00.15.H21.",
        ".H21",
        "H21.000",
        "000.00.15-H21",
        "000 00 15 H21",
        "000.00.15. H21",
        "\u0660\u0660\u0660.00.15.H21",
        "000.00.15.Đ21",
    ],
)
def test_malformed_org_code_is_refused_with_the_expected_form(code: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        normalize_org_code(code)

    assert excinfo.value.code == "invalid_org_code"
    assert "000.00.15.H21" in excinfo.value.messages[0]


@pytest.mark.parametrize(
    ("code", "expected"),
    [("000.00.15.H21", "H21"), ("28.22.h17", "H17"), ("22.H17", "H17"), (" H36 ", "H36")],
)
def test_level1_is_the_last_part(code: str, expected: str) -> None:
    assert level1(code) == expected


def test_level1_refuses_a_malformed_code() -> None:
    with pytest.raises(ValidationError):
        level1("000.00.15")


def test_province_codes_are_level1_codes_of_people_s_committees() -> None:
    assert PROVINCE_CODES["H21"] == "Gia Lai"
    assert PROVINCE_CODES["H36"] == "Lâm Đồng"
    for code in PROVINCE_CODES:
        assert level1(code) == code
        assert code[0] == "H"
        assert code[0] in LETTER_GROUPS
