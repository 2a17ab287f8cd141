"""Automatic column mapping: which target (targets.py) a column of a spa's workbook, of
a competitor's export or of our own export is, read from its header alone.

Headers are compared in a normalised form (``normalise_header``): folded (no case, no
diacritics), punctuation and bracketed notes such as ``(*)`` or ``(VNĐ)`` dropped. A
header is matched, in this order:

1. exactly against the synonyms of the sheet's kind (Vietnamese, English, Chinese,
   the headers of Fresha, Square, Vagaro, Google Contacts, the vCard reader, and our
   own client export in every language we ship);
2. by the numbered-column rules of Google Contacts (``Phone 2 - Value``) and of
   spreadsheets in general (``SĐT 2``, ``TEL 3``);
3. by a rapidfuzz ratio of at least 90 with a synonym (typos, ``Ho ten khach hang``);
4. by a "contains" rule for a few strong words (a header holding ``sdt`` is a phone).

Each match has a quality (exact beats fuzzy beats contains) so that, when two columns
claim the same target, the better one keeps it.
"""

import hashlib
import re
import unicodedata
from functools import cache

from rapidfuzz import fuzz, process

from spa.core.text import fold
from spa.imports.targets import IGNORE, TARGETS_OF_KIND, SheetKind

# Match qualities, best first. IGNORE with EXACT means "known, deliberately ignored".
EXACT = 4
WEAK = 3  # an exact synonym that a better column may take over (Address 1 - Street)
FUZZY = 2
CONTAINS = 1
NONE = 0

FUZZY_CUTOFF = 90
FUZZY_MIN_LENGTH = 4  # below this a one-letter typo is another word ("no" / "ns")

# Targets that several columns may carry (the caller concatenates them).
REPEATABLE = {"notes", "session_note"}
PHONE_TARGETS = {"phone", "phone2"}
NAME_TARGETS = {
    "full_name", "family_name", "given_name", "middle_name", "session_client", "service_name",
}  # fmt: skip
PHONEISH_TARGETS = {"phone", "phone2", "session_phone"}

# "Tên" (and 名) is the given name next to a "Họ" column (Fresha in Vietnamese), but the
# whole name in a spa's own workbook that has no family-name column.
_GIVEN_OR_FULL = {"ten", "名"}

# Synonyms --------------------------------------------------------------------------
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

_SYNONYMS = {
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

# Contains rules: (target, words) per kind, tried in order; a word is a whole folded
# word or phrase of the header ("sdt" in "sdt khach"), a Han word a substring.
_CONTAINS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    SheetKind.CLIENTS: [
        ("birth_date", ("ngay sinh", "nam sinh", "sinh nhat", "birth", "birthday", "dob", "生日", "出生")),
        ("phone", ("sdt", "so dt", "dien thoai", "di dong", "phone", "mobile", "tel", "手机", "电话")),
        ("email", ("email", "e mail", "邮箱", "邮件")),
        ("source_id", ("ma kh", "ma khach", "ma so", "编号", "编码")),
        ("source", ("nguon", "biet qua", "gioi thieu", "source", "来源")),
        ("full_name", ("ho ten", "ho va ten", "ten", "name", "姓名", "名字")),
        ("address", ("dia chi", "address", "地址")),
        ("allergies", ("di ung", "allergy", "allergies", "过敏")),
        ("conditions", ("benh", "病")),
        ("pregnancy", ("mang thai", "co thai", "pregnan", "怀孕")),
        ("debt", ("cong no", "con no", "no cu", "欠")),
        ("points", ("diem", "points", "积分")),
        ("gender", ("gioi tinh", "gender", "性别")),
        ("notes", ("ghi chu", "note", "notes", "备注")),
    ],
    SheetKind.SESSIONS: [
        ("session_service", ("dich vu", "service", "项目", "服务")),
        ("session_phone", ("sdt", "so dt", "dien thoai", "phone", "mobile", "手机", "电话")),
        ("session_technician", ("ktv", "ky thuat vien", "nhan vien", "technician", "staff", "技师", "美容师")),
        ("session_date", ("ngay", "date", "日期")),
        ("session_client", ("khach", "ho ten", "ten", "name", "client", "customer", "客户", "姓名")),
        ("session_amount", ("tien", "amount", "金额")),
        ("session_note", ("ghi chu", "note", "notes", "备注")),
    ],
    SheetKind.PRICES: [
        ("service_price", ("gia", "price", "价")),
        ("service_minutes", ("phut", "thoi gian", "thoi luong", "minutes", "duration", "分钟", "时长")),
        ("service_category", ("nhom", "loai", "danh muc", "category", "类")),
        ("service_name", ("dich vu", "ten", "name", "service", "项目", "名称")),
    ],
}  # fmt: skip

