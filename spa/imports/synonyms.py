"""The header synonyms of each sheet kind: what spa staff, competitors' exports (Fresha,
Square, Vagaro), Google Contacts and our vCard reader write above a column, in
Vietnamese, English and Chinese. Data only; mapping.py normalises and matches them.

Sources of the competitor headers: Fresha ``export_customer_list.csv`` (column names as
used by the Fresha migration of github.com/dariolr/Agenda_Project, Vietnamese ones
translated the way Fresha localises them); Square's customer directory export (as read
by public Square CSV importers); Vagaro's customer profile fields (support.vagaro.com:
mobile, day and night phones, customer since, points balance, general tags).
"""

from spa.imports.targets import IGNORE, SheetKind

# target -> headers as people write them; normalised once at import.

_IGNORED_COMMON = [
    # Row counters: "STT" is the number of the row, never data.
    "STT", "TT", "Số TT", "Số thứ tự", "No", "No.", "Nr", "#", "Seq", "Index", "序号", "编号序",
]  # fmt: skip

CLIENT_SYNONYMS: dict[str, list[str]] = {
    IGNORE: _IGNORED_COMMON + [
        # Google Contacts and Square/Fresha columns that carry nothing we keep.
        "Nickname", "File As", "Name Prefix", "Name Suffix", "Initials", "Short Name",
        "Maiden Name", "Yomi Name", "Given Name Yomi", "Additional Name Yomi",
        "Family Name Yomi", "Phonetic First Name", "Phonetic Middle Name",
        "Phonetic Last Name", "Billing Information", "Directory Server", "Mileage",
        "Sensitivity", "Priority", "Subject", "Language", "Photo", "Location",
        "Reference ID", "Creation Source", "Transaction Count", "Instant Profile",
        "Blocked", "Block Reason", "Apartment Suite", "Area", "State", "Postal Code",
        "Post Code", "Zip", "Zip Code", "Country", "Street Address 2", "Address 2",
        "Bị chặn", "Lý do chặn", "Căn hộ", "Khu vực", "Mã bưu điện", "Quốc gia",
    ],
    "source_id": [
        "Mã KH", "Mã khách hàng", "Mã khách", "Mã số KH", "Mã số khách hàng", "Mã thẻ",
        "Mã hội viên", "Mã thành viên", "ID", "Client ID", "Customer ID", "Client code",
        "Customer code", "Square Customer ID", "Member ID", "客户编号", "客户编码",
        "客户ID", "会员编号", "会员卡号", "卡号",
    ],
    "full_name": [
        "Họ và tên", "Họ tên", "Họ tên KH", "Họ và tên KH", "Họ tên khách",
        "Họ tên khách hàng", "Họ và tên khách hàng", "Tên khách hàng", "Tên KH",
        "Tên khách", "Khách hàng", "Khách", "Quý khách", "Full name", "Name",
        "Client name", "Customer name", "Client", "Customer", "Contact name",
        "Display name", "FN", "姓名", "客户姓名", "客户名称", "客户", "顾客姓名", "顾客",
        "会员姓名", "名字",
    ],
    "family_name": ["Họ", "Họ KH", "Last name", "Surname", "Family name", "N.family", "姓", "姓氏"],
    "middle_name": ["Tên đệm", "Tên lót", "Middle name", "Additional name", "N.middle"],
    "given_name": ["Tên", "Tên gọi", "First name", "Given name", "N.given", "名"],
    "phone": [
        "SĐT", "SDT", "Số ĐT", "Số điện thoại", "Điện thoại", "ĐT", "ĐT liên hệ",
        "Điện thoại liên hệ", "SĐT liên hệ", "SĐT/Zalo", "SĐT Zalo", "Zalo/SĐT",
        "Di động", "ĐTDĐ", "Số di động", "Số điện thoại di động", "Phone",
        "Phone number", "Mobile", "Mobile number", "Mobile phone", "Cell", "Cell phone",
        "Cellphone", "Tel", "Contact number", "手机", "手机号", "手机号码", "电话",
        "联系电话", "电话号码", "联系方式", "移动电话",
    ],
    "phone2": [
        "Điện thoại bàn", "Điện thoại cố định", "SĐT phụ", "SĐT khác", "Số phụ",
        "Telephone", "Home phone", "Work phone", "Day phone", "Night phone",
        "Second phone", "Other phone", "Alternate phone", "Landline", "座机", "备用电话",
        "其他电话", "固定电话",
    ],
    "email": [
        "Email", "E-mail", "Email address", "Địa chỉ email", "Thư điện tử", "Mail",
        "邮箱", "电子邮件", "电子邮箱",
    ],
    "birth_date": [
        "Ngày sinh", "NS", "Năm sinh", "Sinh nhật", "Ngày tháng năm sinh", "Date of birth",
        "Birthday", "Birth date", "DOB", "BDAY", "生日", "出生日期", "出生年月", "出生年份",
    ],
    "gender": ["Giới tính", "GT", "Phái", "Gender", "Sex", "性别"],
    "address": [
        "Địa chỉ", "Đ/c", "Địa chỉ liên hệ", "Nơi ở", "Address", "Street",
        "Street address", "Street Address 1", "Address 1", "ADR", "地址", "住址", "联系地址",
    ],
    "city": [
        "Tỉnh/Thành phố", "Tỉnh thành", "Tỉnh/TP", "Thành phố", "City",
        "Province", "城市", "省份", "所在城市",
    ],
    "occupation": [
        "Nghề nghiệp", "Công việc", "Nghề", "Nơi làm việc", "Công ty", "Occupation",
        "Job", "Job title", "Company", "Company name", "Organization", "Organization Name",
        "Organization Title", "Organization Department", "ORG", "TITLE", "职业", "工作",
        "单位",
    ],
    "facebook": ["Facebook", "FB", "Link Facebook", "Link FB", "Tên Facebook", "Nick Facebook"],
    "zalo": ["Zalo", "Số Zalo", "Zalo ID", "Tên Zalo"],
    "wechat": ["WeChat", "WeChat ID", "微信", "微信号"],
    "source": [
        "Nguồn", "Nguồn khách", "Nguồn khách hàng", "Nguồn giới thiệu", "Biết qua",
        "Biết đến qua", "Biết spa qua", "Kênh", "Kênh biết đến", "Người giới thiệu",
        "Giới thiệu", "Source", "Client source", "Customer source", "Referral source",
        "Lead source", "How did you hear about us", "来源", "客户来源", "渠道", "推荐人",
    ],
    "group": [
        "Nhóm", "Nhóm khách", "Nhóm KH", "Nhóm khách hàng", "Phân loại", "Loại khách",
        "Loại KH", "Loại khách hàng", "Group", "Groups", "Customer group", "Client group",
        "分组", "客户分组", "客户类型", "客户分类",
    ],
    "tags": ["Nhãn", "Thẻ tag", "Tag", "Tags", "Labels", "Group Membership", "CATEGORIES",
             "General Tags", "标签"],
    "branch": ["Chi nhánh", "Cơ sở", "CN", "Branch", "Store", "门店", "分店", "店铺"],
    "client_since": [
        "Ngày tạo", "Ngày đăng ký", "Ngày bắt đầu", "Ngày đến lần đầu", "Lần đầu đến",
        "Ngày tham gia", "Khách từ", "Ngày thêm", "Đã thêm", "Added", "Created",
        "Created date", "Date added", "Creation date", "Customer since", "Client since",
        "First visit", "Member since", "注册日期", "创建日期", "入会日期", "首次到店",
        "开卡日期",
    ],
    "last_visit": [
        "Lần cuối đến", "Lần ghé gần nhất", "Ngày đến gần nhất", "Lần đến gần nhất",
        "Lần đến cuối", "Ngày ghé cuối", "Last visit", "Last visit date",
        "Last appointment", "最近到店", "最后到店", "上次到店", "最近消费",
    ],
    "notes": [
        "Ghi chú", "GC", "Lưu ý", "Nhận xét", "Notes", "Note", "Memo", "Comments",
        "Comment", "Remarks", "备注", "说明", "备注信息",
    ],
    "preferences": ["Sở thích", "Yêu cầu", "Yêu cầu đặc biệt", "Preferences", "Hobby", "偏好", "喜好"],
    "tier": [
        "Hạng thẻ", "Hạng", "Hạng thành viên", "Hạng hội viên", "Cấp độ", "Loại thẻ",
        "Thẻ thành viên", "Tier", "Membership tier", "Membership level", "Level",
        "会员等级", "等级", "会员级别", "卡类型",
    ],
    "points": [
        "Điểm", "Điểm tích lũy", "Điểm thưởng", "Số điểm", "Points", "Points balance",
        "Loyalty points", "Reward points", "积分", "会员积分", "剩余积分",
    ],
    "total_spent": [
        "Tổng chi tiêu", "Tổng tiền đã chi", "Tổng chi", "Doanh số", "Tổng doanh thu",
        "Total spent", "Total spend", "Total sales", "Lifetime spend", "累计消费",
        "消费总额", "总消费", "累计金额",
    ],
    "debt": [
        "Công nợ", "Nợ", "Còn nợ", "Nợ cũ", "Số nợ", "Tiền nợ", "Nợ còn lại", "Debt",
        "Balance due", "Amount owed", "Owed", "IOU", "欠款", "欠费", "挂账",
    ],
    "prepaid": [
        "Số dư", "Số dư thẻ", "Tiền nạp trước", "Tiền trả trước", "Thẻ trả trước",
        "Tiền cọc", "Đặt cọc", "Số dư tài khoản", "Tiền trong thẻ", "Prepaid",
        "Prepaid balance", "Credit", "Account balance", "Deposit", "余额", "储值余额",
        "储值", "卡内余额", "预存", "预付款",
    ],
    "package_name": [
        "Liệu trình", "Gói", "Gói dịch vụ", "Gói liệu trình", "Tên liệu trình", "Tên gói",
        "Thẻ liệu trình", "Package", "Package name", "Course", "Treatment plan", "疗程",
        "套餐", "疗程名称", "项目卡",
    ],
    "package_total": [
        "Số buổi", "Tổng số buổi", "Tổng buổi", "Số buổi mua", "Tổng số lần",
        "Total sessions", "Sessions", "总次数", "疗程次数", "购买次数",
    ],
    "package_used": [
        "Đã làm", "Số buổi đã làm", "Buổi đã làm", "Đã dùng", "Đã sử dụng",
        "Sessions used", "Used", "已用次数", "已做次数", "已使用",
    ],
    "package_remaining": [
        "Còn lại", "Buổi còn lại", "Số buổi còn lại", "Số buổi còn", "Còn", "Remaining",
        "Sessions remaining", "Sessions left", "剩余次数", "剩余",
    ],
    "package_expires": [
        "Hạn dùng", "Hạn sử dụng", "Ngày hết hạn", "Hết hạn", "HSD", "Expires",
        "Expiry date", "Expiration date", "到期日", "到期日期", "有效期", "有效期至",
    ],
    "package_price": ["Giá gói", "Giá liệu trình", "Giá trị gói", "Package price", "疗程价格", "套餐价格"],
    "allergies": ["Dị ứng", "Tiền sử dị ứng", "Allergies", "Allergy", "过敏", "过敏史"],
    "conditions": [
        "Bệnh lý", "Tiền sử bệnh", "Bệnh nền", "Tình trạng sức khỏe", "Medical conditions",
        "Medical history", "Conditions", "病史", "疾病史", "健康状况",
    ],
    "medications": ["Thuốc đang dùng", "Thuốc", "Medications", "Medication", "用药", "正在服用药物"],
    "pregnancy": [
        "Đang mang thai", "Mang thai", "Có thai", "Thai sản", "Pregnancy", "Pregnant",
        "怀孕", "是否怀孕", "孕期",
    ],
    "skin_type": ["Loại da", "Tình trạng da", "Skin type", "肤质", "皮肤类型"],
    "consent_sms": [
        "Nhận SMS", "Đồng ý nhận SMS", "Chấp nhận tiếp thị qua SMS", "Accepts SMS marketing",
        "Accepts SMS", "SMS marketing", "SMS opt in", "接收短信",
    ],
    "consent_zalo": ["Nhận Zalo", "Đồng ý nhận Zalo"],
    "consent_email": [
        "Nhận email", "Đồng ý nhận email", "Chấp nhận tiếp thị", "Accepts marketing",
        "Accepts marketing notifications", "Marketing notifications", "Email marketing",
        "Accepts email marketing", "Email subscription status", "接收邮件",
    ],
    "consent_all": [
        "Đồng ý nhận quảng cáo", "Nhận khuyến mãi", "Đồng ý nhận tin", "Marketing consent",
        "Opt in", "同意接收营销", "接收营销信息",
    ],
}  # fmt: skip

