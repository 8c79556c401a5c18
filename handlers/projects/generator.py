"""A realistic generated set of Hanoi investment projects (fixed seed) for the demo and the tests.

Run `python -m handlers.projects.generator --count 3000 --out du-an.xlsx` to write the Excel file.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

from schemas.projects import Investor, Milestone, ProjectData

# The 30 district-level units of Hanoi as registered on the certificates (before the 2025 reorganisation).
DISTRICTS = [
    "Ba Đình",
    "Hoàn Kiếm",
    "Tây Hồ",
    "Long Biên",
    "Cầu Giấy",
    "Đống Đa",
    "Hai Bà Trưng",
    "Hoàng Mai",
    "Thanh Xuân",
    "Nam Từ Liêm",
    "Bắc Từ Liêm",
    "Hà Đông",
    "Sơn Tây",
    "Ba Vì",
    "Phúc Thọ",
    "Đan Phượng",
    "Hoài Đức",
    "Quốc Oai",
    "Thạch Thất",
    "Chương Mỹ",
    "Thanh Oai",
    "Thường Tín",
    "Phú Xuyên",
    "Ứng Hòa",
    "Mỹ Đức",
    "Sóc Sơn",
    "Đông Anh",
    "Gia Lâm",
    "Mê Linh",
    "Thanh Trì",
]
DISTRICT_WEIGHTS = [5, 4, 4, 5, 8, 6, 5, 4, 4, 7, 5, 5, 1, 1, 1, 2, 3, 2, 3, 2, 1, 2, 1, 1, 1, 3, 6, 4, 3, 2]
# Country name (as on Vietnamese certificates), weight, company-name stems
COUNTRIES: list[tuple[str, int, list[str]]] = [
    ("Hàn Quốc", 22, ["Samsung", "Hanwha", "Daewon", "Seoul Tech", "Kumho", "Hyosung", "Shinhan"]),
    ("Nhật Bản", 18, ["Sumitomo", "Aeon", "Mitsui", "Kyoto Seiko", "Nitto", "Yamato", "Canon Parts"]),
    ("Singapore", 14, ["CapitaLand", "Keppel", "Sembcorp", "Lion City", "Marina Holdings"]),
    ("Trung Quốc", 10, ["Sunny Optical", "Goertek", "Hengtong", "Jinko", "Huaqiang"]),
    ("Hồng Kông (Trung Quốc)", 6, ["Kowloon Trading", "Pacific Harbour", "Victoria Capital"]),
    ("Đài Loan (Trung Quốc)", 5, ["Foxlink", "Formosa Tech", "Taipei Precision"]),
    ("Hoa Kỳ", 5, ["Intel Products", "Pacific Ventures", "Boston Edu", "Texas Energy"]),
    ("Pháp", 3, ["Lavie", "Bonjour Retail", "Saint-Gobain Asia"]),
    ("Đức", 2, ["Bosch Solutions", "Mainz Engineering"]),
    ("Vương quốc Anh", 2, ["London Education", "Thames Capital"]),
    ("Hà Lan", 2, ["Heineken Asia", "Rotterdam Logistics"]),
    ("Úc", 2, ["Sydney Education", "Melbourne Foods"]),
    ("Thái Lan", 3, ["Siam Cement", "Bangkok Foods", "Central Retail"]),
    ("Malaysia", 2, ["Genting Asia", "Kuala Property"]),
    ("Quần đảo Virgin thuộc Anh", 2, ["Pacific Star Holdings", "Ocean Bright Ltd"]),
    ("Ấn Độ", 1, ["Mumbai Software", "Tata Asia"]),
    ("Canada", 1, ["Maple Invest", "Toronto Tech"]),
]
SECTORS = [
    ("Công nghiệp chế biến, chế tạo", 24),
    ("Kinh doanh bất động sản", 12),
    ("Bán buôn và bán lẻ; sửa chữa ô tô, mô tô, xe máy", 16),
    ("Hoạt động chuyên môn, khoa học và công nghệ", 14),
    ("Thông tin và truyền thông", 10),
    ("Xây dựng", 5),
    ("Vận tải kho bãi", 4),
    ("Dịch vụ lưu trú và ăn uống", 4),
    ("Giáo dục và đào tạo", 4),
    ("Y tế và hoạt động trợ giúp xã hội", 2),
    ("Sản xuất, phân phối điện, khí đốt, nước nóng", 1),
    ("Nông nghiệp, lâm nghiệp và thủy sản", 2),
    ("Hoạt động tài chính, ngân hàng và bảo hiểm", 2),
]
OBJECTIVES = {
    "Công nghiệp chế biến, chế tạo": [
        "Sản xuất linh kiện điện tử",
        "Sản xuất khuôn mẫu chính xác",
        "Sản xuất thực phẩm chế biến",
        "Sản xuất bao bì",
    ],
    "Kinh doanh bất động sản": ["Đầu tư xây dựng khu nhà ở", "Xây dựng tòa nhà văn phòng cho thuê"],
    "Thông tin và truyền thông": ["Sản xuất phần mềm", "Dịch vụ trung tâm dữ liệu"],
}
VN_STEMS = [
    "Hà Thành",
    "Thăng Long",
    "Sông Hồng",
    "Hồ Gươm",
    "Kinh Bắc",
    "Phương Đông",
    "Đại Việt",
    "An Phát",
]
RATES = {y: 21000 + (y - 2010) * 300 for y in range(2010, 2027)}  # VND per USD, rounded yearly averages
INCENTIVES = [
    "Miễn thuế TNDN 4 năm, giảm 50% trong 9 năm tiếp theo",
    "Miễn tiền thuê đất 3 năm",
    "Miễn thuế nhập khẩu hàng hóa tạo tài sản cố định",
    "Ưu đãi thuế suất TNDN 10% trong 15 năm",
]


def _company(rng: random.Random, stem: str, foreign: bool) -> str:
    if foreign:
        return f"{stem} {rng.choice(['Co., Ltd.', 'Corporation', 'Pte. Ltd.', 'Holdings Limited', 'Inc.'])}"
    kind = rng.choice(["TNHH", "Cổ phần"])
    trade = rng.choice(["Đầu tư", "Thương mại", "Công nghệ"])
    return f"Công ty {kind} {trade} {stem}"


def generate(count: int = 3000, seed: int = 20261128) -> list[ProjectData]:
    """`count` projects with unique codes, deterministic for a seed."""
    rng = random.Random(seed)
    codes: set[str] = set()
    out: list[ProjectData] = []
    country_weights = [w for _, w, _ in COUNTRIES]
    sector_names, sector_weights = zip(*SECTORS, strict=True)
    for _ in range(count):
        code = str(rng.randrange(10**9, 10**10))
        while code in codes:
            code = str(rng.randrange(10**9, 10**10))
        codes.add(code)
        funding = rng.choices(["FDI", "NGOAI_NSNN", "NSNN"], weights=[60, 30, 10])[0]
        sector = rng.choices(sector_names, weights=sector_weights)[0]
        year = rng.randint(2010, 2026)
        issued = date(year, 1, 1) + timedelta(days=rng.randrange(0, 360))
        if funding == "FDI":
            country, _, stems = rng.choices(COUNTRIES, weights=country_weights)[0]
            investors = [Investor(name=_company(rng, rng.choice(stems), True), nationality=country)]
            if rng.random() < 0.2:
                investors.append(
                    Investor(name=_company(rng, rng.choice(VN_STEMS), False), nationality="Việt Nam")
                )
        elif funding == "NSNN":
            investors = [
                Investor(
                    name=rng.choice(
                        [
                            "Ban Quản lý dự án đầu tư xây dựng công trình dân dụng Hà Nội",
                            "Ban Quản lý dự án đầu tư xây dựng công trình giao thông Hà Nội",
                            f"UBND huyện {rng.choice(DISTRICTS[12:])}",
                        ]
                    ),
                    nationality="Việt Nam",
                )
            ]
        else:
            investors = [Investor(name=_company(rng, rng.choice(VN_STEMS), False), nationality="Việt Nam")]
        capital_usd = int(rng.lognormvariate(14.5, 1.3))  # median about 2 million USD
        capital_usd = max(capital_usd, 20_000)
        contributed_usd = int(capital_usd * rng.choice([1.0, 0.5, 0.3, 0.25, 0.2]))
        mobilised_usd = capital_usd - contributed_usd
        rate = RATES[year]
        adjusted = issued + timedelta(days=rng.randrange(60, 900)) if rng.random() < 0.3 else None
        if adjusted is not None and adjusted > date(2026, 11, 1):
            adjusted = None
        status = rng.choices(["active", "suspended", "terminated"], weights=[87, 5, 8])[0]
        name_obj = rng.choice(OBJECTIVES.get(sector, [sector]))
        district = rng.choices(DISTRICTS, weights=DISTRICT_WEIGHTS)[0]
        out.append(
            ProjectData(
                code=code,
                name=f"Dự án {name_obj[0].lower()}{name_obj[1:]} tại {district}",
                funding=funding,  # type: ignore[arg-type]
                investors=investors,
                district=district,
                sector=sector,
                objectives=name_obj,
                land_area_m2=round(rng.choice([0, 0, rng.uniform(200, 5000), rng.uniform(5000, 200000)]), 1),
                contributed_vnd=contributed_usd * rate,
                mobilised_vnd=mobilised_usd * rate,
                contributed_usd=contributed_usd if funding == "FDI" else 0,
                mobilised_usd=mobilised_usd if funding == "FDI" else 0,
                certificate_number=code,
                first_issued_on=issued,
                adjusted_on=adjusted,
                duration_years=rng.choice([20, 30, 40, 50]),
                milestones=[
                    Milestone(name="Góp đủ vốn", due=issued + timedelta(days=365)),
                    Milestone(name="Đi vào hoạt động", due=issued + timedelta(days=rng.randrange(365, 1100))),
                ],
                incentives=rng.sample(INCENTIVES, k=rng.randint(0, 2)),
                status=status,  # type: ignore[arg-type]
            )
        )
    return out


def main() -> None:
    from handlers.projects.xlsx import write

    parser = argparse.ArgumentParser(description="Write the generated project set as an Excel file")
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--out", type=Path, default=Path("du-an-dau-tu.xlsx"))
    args = parser.parse_args()
    args.out.write_bytes(write(generate(args.count, args.seed)))
    print(f"wrote {args.count} projects to {args.out}")


if __name__ == "__main__":
    main()