# Words that stop a contains rule: "Tên dịch vụ" is not a client's name, "Ngày sinh" not
# a visit date, "Mã KH" not a name.
_CONTAINS_EXCLUDE: dict[str, tuple[str, ...]] = {
    "full_name": (
        "dich vu",
        "service",
        "san pham",
        "product",
        "nhan vien",
        "ktv",
        "goi",
        "lieu trinh",
        "chi nhanh",
        "branch",
        "cong ty",
        "company",
        "facebook",
        "zalo",
        "nguoi gioi thieu",
        "项目",
        "服务",
        "产品",
        "公司",
    ),
    "session_client": ("dich vu", "service", "nhan vien", "ktv", "san pham", "goi", "lieu trinh"),
    "session_date": ("sinh", "birth", "het han", "expire"),
    "points": ("dia diem",),
    "notes": (),
}

# Headers that fold to another synonym and must be told apart with their diacritics:
# "Nợ" (debt) folds to "no", the English row counter "No.".
_DIACRITIC_EXACT = {"nợ": ("debt", SheetKind.CLIENTS)}

_GOOGLE_NUMBERED = re.compile(
    r"^(e mail|email|phone|address|website|relation|event|custom field|organization|im"
    r"|external id|calendar link|location) (\d+) (.+)$"
)
_NUMBERED = re.compile(r"^(.*\D) ?(\d{1,2})$")
_IGNORE_WORDS = ("yomi", "phonetic")
_BRACKETED = re.compile(r"[(\[{（【][^)\]}）】]*[)\]}）】]")


def normalise_header(text) -> str:
    """The comparable form of a header: ``"Họ và tên (*):"`` -> ``"ho va ten"``.

    Full-width forms become ASCII (NFKC), bracketed notes such as ``(*)``, ``(VNĐ)`` or
    ``(dd/mm/yyyy)`` are dropped (unless the header is nothing else), case and diacritics
    are folded (``spa.core.text.fold``), every run of punctuation becomes one space.
    Han characters are kept as they are.
    """
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text)).replace("*", " ")
    unbracketed = _BRACKETED.sub(" ", value)
    if any(ch.isalnum() for ch in unbracketed):
        value = unbracketed
    value = fold(value)
    value = "".join(ch if ch.isalnum() else " " for ch in value)
    return " ".join(value.split())


def _words(norm: str) -> str:
    return f" {norm} "


def _has_word(norm: str, word: str) -> bool:
    """Whole-word (or phrase) containment for Latin text, substring for Han text."""
    if word.isascii():
        return f" {word} " in _words(norm)
    return word in norm


def _static_index(kind: str) -> dict[str, tuple[str, int]]:
    synonyms, weak = _SYNONYMS[kind]
    index: dict[str, tuple[str, int]] = {}
    for target, headers in weak.items():
        for header in headers:
            index.setdefault(normalise_header(header), (target, WEAK))
    for target, headers in synonyms.items():
        for header in headers:
            norm = normalise_header(header)
            if norm and (norm not in index or index[norm][1] < EXACT):
                index[norm] = (target, EXACT)
    return index


