"""Starter entries for the spa-managed lists, created by a data migration.

The owner edits them afterwards in Settings; codes are stable identifiers that the
product catalogue (ingredient tags) will share.
"""

ALLERGENS = [
    # code, Vietnamese, English, Chinese
    ("aha", "AHA (axit glycolic, lactic)", "AHA (glycolic, lactic acid)", "果酸 (AHA)"),
    ("bha", "BHA (axit salicylic)", "BHA (salicylic acid)", "水杨酸 (BHA)"),
    ("retinoid", "Retinol / retinoid", "Retinol / retinoids", "视黄醇 / 维A类"),
    ("fragrance", "Hương liệu", "Fragrance", "香精"),
    ("essential-oils", "Tinh dầu", "Essential oils", "精油"),
    ("paraben", "Paraben", "Parabens", "对羟基苯甲酸酯"),
    ("latex", "Cao su (latex)", "Latex", "乳胶"),
    ("lanolin", "Lanolin", "Lanolin", "羊毛脂"),
    ("nickel", "Niken (kim loại)", "Nickel", "镍"),
    ("ppd", "PPD (thuốc nhuộm tóc)", "PPD (hair dye)", "对苯二胺 (染发剂)"),
    (
        "lidocaine",
        "Thuốc tê (lidocaine)",
        "Local anaesthetics (lidocaine)",
        "局部麻醉药 (利多卡因)",
    ),
    ("vitamin-c", "Vitamin C (axit ascorbic)", "Vitamin C (ascorbic acid)", "维生素C"),
    ("propylene-glycol", "Propylene glycol", "Propylene glycol", "丙二醇"),
    ("sulfates", "Sulfat (SLS/SLES)", "Sulfates (SLS/SLES)", "硫酸盐 (SLS/SLES)"),
    ("hydroquinone", "Hydroquinone", "Hydroquinone", "氢醌"),
    ("beeswax", "Sáp ong / keo ong", "Beeswax / propolis", "蜂蜡 / 蜂胶"),
    ("nuts", "Dầu hạt (hạnh nhân…)", "Nut oils (almond…)", "坚果油 (杏仁等)"),
    ("hyaluronidase", "Hyaluronidase", "Hyaluronidase", "透明质酸酶"),
]

SOURCES = ["Khách vãng lai", "Facebook", "Zalo", "TikTok", "Google", "Giới thiệu", "Instagram"]
