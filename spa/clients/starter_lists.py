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

CONDITIONS = [
    (
        "pregnancy-risk",
        "Tiền sử sảy thai / thai kỳ nguy cơ",
        "High-risk pregnancy history",
        "高危妊娠史",
    ),
    ("diabetes", "Tiểu đường", "Diabetes", "糖尿病"),
    ("hypertension", "Tăng huyết áp", "High blood pressure", "高血压"),
    (
        "heart-disease",
        "Bệnh tim / máy tạo nhịp",
        "Heart disease / pacemaker",
        "心脏病 / 心脏起搏器",
    ),
    ("epilepsy", "Động kinh", "Epilepsy", "癫痫"),
    ("eczema", "Viêm da cơ địa (chàm)", "Eczema (atopic dermatitis)", "湿疹 (特应性皮炎)"),
    ("rosacea", "Giãn mao mạch / rosacea", "Rosacea", "玫瑰痤疮"),
    ("active-acne", "Mụn viêm đang tiến triển", "Active inflamed acne", "活动性炎症痤疮"),
    ("skin-infection", "Nhiễm trùng da / herpes", "Skin infection / herpes", "皮肤感染 / 疱疹"),
    ("isotretinoin", "Đang dùng isotretinoin", "Taking isotretinoin", "正在服用异维A酸"),
    ("blood-thinners", "Đang dùng thuốc chống đông", "Taking blood thinners", "正在服用抗凝药"),
    ("keloid", "Cơ địa sẹo lồi", "Keloid scarring", "瘢痕体质"),
    ("photosensitivity", "Nhạy cảm ánh sáng", "Photosensitivity", "光敏感"),
    ("metal-implants", "Có kim loại cấy ghép", "Metal implants", "体内金属植入物"),
    (
        "cancer-treatment",
        "Đang điều trị ung thư",
        "Undergoing cancer treatment",
        "正在接受癌症治疗",
    ),
]

SOURCES = ["Khách vãng lai", "Facebook", "Zalo", "TikTok", "Google", "Giới thiệu", "Instagram"]