def _own_export_synonyms() -> dict[str, str]:
    """Normalised header of our own client export, in each language -> target.

    The headers are gettext'd, so they are read through Django's translation machinery
    rather than copied: a re-worded translation still imports back. Empty when Django is
    not set up (plain scripts), so the rest of the mapping still works.
    """
    from django.apps import apps

    if not apps.ready:
        return {}
    from django.utils import translation

    from spa.clients.exports import COLUMNS

    out: dict[str, str] = {}
    for header, _width in COLUMNS:
        with translation.override("en"):
            target = OWN_EXPORT_TARGETS.get(str(header))
        if target is None:
            continue
        for language in OWN_EXPORT_LANGUAGES:
            with translation.override(language):
                norm = normalise_header(str(header))
            if norm:
                out[norm] = target
    return out


_INDEXES: dict[str, dict[str, tuple[str, int]]] = {}


def _index(kind: str) -> dict[str, tuple[str, int]]:
    """Normalised synonym -> (target, quality), built once. The client index is kept
    only once our own export's headers could be read (Django ready), so an early call
    from a plain script does not freeze it without them."""
    if kind in _INDEXES:
        return _INDEXES[kind]
    index = _static_index(kind)
    complete = True
    if kind == SheetKind.CLIENTS:
        own = _own_export_synonyms()
        complete = bool(own)
        for norm, target in own.items():
            index[norm] = (target, EXACT)
    if complete:
        _INDEXES[kind] = index
    return index


@cache
def _fuzzy_choices_of(kind: str, size: int) -> list[str]:
    # Keyed by the index's size too: a later, complete client index gets its own list.
    return [norm for norm in _index(kind) if len(norm) >= FUZZY_MIN_LENGTH]


def _fuzzy_choices(kind: str) -> list[str]:
    return _fuzzy_choices_of(kind, len(_index(kind)))


def _google_numbered(norm: str, kind: str) -> tuple[str, int] | None:
    """Google Contacts' ``<Field> <n> - <Part>`` columns (both CSV variants)."""
    found = _GOOGLE_NUMBERED.match(norm)
    if not found:
        return None
    field, n, part = found.group(1), int(found.group(2)), found.group(3)
    if part in ("label", "type"):
        return IGNORE, EXACT
    if kind != SheetKind.CLIENTS:
        if field == "phone" and part == "value" and n == 1 and kind == SheetKind.SESSIONS:
            return "session_phone", EXACT
        return IGNORE, EXACT
    if field == "phone" and part == "value":
        return ("phone" if n == 1 else "phone2" if n == 2 else "notes"), EXACT
    if field in ("e mail", "email") and part == "value":
        return ("email" if n == 1 else "notes"), EXACT
    if field == "address" and n == 1:
        return {
            "formatted": ("address", EXACT),
            "street": ("address", WEAK),
            "city": ("city", EXACT),
        }.get(part, (IGNORE, EXACT))
    if field == "organization" and n == 1:
        return {"name": ("occupation", EXACT), "title": ("occupation", WEAK)}.get(
            part, (IGNORE, EXACT)
        )
    return IGNORE, EXACT


def _numbered(norm: str, kind: str) -> tuple[str, int] | None:
    """``SĐT 2``, ``TEL 3``, ``Ghi chú 2``: the base header's target, by its number."""
    found = _NUMBERED.match(norm)
    if not found:
        return None
    base, n = found.group(1).strip(), int(found.group(2))
    target, quality = _match_plain(base, kind)
    if quality == NONE or not target:
        return None
    if target in PHONE_TARGETS:
        return ("phone" if n <= 1 else "phone2" if n == 2 else "notes"), quality
    if target == "session_phone":
        return ("session_phone" if n <= 1 else IGNORE), quality
    if target in REPEATABLE:
        return target, quality
    if target == "email" and n >= 2:
        return "notes", quality
    return (target if n <= 1 else IGNORE), quality


