import unicodedata

import pytest
from django.core.exceptions import ValidationError

from tenants.naming import (
    LABEL_RE,
    RESERVED_LABELS,
    propose_labels,
    unique_label,
    validate_host,
    validate_label,
)


def _nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


@pytest.mark.parametrize(
    ("name", "kind", "workspace", "portal"),
    [
        # R7: qlvbdh + the initials of a department; "và" and "của" give none.
        ("Sở Thông tin và Truyền thông", "department", "qlvbdhstttt", "stttt"),
        ("Sở Giáo dục và Đào tạo", "department", "qlvbdhsgddt", "sgddt"),
        ("Sở Kế hoạch và Đầu tư", "department", "qlvbdhskhdt", "skhdt"),
        ("Trung tâm Công nghệ thông tin của Sở", "other", "qlvbdhttcntts", "ttcntts"),
        # An abbreviation in capitals gives all its letters.
        ("Văn phòng UBND tỉnh", "department", "qlvbdhvpubndt", "vpubndt"),
        ("Văn phòng HĐND tỉnh", "department", "qlvbdhvphdndt", "vphdndt"),
        ("Sở GD và ĐT", "department", "qlvbdhsgddt", "sgddt"),
        # Numbers, alone or inside an abbreviation, are kept whole.
        ("Đội PA03 Công an tỉnh", "other", "qlvbdhdpa03cat", "dpa03cat"),
        ("Trạm Y tế số 12", "other", "qlvbdhtyts12", "tyts12"),
        # A name written all in capitals: only words without a Vietnamese syllable shape are abbreviations.
        ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "department", "qlvbdhstttt", "stttt"),
        ("VĂN PHÒNG UBND TỈNH", "department", "qlvbdhvpubndt", "vpubndt"),
        # Extra spaces and decomposed input.
        ("  Sở  Thông tin\tvà Truyền   thông ", "department", "qlvbdhstttt", "stttt"),
        (_nfd("Sở Giáo dục và Đào tạo"), "department", "qlvbdhsgddt", "sgddt"),
    ],
)
def test_department_label_is_qlvbdh_and_initials(name: str, kind: str, workspace: str, portal: str) -> None:
    assert propose_labels(name, kind) == {"workspace": workspace, "portal": portal}


@pytest.mark.parametrize(
    ("name", "workspace", "portal"),
    [
        # R7: qlvbdh + the place name without diacritics or spaces.
        ("UBND xã Mang Yang", "qlvbdhmangyang", "mangyang"),
        ("Mang Yang", "qlvbdhmangyang", "mangyang"),
        ("Ủy ban nhân dân phường Hội Phú", "qlvbdhhoiphu", "hoiphu"),
        ("Uỷ ban nhân dân phường Hội Phú", "qlvbdhhoiphu", "hoiphu"),
        ("UBND huyện Mang Yang", "qlvbdhmangyang", "mangyang"),
        ("UBND thị trấn Phú Thiện", "qlvbdhphuthien", "phuthien"),
        ("Thị xã An Khê", "qlvbdhankhe", "ankhe"),
        ("UBND thành phố Pleiku", "qlvbdhpleiku", "pleiku"),
        ("UBND TP. Pleiku", "qlvbdhpleiku", "pleiku"),
        ("Quận Ba Đình", "qlvbdhbadinh", "badinh"),
        ("Phường 1", "qlvbdh1", "1"),
        ("xã Ia H'Drai", "qlvbdhiahdrai", "iahdrai"),
        # Prefixes are matched with their diacritics: these places keep their first word.
        ("Quan Hóa", "qlvbdhquanhoa", "quanhoa"),
        ("UBND xã Phương Sơn", "qlvbdhphuongson", "phuongson"),
        ("Phương Sơn", "qlvbdhphuongson", "phuongson"),
        # Only one prefix of each kind is removed.
        ("UBND xã Xã Đoài", "qlvbdhxadoai", "xadoai"),
        ("UBND XÃ MANG YANG", "qlvbdhmangyang", "mangyang"),
        ("  UBND   xã  Mang\u00a0Yang  ", "qlvbdhmangyang", "mangyang"),
        (_nfd("Ủy ban nhân dân phường Hội Phú"), "qlvbdhhoiphu", "hoiphu"),
    ],
)
def test_commune_label_is_qlvbdh_and_place_name(name: str, workspace: str, portal: str) -> None:
    assert propose_labels(name, "commune") == {"workspace": workspace, "portal": portal}


