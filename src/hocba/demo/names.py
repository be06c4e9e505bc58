"""Vietnamese personal names and places for demo data (NFC, correct diacritics)."""

from __future__ import annotations

import random

SURNAMES = (
    ("Nguyễn", 30),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 4),
    ("Phan", 4),
    ("Vũ", 4),
    ("Võ", 4),
    ("Đặng", 3),
    ("Bùi", 3),
    ("Đỗ", 3),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 2),
    ("Lý", 1),
    ("Đinh", 1),
    ("Trịnh", 1),
    ("Đoàn", 1),
    ("Lương", 1),
)
MIDDLE_MALE = ("Văn", "Minh", "Đức", "Quang", "Hữu", "Gia", "Anh", "Thành", "Công", "Bảo", "Đăng")
MIDDLE_FEMALE = ("Thị", "Ngọc", "Thu", "Thanh", "Phương", "Khánh", "Bảo", "Minh", "Hoài", "Mai")
GIVEN_MALE = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Duy",
    "Đạt",
    "Hải",
    "Hiếu",
    "Hoàng",
    "Hùng",
    "Huy",
    "Khang",
    "Khôi",
    "Kiên",
    "Lâm",
    "Long",
    "Minh",
    "Nam",
    "Nghĩa",
    "Phát",
    "Phong",
    "Phúc",
    "Quân",
    "Sơn",
    "Tài",
    "Thắng",
    "Thịnh",
    "Tiến",
    "Toàn",
    "Trí",
    "Trung",
    "Tuấn",
    "Việt",
    "Vinh",
)
GIVEN_FEMALE = (
    "An",
    "Anh",
    "Châu",
    "Chi",
    "Diệp",
    "Dung",
    "Giang",
    "Hà",
    "Hân",
    "Hạnh",
    "Hằng",
    "Hoa",
    "Hương",
    "Huyền",
    "Lan",
    "Linh",
    "Loan",
    "Mai",
    "My",
    "Ngân",
    "Ngọc",
    "Nhi",
    "Nhung",
    "Oanh",
    "Phương",
    "Quyên",
    "Thảo",
    "Thư",
    "Trang",
    "Trâm",
    "Uyên",
    "Vân",
    "Vy",
    "Yến",
)
OCCUPATIONS = (
    "Công nhân",
    "Nông dân",
    "Giáo viên",
    "Kinh doanh",
    "Nhân viên văn phòng",
    "Kỹ sư",
    "Bác sĩ",
    "Điều dưỡng",
    "Lái xe",
    "Buôn bán",
    "Thợ may",
    "Công chức",
    "Nội trợ",
)
ETHNICITIES = (("Kinh", 90), ("Tày", 3), ("Thái", 2), ("Mường", 2), ("Khmer", 2), ("Nùng", 1))
PROVINCES = (
    "Hà Nội",
    "Thành phố Hồ Chí Minh",
    "Hải Phòng",
    "Đà Nẵng",
    "Cần Thơ",
    "Nghệ An",
    "Thanh Hóa",
    "Ninh Bình",
    "Huế",
    "Quảng Ninh",
    "Lào Cai",
    "Đắk Lắk",
    "Khánh Hòa",
)


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def full_name(rng: random.Random, female: bool, surname: str | None = None) -> str:
    surname = surname or _weighted(rng, SURNAMES)
    middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
    given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    return f"{surname} {middle} {given}"


def surname_of(name: str) -> str:
    return name.split(" ", 1)[0]


def ethnicity(rng: random.Random) -> str:
    return _weighted(rng, ETHNICITIES)
