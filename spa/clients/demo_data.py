"""Realistic made-up clients: Vietnamese names with their real surname frequencies
(Nguyễn is about 38%), some Chinese names, valid Vietnamese mobile numbers.

Used by `manage.py seed_demo` and by the benchmarks in bench/; seeded, so a given
seed always produces the same people.
"""

import random
from datetime import date, timedelta

# Share of the population, in percent (approximate national figures).
VI_SURNAMES = [
    ("Nguyễn", 38.4), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.1), ("Hoàng", 3.1),
    ("Huỳnh", 2.0), ("Phan", 4.5), ("Vũ", 2.2), ("Võ", 1.7), ("Đặng", 2.1), ("Bùi", 2.0),
    ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5), ("Đinh", 0.6),
    ("Trương", 0.6), ("Lương", 0.5), ("Mai", 0.5), ("Cao", 0.4), ("Tạ", 0.3), ("Đoàn", 0.5),
    ("Lâm", 0.4), ("Châu", 0.3), ("Tô", 0.3), ("Quách", 0.2), ("Kiều", 0.2),
]  # fmt: skip
VI_MIDDLE_F = [("Thị", 55), ("Ngọc", 8), ("Thu", 6), ("Thanh", 6), ("Minh", 4), ("Kim", 4),
               ("Hồng", 4), ("Mỹ", 3), ("Bảo", 3), ("Phương", 3), ("Diệu", 2), ("Khánh", 2)]  # fmt: skip
VI_MIDDLE_M = [("Văn", 50), ("Minh", 10), ("Quốc", 8), ("Đức", 8), ("Hữu", 8), ("Công", 6),
               ("Thanh", 5), ("Hoàng", 5)]  # fmt: skip
VI_GIVEN_F = [
    "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngọc", "Trang", "Thảo", "Hằng", "Nhung", "Phương",
    "Anh", "Hà", "Huyền", "Yến", "Vy", "Nhi", "Thủy", "Hạnh", "Loan", "Oanh", "Dung", "Hiền",
    "Quỳnh", "Tâm", "Chi", "My", "Trâm", "Uyên", "Giang", "Hồng", "Thu", "Vân", "Ly", "Ngân",
    "Diễm", "Thư", "Hoài", "Nga", "Duyên", "Tuyết", "Bích", "Liên", "Phượng", "Hòa", "Đào",
]  # fmt: skip
VI_GIVEN_M = ["Anh", "Minh", "Hùng", "Dũng", "Tuấn", "Nam", "Hải", "Long", "Quang", "Sơn",
              "Thắng", "Hiếu", "Khoa", "Phúc", "Đạt", "Huy", "Trung", "Bảo"]  # fmt: skip
ZH_SURNAMES = [("王", 7), ("李", 7), ("张", 7), ("刘", 5), ("陈", 5), ("杨", 3), ("黄", 2),
               ("赵", 2), ("吴", 2), ("周", 2), ("林", 1), ("郭", 1)]  # fmt: skip
ZH_GIVEN = ["秀英", "桂英", "秀兰", "玉兰", "丽", "敏", "静", "婷", "雪", "芳", "娜", "燕",
            "红", "霞", "佳怡", "欣怡", "梓涵", "丽华", "淑芬", "美玲", "晓明", "伟"]  # fmt: skip
VN_MOBILE_PREFIXES = [
    "090", "091", "093", "094", "096", "097", "098", "086", "088", "032", "033",
    "034", "035", "036", "037", "038", "039", "070", "076", "077", "078", "079", "081",
    "082", "083", "084", "085", "056", "058", "059",
]  # fmt: skip
OCCUPATIONS = ["Nhân viên văn phòng", "Giáo viên", "Kinh doanh tự do", "Bác sĩ", "Nội trợ",
               "Sinh viên", "Kế toán", "Ngân hàng", "Dược sĩ", "Thiết kế"]  # fmt: skip
STREETS = ["Lê Lợi", "Nguyễn Huệ", "Hai Bà Trưng", "Trần Hưng Đạo", "Cầu Giấy", "Xuân Thủy",
           "Láng Hạ", "Điện Biên Phủ", "Võ Văn Tần", "Pasteur"]  # fmt: skip


