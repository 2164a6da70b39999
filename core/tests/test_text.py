import unicodedata

import pytest

from core.text import fold, fold_words, legacy_encoding, nfc


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


# Rule R2: text typed through a TCVN3 (ABC) or VNI-Windows font reaches us as Latin-1 characters.
@pytest.mark.parametrize(
    "value",
    [
        "ViÖt Nam",
        "Hµ Néi",
        "Tr\u00adêng",  # TCVN3 ư is the soft-hyphen byte
        "§µ N½ng",
        "Céng hoµ x· héi chñ nghÜa ViÖt Nam",
        "§éc lËp - Tù do - H¹nh phóc",
        "Uû ban nh©n d©n tØnh L©m §ång",
        "Së Gi¸o dôc vµ §µo t¹o",
        "NguyÔn V¨n §øc",
        "B¶o Th¾ng",
        "CéNG HOµ X· HéI CHñ NGHÜA VIÖT NAM",  # upper case from the .VnTimeH font
        "Lª",
        "Ủy ban nhân dân tỉnh Hµ Néi",  # an old fragment pasted into Unicode text
    ],
)
def test_legacy_encoding_recognises_tcvn3(value: str) -> None:
    assert legacy_encoding(value) == "TCVN3"


@pytest.mark.parametrize(
    "value",
    [
        "Nguyeãn Vaên Ñöùc",
        "Vieät Nam",
        "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam",
        "Ñoäc laäp - Töï do - Haïnh phuùc",
        "UÛy ban nhaân daân tænh Laâm Ñoàng",
        "Sôû Giaùo duïc vaø Ñaøo taïo",
        "Xin chaøo caùc baïn",
        "COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM",
        "Leâ",
        "Ủy ban nhân dân tỉnh Haø Noäi",
    ],
)
def test_legacy_encoding_recognises_vni(value: str) -> None:
    assert legacy_encoding(value) == "VNI"


_UNICODE_SAMPLES = [
    "Tiếng Việt có sáu thanh: ngang, huyền, sắc, hỏi, ngã, nặng.",
    "Ông Đỗ Quý bắt được con cá rô ở hồ Tây; người thuở ấy khuya khoắt, khuỷu tay, quyết định.",
    "Quyết định về việc ban hành quy chế quản lý văn bản và điều hành trên môi trường mạng",
    "a à á ả ã ạ ă ằ ắ ẳ ẵ ặ â ầ ấ ẩ ẫ ậ e è é ẻ ẽ ẹ ê ề ế ể ễ ệ i ì í ỉ ĩ ị o ò ó ỏ õ ọ ô ồ ố ổ ỗ ộ "
    "ơ ờ ớ ở ỡ ợ u ù ú ủ ũ ụ ư ừ ứ ử ữ ự y ỳ ý ỷ ỹ ỵ đ",
    "àáâãèéêìíòóôõùúý ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ",
    "Hà Nội",
    "Lê",
    "hòa hoà thúy thuý Hòa Bùi Võ Tô Lâm Ấn Độ Út Ừ",
    "Độc lập – Tự do – Hạnh phúc",
    "“Trích yếu…” nhiệt độ 25°C, độ dày 5µm",
    "5µm",
    "© 2025 Sở Thông tin và Truyền thông",
    "«Hà Nội» · Việt Nam ½ ¼ ¾ ® ± ²",
    "Tr\u00adường",
    "Y Moan Ênuôl, H'Hen Niê, Kră Jăh Ha Tuys, K' Blin Cil, Ê Đê",
    "Café Müller, São Paulo, Zürich, naïve, Hélène",
    "Ban quan ly du an 123/QD-UBND",
    "",
]


@pytest.mark.parametrize("value", _UNICODE_SAMPLES)
def test_legacy_encoding_leaves_unicode_and_ascii_alone(value: str) -> None:
    assert legacy_encoding(value) is None
    assert legacy_encoding(value.upper()) is None
    assert legacy_encoding(_nfd(value)) is None