@pytest.mark.parametrize(
    ("name", "portal"),
    [
        ("Trường THPT Đạ Tông", "thptdatong"),
        ("Trường Trung học phổ thông Đạ Tông", "thptdatong"),
        ("Trường Trung học cơ sở Lê Lợi", "thcsleloi"),
        ("Trường Tiểu học Kim Đồng", "thkimdong"),
        ("Trường Mầm non Họa Mi", "mnhoami"),
        ("Trường Mẫu giáo Sơn Ca", "mgsonca"),
        ("Trường Phổ thông dân tộc nội trú tỉnh", "ptdtnttinh"),
        ("Trường Phổ thông Dân tộc Bán trú Đạ Tông", "ptdtbtdatong"),
        ("Trường PTDTNT Đam Rông", "ptdtntdamrong"),
        ("Trường TH và THCS Đạ Tông", "ththcsdatong"),
        ("Trường TH&THCS Đạ Tông", "ththcsdatong"),
        ("Trường Tiểu học và Trung học cơ sở Đạ Tông", "ththcsdatong"),
        ("Trường THPT số 1 Đức Phổ", "thptso1ducpho"),
        ("THPT Đạ Tông", "thptdatong"),
        ("TRƯỜNG THPT ĐẠ TÔNG", "thptdatong"),
        ("trường trung học phổ thông đạ tông", "thptdatong"),
        ("  Trường   THPT  Đạ Tông ", "thptdatong"),
        (_nfd("Trường Trung học phổ thông Đạ Tông"), "thptdatong"),
    ],
)
def test_school_label_is_short_name_and_workspace_adds_qlvbdh(name: str, portal: str) -> None:
    assert propose_labels(name, "school") == {"workspace": "qlvbdh" + portal, "portal": portal}


@pytest.mark.parametrize("kind", ["department", "commune", "school", "other"])
def test_proposed_labels_are_cut_to_63_characters(kind: str) -> None:
    name = "Trường THPT " + " ".join(["Nguyễn Thị Minh Khai"] * 8)

    labels = propose_labels(name, kind)

    assert all(len(label) <= 63 and LABEL_RE.fullmatch(label) for label in labels.values())
    if kind in ("commune", "school"):
        assert len(labels["workspace"]) == len(labels["portal"]) == 63


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("", "department"),
        ("   ", "other"),
        ("và của", "department"),
        ("-- / --", "department"),
        ("UBND xã", "commune"),
        ("Ủy ban nhân dân thị trấn", "commune"),
        ("Trường", "school"),
        ("北京", "other"),
    ],
)
def test_name_with_nothing_usable_is_refused(name: str, kind: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        propose_labels(name, kind)

    assert excinfo.value.code == "invalid_name"


@pytest.mark.parametrize("kind", ["hospital", "province", ""])
def test_kind_without_a_naming_rule_is_refused(kind: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        propose_labels("Sở Y tế", kind)

    assert excinfo.value.code == "invalid_kind"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("stttt", "stttt"),
        ("  QLVBDHSTTTT ", "qlvbdhstttt"),
        ("a", "a"),
        ("7", "7"),
        ("thpt-datong", "thpt-datong"),
        ("1abc", "1abc"),
        ("a" * 63, "a" * 63),
        ("wwww", "wwww"),
    ],
)
def test_valid_label_is_normalised(label: str, expected: str) -> None:
    assert validate_label(label) == expected


