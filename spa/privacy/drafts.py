"""Notification drafts generated from an incident: to the authority (what Law 91/2025,
Decree 356/2025 and GDPR Art. 33 ask: the nature of the breach, the categories and
approximate numbers, likely consequences, measures, a contact) and to the affected clients
(in plain words). Each is written per language in templates/privacy/drafts/ and rendered in
that language whatever the reader's interface language is."""

from django.template.loader import render_to_string
from django.utils import timezone, translation

from spa.accounts.models import SpaSettings
from spa.privacy.models import Audience, DraftLanguage, Incident, NotificationDraft

# The categories as the drafts name them, per language (the letter's language, not the
# reader's: a Vietnamese owner may print the English letter).
CATEGORY_WORDS = {
    "vi": {
        "contact": "thông tin liên hệ (số điện thoại, email, địa chỉ)",
        "identity": "thông tin nhận dạng (họ tên, ngày sinh, giới tính)",
        "health": "thông tin sức khỏe (dị ứng, bệnh lý, thuốc đang dùng)",
        "photos": "ảnh chụp (hồ sơ và trước/sau liệu trình)",
        "treatments": "sổ liệu trình",
        "payments": "hóa đơn và thanh toán",
        "consents": "hồ sơ đồng ý",
        "feedback": "ý kiến phản hồi",
        "accounts": "tài khoản nhân viên",
    },
    "en": {
        "contact": "contact details (phone numbers, e-mail, address)",
        "identity": "identity (name, date of birth, gender)",
        "health": "health information (allergies, conditions, medications)",
        "photos": "photos (profile and treatment before/after)",
        "treatments": "treatment log",
        "payments": "invoices and payments",
        "consents": "consent records",
        "feedback": "feedback",
        "accounts": "staff accounts",
    },
    "zh-hans": {
        "contact": "联系方式（电话、电子邮件、地址）",
        "identity": "身份信息（姓名、出生日期、性别）",
        "health": "健康信息（过敏、病症、用药）",
        "photos": "照片（档案照片及疗程前后照片）",
        "treatments": "疗程记录",
        "payments": "发票和付款",
        "consents": "同意记录",
        "feedback": "反馈意见",
        "accounts": "员工账户",
    },
}
SENSITIVE = {"health", "photos"}


def _when(value, language: str) -> str:
    if value is None:
        return ""
    value = timezone.localtime(value)
    if language == DraftLanguage.ZH:
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    return f"{value:%d/%m/%Y %H:%M}"


def draft_generate(incident: Incident, *, audience: str, language: str, count=None) -> str:
    """The text generated from the incident's facts, in `language`. `count` is the
    generated number of affected clients, used when the incident gives none."""
    words = CATEGORY_WORDS[language]
    spa = SpaSettings.current()
    number = incident.clients_affected if incident.clients_affected is not None else count
    context = {
        "incident": incident,
        "spa": spa.invoice_legal_name or spa.name,
        "spa_address": spa.invoice_address,
        "spa_phone": spa.invoice_phone,
        "categories": [words[c] for c in incident.categories if c in words],
        "sensitive": bool(SENSITIVE & set(incident.categories)),
        "number": number,
        "branches": [b.name for b in incident.branches.all()],
        "detected": _when(incident.detected_at, language),
        "deadline": _when(incident.deadline, language),
        "window_start": _when(incident.window_start, language),
        "window_end": _when(incident.window_end, language),
        "today": _when(timezone.now(), language).split(" ")[0],
    }
    with translation.override(language):
        return render_to_string(f"privacy/drafts/{audience}.{language}.txt", context).strip()


def draft_text(incident: Incident, *, audience: str, language: str, count=None):
    """(text, edited draft or None): the staff's edit when there is one, else generated."""
    draft = NotificationDraft.objects.filter(
        incident=incident, audience=audience, language=language
    ).first()
    if draft is not None:
        return draft.body, draft
    return draft_generate(incident, audience=audience, language=language, count=count), None


AUDIENCES = Audience.values
LANGUAGES = DraftLanguage.values