# Second-best exact synonyms: they lose a target to a column with a first-rank synonym.
CLIENT_WEAK: dict[str, list[str]] = {
    "city": ["Tỉnh"],
}

SESSION_SYNONYMS: dict[str, list[str]] = {
    IGNORE: list(_IGNORED_COMMON),
    "session_date": [
        "Ngày", "Ngày làm", "Ngày đến", "Ngày thực hiện", "Ngày điều trị", "Ngày sử dụng",
        "Ngày dùng", "Ngày giờ", "Date", "Visit date", "Appointment date", "Service date",
        "日期", "到店日期", "消费日期", "服务日期",
    ],
    "session_time": ["Giờ", "Giờ đến", "Giờ làm", "Time", "Start time", "时间", "到店时间"],
    "session_client": [
        "Khách hàng", "Tên khách hàng", "Tên KH", "Tên khách", "Khách", "Họ tên",
        "Họ và tên", "Họ tên KH", "Họ tên khách hàng", "Client", "Customer",
        "Client name", "Customer name", "Name", "客户", "客户姓名", "姓名", "顾客",
    ],
    "session_phone": CLIENT_SYNONYMS["phone"],
    "session_client_id": CLIENT_SYNONYMS["source_id"],
    "session_service": [
        "Dịch vụ", "Tên dịch vụ", "Dịch vụ làm", "Dịch vụ sử dụng", "DV", "Tên DV",
        "Service", "Service name", "Treatment", "Item", "项目", "服务项目", "项目名称", "服务",
    ],
    "session_amount": [
        "Thành tiền", "Số tiền", "Tiền", "Giá", "Giá tiền", "Doanh thu", "Tổng tiền",
        "Amount", "Price", "Total", "Sales", "Revenue", "金额", "消费金额", "实收", "价格",
    ],
    "session_paid": [
        "Thanh toán", "Đã thanh toán", "Trạng thái thanh toán", "TT thanh toán", "Paid",
        "Payment status", "Payment", "是否付款", "付款状态", "已付",
    ],
    "session_progress": [
        "Buổi", "Buổi thứ", "Buổi số", "Lần", "Lần thứ", "Tiến độ", "Session",
        "Session no", "第几次", "进度",
    ],
    "session_technician": [
        "KTV", "Kỹ thuật viên", "Nhân viên làm", "Nhân viên", "NV", "NV làm", "Người làm",
        "Therapist", "Technician", "Staff", "Employee", "Provider", "技师", "美容师",
        "技术员", "员工", "服务人员",
    ],
    "session_products": [
        "Sản phẩm", "Sản phẩm sử dụng", "Sản phẩm dùng", "Mỹ phẩm", "Products",
        "Products used", "产品", "使用产品",
    ],
    "session_note": ["Ghi chú", "Nhận xét", "Tình trạng", "Notes", "Note", "Comments", "备注"],
}  # fmt: skip