# The demo spa's price list (manage.py seed_demo); the benchmark chain sells it too.
DEMO_CATEGORIES = ["Chăm sóc da mặt", "Massage body", "Triệt lông", "Gội đầu dưỡng sinh"]
DEMO_SERVICES = [
    # name, category, minutes, price, needs
    ("Chăm sóc da cơ bản", "Chăm sóc da mặt", 60, 350_000, ["room"]),
    ("Peel da AHA", "Chăm sóc da mặt", 45, 550_000, ["room"]),
    ("Điều trị mụn chuyên sâu", "Chăm sóc da mặt", 75, 650_000, ["room"]),
    ("Massage body tinh dầu", "Massage body", 90, 450_000, ["room"]),
    ("Triệt lông nách laser", "Triệt lông", 30, 400_000, ["room", "machine"]),
    ("Gội đầu dưỡng sinh", "Gội đầu dưỡng sinh", 60, 180_000, ["room"]),
]
# Back-bar products are used in treatments and not sold, so they have no price.
DEMO_PRODUCTS = [
    # name, sku, kind, unit, allergen codes, retail price
    ("Dung dịch peel AHA 30%", "PEEL-AHA30", "backbar", "ml", ["aha"], 0),
    ("Serum vitamin C 15%", "SER-VITC", "backbar", "ml", ["vitamin-c"], 0),
    ("Sữa rửa mặt dịu nhẹ", "CLEAN-01", "backbar", "ml", [], 0),
    ("Dầu massage oải hương", "OIL-LAV", "backbar", "ml", ["essential-oils", "fragrance"], 0),
    ("Gel lạnh laser", "GEL-LASER", "backbar", "ml", [], 0),
    ("Mặt nạ dịu da rau má", "MASK-CICA", "retail", "cái", [], 45_000),
    ("Kem chống nắng SPF50", "SUN-50", "retail", "tuýp", ["fragrance"], 420_000),
    ("Serum phục hồi B5", "SER-B5", "retail", "chai", [], 350_000),
]
# What a session of each service uses: (sku, quantity).
DEMO_PRODUCT_USES = {
    "Chăm sóc da cơ bản": [("CLEAN-01", "5"), ("SER-VITC", "2")],
    "Peel da AHA": [("CLEAN-01", "5"), ("PEEL-AHA30", "3")],
    "Điều trị mụn chuyên sâu": [("CLEAN-01", "5")],
    "Massage body tinh dầu": [("OIL-LAV", "20")],
    "Triệt lông nách laser": [("GEL-LASER", "10")],
    "Gội đầu dưỡng sinh": [],
}


def _weighted(rng: random.Random, pairs):
    names, weights = zip(*pairs, strict=True)
    return rng.choices(names, weights=weights, k=1)[0]


class PersonGenerator:
    def __init__(self, seed: int = 42, chinese_share: float = 0.05, female_share: float = 0.85):
        self.rng = random.Random(seed)
        self.chinese_share = chinese_share
        self.female_share = female_share
        # Precomputed cumulative weights make large runs (a million people) fast.
        self._vi_surnames = [n for n, _w in VI_SURNAMES]
        self._vi_cum = self._cum([w for _n, w in VI_SURNAMES])
        self._mid_f = [n for n, _w in VI_MIDDLE_F]
        self._mid_f_cum = self._cum([w for _n, w in VI_MIDDLE_F])
        self._mid_m = [n for n, _w in VI_MIDDLE_M]
        self._mid_m_cum = self._cum([w for _n, w in VI_MIDDLE_M])
        self._zh = [n for n, _w in ZH_SURNAMES]
        self._zh_cum = self._cum([w for _n, w in ZH_SURNAMES])

    @staticmethod
    def _cum(weights):
        total, out = 0.0, []
        for w in weights:
            total += w
            out.append(total)
        return out

    def _pick(self, names, cum):
        return self.rng.choices(names, cum_weights=cum, k=1)[0]

    def person(self) -> dict:
        rng = self.rng
        female = rng.random() < self.female_share
        if rng.random() < self.chinese_share:
            name = self._pick(self._zh, self._zh_cum) + rng.choice(ZH_GIVEN)
        else:
            surname = self._pick(self._vi_surnames, self._vi_cum)
            if female:
                middle = self._pick(self._mid_f, self._mid_f_cum)
                given = rng.choice(VI_GIVEN_F)
            else:
                middle = self._pick(self._mid_m, self._mid_m_cum)
                given = rng.choice(VI_GIVEN_M)
            parts = [surname, middle, given]
            if rng.random() < 0.12:  # four-word names: Nguyễn Thị Ngọc Anh
                parts.insert(2, rng.choice(["Ngọc", "Thu", "Kim", "Bảo", "Minh"]))
            if parts[1] == parts[-1]:
                parts[-1] = rng.choice(VI_GIVEN_F if female else VI_GIVEN_M)
            name = " ".join(parts)
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 45))
        return {
            "full_name": name,
            "gender": "female" if female else "male",
            "birth_date": born if rng.random() < 0.7 else None,
            "phone": self.phone(),
        }

    def phone(self) -> str:
        return self.rng.choice(VN_MOBILE_PREFIXES) + f"{self.rng.randrange(0, 10_000_000):07d}"