@pytest.mark.parametrize(
    "label",
    ["", "   ", "-abc", "abc-", "-", "a_b", "a.b", "a b", "đạtông", "ab!c", "a" * 64, "xn--\u00e9"],
)
def test_malformed_label_is_refused(label: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_label(label)

    assert excinfo.value.code == "invalid_label"
    assert label.strip().lower() in excinfo.value.messages[0]


@pytest.mark.parametrize("label", [*sorted(RESERVED_LABELS), "WWW", " Admin "])
def test_reserved_label_is_refused(label: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_label(label)

    assert excinfo.value.code == "reserved_label"
    assert label.strip().lower() in excinfo.value.messages[0]


def test_reserved_labels_are_the_platform_ones() -> None:
    assert {"www", "console", "api", "admin", "static", "media", "mail"} == RESERVED_LABELS


@pytest.mark.parametrize(
    ("taken", "expected"),
    [
        (set(), "qlvbdhmangyang"),
        ({"qlvbdhmangyang"}, "qlvbdhmangyang2"),
        ({"qlvbdhmangyang", "qlvbdhmangyang2"}, "qlvbdhmangyang3"),
        ({"qlvbdhmangyang2"}, "qlvbdhmangyang"),
    ],
)
def test_unique_label_appends_the_first_free_number(taken: set[str], expected: str) -> None:
    assert unique_label("qlvbdhmangyang", taken.__contains__) == expected


def test_unique_label_asks_about_candidates_in_order() -> None:
    asked: list[str] = []

    def is_taken(label: str) -> bool:
        asked.append(label)
        return len(asked) < 3

    assert unique_label("stttt", is_taken) == "stttt3"
    assert asked == ["stttt", "stttt2", "stttt3"]


@pytest.mark.parametrize(
    ("last_taken", "expected"),
    [(1, "a" * 62 + "2"), (8, "a" * 62 + "9"), (9, "a" * 61 + "10")],
)
def test_unique_label_shortens_a_long_base_to_stay_within_63(last_taken: int, expected: str) -> None:
    # given the base and its numbered forms up to last_taken are taken
    base = "a" * 63
    taken = {base} | {base[: 63 - len(str(n))] + str(n) for n in range(2, last_taken + 1)}

    result = unique_label(base, taken.__contains__)

    assert result == expected
    assert len(result) == 63


def test_unique_label_skips_reserved_labels() -> None:
    assert unique_label("www", lambda label: False) == "www2"


def test_unique_label_normalises_its_base() -> None:
    assert unique_label(" StTTT ", lambda label: False) == "stttt"


@pytest.mark.parametrize("base", ["", "-x", "a_b", "đạtông"])
def test_unique_label_refuses_a_malformed_base(base: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        unique_label(base, lambda label: False)

    assert excinfo.value.code == "invalid_label"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("qlvbdhstttt.gialai.gov.vn", "qlvbdhstttt.gialai.gov.vn"),
        ("  THPTDATONG.LamDong.edu.vn. ", "thptdatong.lamdong.edu.vn"),
        ("localhost", "localhost"),
        ("www.thptdatong.edu.vn", "www.thptdatong.edu.vn"),
        ("a-1.b2.vn", "a-1.b2.vn"),
        (".".join(["a" * 63] * 3 + ["b" * 61]), ".".join(["a" * 63] * 3 + ["b" * 61])),
    ],
)
def test_valid_host_is_normalised(host: str, expected: str) -> None:
    assert validate_host(host) == expected


@pytest.mark.parametrize(
    "host",
    [
        "",
        "   ",
        ".",
        "a..b",
        ".gialai.gov.vn",
        "gialai.gov.vn..",
        "-a.gialai.gov.vn",
        "a-.gialai.gov.vn",
        "a_b.gialai.gov.vn",
        "đạtông.lamdong.edu.vn",
        "gialai.gov.vn:8000",
        "a b.gialai.gov.vn",
        "https://gialai.gov.vn",
        "a" * 64 + ".vn",
        ".".join(["a" * 63] * 3 + ["b" * 62]),
    ],
)
def test_malformed_host_is_refused(host: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_host(host)

    assert excinfo.value.code == "invalid_host"
    assert host.strip() in excinfo.value.messages[0]