SESSION_WEAK: dict[str, list[str]] = {
    # In a treatment log the package's name stands for the service when there is no
    # "Dịch vụ" column.
    "session_service": ["Liệu trình", "Gói", "Gói dịch vụ", "疗程", "套餐"],
}

PRICE_SYNONYMS: dict[str, list[str]] = {
    IGNORE: list(_IGNORED_COMMON),
    "service_name": [
        "Dịch vụ", "Tên dịch vụ", "Tên DV", "DV", "Tên", "Hạng mục", "Service",
        "Service name", "Name", "Treatment", "Item", "项目", "服务项目", "项目名称", "名称",
    ],
    "service_price": [
        "Giá", "Đơn giá", "Giá tiền", "Giá bán", "Giá niêm yết", "Giá lẻ", "Price",
        "Retail price", "价格", "单价", "价钱", "售价",
    ],
    "service_minutes": [
        "Thời gian", "Thời lượng", "Số phút", "Phút", "Duration", "Minutes", "Time",
        "时长", "时间", "分钟",
    ],
    "service_category": [
        "Nhóm", "Nhóm dịch vụ", "Loại", "Loại dịch vụ", "Danh mục", "Category", "Type",
        "Group", "类别", "分类", "类型",
    ],
}  # fmt: skip

SYNONYMS = {
    SheetKind.CLIENTS: (CLIENT_SYNONYMS, CLIENT_WEAK),
    SheetKind.SESSIONS: (SESSION_SYNONYMS, SESSION_WEAK),
    SheetKind.PRICES: (PRICE_SYNONYMS, {}),
}

# Our own client export (spa/clients/exports.py): its English msgid -> target. The
# translated headers are added at run time, so whatever the catalogues say round-trips.
OWN_EXPORT_TARGETS = {
    "ID": "source_id", "Full name": "full_name", "Phone": "phone", "Email": "email",
    "Gender": "gender", "Date of birth": "birth_date", "Branch": "branch", "Tier": "tier",
    "Source": "source", "Group": "group", "Tags": "tags", "Last visit": "last_visit",
    "Total spent": "total_spent", "Debt": "debt", "Created": "client_since",
}  # fmt: skip
OWN_EXPORT_LANGUAGES = ("vi", "en", "zh-hans")