def _contains(norm: str, kind: str) -> tuple[str, int]:
    for target, words in _CONTAINS.get(kind, []):
        if any(_has_word(norm, w) for w in words) and not any(
            _has_word(norm, w) for w in _CONTAINS_EXCLUDE.get(target, ())
        ):
            return target, CONTAINS
    return IGNORE, NONE


def _match_plain(norm: str, kind: str) -> tuple[str, int]:
    """Exact, then fuzzy, then contains (no numbered-column rules)."""
    if not norm:
        return IGNORE, NONE
    index = _index(kind)
    if norm in index:
        return index[norm]
    if any(w in norm for w in _IGNORE_WORDS):
        return IGNORE, EXACT
    if len(norm) >= FUZZY_MIN_LENGTH:
        best = process.extractOne(
            norm, _fuzzy_choices(kind), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        if best is not None:
            return index[best[0]][0], FUZZY
    return _contains(norm, kind)


def _diacritic_exact(header, kind: str) -> tuple[str, int] | None:
    if not isinstance(header, str):
        return None
    key = " ".join(unicodedata.normalize("NFC", header).lower().strip(" :*").split())
    found = _DIACRITIC_EXACT.get(key)
    return (found[0], EXACT) if found and found[1] == kind else None


def _match_header(header, kind: str) -> tuple[str, int]:
    return _diacritic_exact(header, kind) or _match(normalise_header(header), kind)


def _match(norm: str, kind: str) -> tuple[str, int]:
    if not norm:
        return IGNORE, NONE
    index = _index(kind)
    if norm in index:
        return index[norm]
    return _google_numbered(norm, kind) or _numbered(norm, kind) or _match_plain(norm, kind)


def is_exact_synonym(header, kind: str = SheetKind.CLIENTS) -> bool:
    """True when the header is, once normalised, one of the kind's synonyms (ignored
    ones such as "STT" included): what a header cell says, never a data value."""
    return normalise_header(header) in _index(kind)


def _check_kind(kind: str) -> None:
    if kind not in TARGETS_OF_KIND:
        raise ValueError(f"unknown sheet kind {kind!r}")


def guess_target(header, kind: str = SheetKind.CLIENTS) -> str:
    """The target of one column by its header alone, or ``""`` when unknown or ignored.

    Out of context: "Tên" gives ``given_name`` here; ``auto_map`` turns it into
    ``full_name`` when the sheet has no family-name column.
    """
    _check_kind(kind)
    return _match_header(header, kind)[0]


def _scored(headers: list, kind: str) -> list[tuple[str, int]]:
    """auto_map with the quality of each kept match (0 for an unmapped column)."""
    _check_kind(kind)
    norms = [normalise_header(h) for h in headers]
    cands = [_match_header(h, kind) for h in headers]
    if not any(t == "family_name" for t, _q in cands):
        cands = [
            ("full_name", q) if t == "given_name" and norm in _GIVEN_OR_FULL else (t, q)
            for norm, (t, q) in zip(norms, cands, strict=True)
        ]
    result: list[tuple[str, int]] = [(IGNORE, NONE)] * len(cands)
    best: dict[str, int] = {}
    for i, (target, quality) in enumerate(cands):
        if not target or target in REPEATABLE or target in PHONE_TARGETS:
            continue
        if target not in best or quality > cands[best[target]][1]:
            best[target] = i
    for i, (target, quality) in enumerate(cands):
        if target in REPEATABLE or (target and best.get(target) == i):
            result[i] = (target, quality)
    _assign_phones(cands, result)
    return result


def _assign_phones(cands: list[tuple[str, int]], result: list[tuple[str, int]]) -> None:
    """First phone column -> phone, the second -> phone2, any further one -> notes.

    A column named as the main phone ("Mobile number") is preferred for ``phone`` and
    one named as a second phone ("Telephone", "Day phone") for ``phone2``, whatever
    their order; a lone second-phone column becomes the main phone.
    """
    columns = [i for i, (t, _q) in enumerate(cands) if t in PHONE_TARGETS]
    if not columns:
        return
    mains = [i for i in columns if cands[i][0] == "phone"]
    primary = mains[0] if mains else columns[0]
    rest = [i for i in columns if i != primary]
    seconds = [i for i in rest if cands[i][0] == "phone2"]
    secondary = seconds[0] if seconds else (rest[0] if rest else None)
    for i in columns:
        quality = cands[i][1]
        if i == primary:
            result[i] = ("phone", quality)
        elif i == secondary:
            result[i] = ("phone2", quality)
        else:
            result[i] = ("notes", quality)


def auto_map(headers: list, kind: str = SheetKind.CLIENTS) -> list[str]:
    """One target per column (``""`` = ignored), each target used at most once.

    Exceptions: phone columns become ``phone``, ``phone2``, then ``notes``; ``notes``
    (``session_note``) may repeat, the caller joins them. When two columns claim the
    same target the better match keeps it (exact synonym > fuzzy > contains; on a tie
    the leftmost) and the other is ignored.
    """
    return [target for target, _q in _scored(headers, kind)]


_QUALITY_WEIGHT = {EXACT: 1.0, WEAK: 1.0, FUZZY: 0.8, CONTAINS: 0.5, NONE: 0.0}
_KEY_WEIGHT = 2.0  # a name or a phone column is what makes a header a header


def header_score(row: list, kind: str = SheetKind.CLIENTS) -> float:
    """How much a row looks like a header: its mapped cells, name/phone ones weighing
    double, contains-rule matches half. 0 when no cell maps. Only text cells count (a
    header is never a number or a date)."""
    cells = [c if isinstance(c, str) else None for c in row]
    score = 0.0
    for target, quality in _scored(cells, kind):
        if not target:
            continue
        weight = _KEY_WEIGHT if target in NAME_TARGETS or target in PHONEISH_TARGETS else 1.0
        score += weight * _QUALITY_WEIGHT[quality]
    return score


def has_key_column(row: list, kind: str = SheetKind.CLIENTS) -> bool:
    """True when the row, read as a header, names a name-ish or a phone-ish column."""
    cells = [c if isinstance(c, str) else None for c in row]
    return any(t in NAME_TARGETS or t in PHONEISH_TARGETS for t in auto_map(cells, kind))


def guess_sheet_kind(headers: list) -> str:
    """clients / sessions / prices / other, from the header row.

    A treatment log has a date, a service and a client (name, phone or code); a price
    list has a service and a price and names no client; a client sheet names people
    (a name or a phone). Anything else is not imported.
    """
    sessions = set(auto_map(headers, SheetKind.SESSIONS))
    client_side = {"session_client", "session_phone", "session_client_id"}
    if {"session_date", "session_service"} <= sessions and sessions & client_side:
        return SheetKind.SESSIONS
    prices = set(auto_map(headers, SheetKind.PRICES))
    if {"service_name", "service_price"} <= prices and not sessions & client_side:
        return SheetKind.PRICES
    clients = set(auto_map(headers, SheetKind.CLIENTS))
    if clients & (NAME_TARGETS | PHONEISH_TARGETS):
        return SheetKind.CLIENTS
    return SheetKind.OTHER


def header_signature(headers: list) -> str:
    """A stable key for a saved mapping: sha1 of the normalised headers, so the same
    export read again (other case, accents, trailing empty columns) finds its mapping."""
    norms = [normalise_header(h) for h in headers]
    while norms and not norms[-1]:
        norms.pop()
    return hashlib.sha1("\x1f".join(norms).encode(), usedforsecurity=False).hexdigest()
