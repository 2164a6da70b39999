import unicodedata

import pytest

from core.text import fold, fold_words, nfc


def _nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Sở Thông tin và Truyền thông", "Sở Thông tin và Truyền thông"),
        (_nfd("Sở Thông tin và Truyền thông"), "Sở Thông tin và Truyền thông"),
        ("  Mang \t Yang\n", "Mang Yang"),
        ("Đạ\u00a0\u00a0Tông", "Đạ Tông"),
        ("   ", ""),
        ("", ""),
    ],
)
def test_nfc_composes_strips_and_collapses_whitespace(value: str, expected: str) -> None:
    result = nfc(value)

    assert result == expected
    assert unicodedata.is_normalized("NFC", result)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Sở Thông tin và Truyền thông", "so thong tin va truyen thong"),
        ("Đạ Tông", "da tong"),
        ("ĐƯỜNG ĐỒNG ĐẲNG", "duong dong dang"),
        ("Cao Thị Phương Thuý", "cao thi phuong thuy"),
        ("Nguyễn Ngọc Ẩn, Ỷ Lan; Ơn", "nguyen ngoc an, y lan; on"),
        ("K' Blin", "k' blin"),
        ("  hai  khoảng  ", "  hai  khoang  "),
        ("123/QĐ-UBND", "123/qd-ubnd"),
    ],
)
def test_fold_drops_marks_maps_d_stroke_and_lowercases(value: str, expected: str) -> None:
    assert fold(value) == expected


@pytest.mark.parametrize("value", ["Sở Thông tin và Truyền thông", "Đạ Tông", "Uỷ ban", "Ủy ban", "Hỏa tốc"])
def test_fold_gives_the_same_result_for_nfc_and_nfd_input(value: str) -> None:
    assert fold(_nfd(value)) == fold(unicodedata.normalize("NFC", value))


def test_fold_makes_both_tone_placements_equal() -> None:
    assert fold("Thuỷ") == fold("Thủy") == "thuy"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Sở Thông tin và Truyền thông", ["so", "thong", "tin", "va", "truyen", "thong"]),
        ("K' Blin", ["k", "blin"]),
        ("H'Mông", ["h", "mong"]),
        ("  UBND   xã Ia-Grai ", ["ubnd", "xa", "ia", "grai"]),
        (_nfd("Trường THPT số 1"), ["truong", "thpt", "so", "1"]),
        ("123/QĐ-UBND", ["123", "qd", "ubnd"]),
        (" -- ", []),
        ("", []),
    ],
)
def test_fold_words_splits_on_anything_not_ascii_letter_or_digit(value: str, expected: list[str]) -> None:
    assert fold_words(value) == expected
