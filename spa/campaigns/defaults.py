"""The automations' first texts and days, offered when an automation is first opened.
The texts are the spa's own words in each language (not translations of the UI), so
they are written here per language, as texts.addressed_as writes forms of address."""

from django.utils.translation import gettext_lazy as _

from spa.campaigns.models import Trigger

DEFAULT_DAYS = {Trigger.BIRTHDAY: 7, Trigger.WELCOME: 1, Trigger.TIER: 0,
                Trigger.WINBACK: 90, Trigger.CARE_TIPS: 1}  # fmt: skip
# What each trigger's number of days means, for the form.
DAYS_LABEL = {
    Trigger.BIRTHDAY: _("Days before the birthday"),
    Trigger.WELCOME: _("Days after the first visit"),
    Trigger.TIER: _("Days after reaching the tier"),
    Trigger.WINBACK: _("Days without a visit"),
    Trigger.CARE_TIPS: _("Days after the service"),
}
ABOUT = {
    Trigger.BIRTHDAY: _("A greeting some days before the client's birthday; the offer is "
                        "valid until the end of the birthday month."),
    Trigger.WELCOME: _("A thank-you after a new client's first visit."),
    Trigger.TIER: _("Congratulations when a client reaches a tier."),
    Trigger.WINBACK: _("An invitation to clients who have not come for a while."),
    Trigger.CARE_TIPS: _("Aftercare advice some days after a service."),
}  # fmt: skip

_TEXTS = {
    Trigger.BIRTHDAY: {
        "vi": (
            "Chúc mừng sinh nhật {name}!",
            "Chúc mừng sinh nhật {name}! {branch} tặng bạn "
            "mã ưu đãi {voucher}, dùng đến {expiry}. Đặt lịch: {link} {stop}",
        ),
        "en": (
            "Happy birthday, {name}!",
            "Happy birthday, {name}! {branch} has a gift for "
            "you: code {voucher}, valid until {expiry}. Book: {link} {stop}",
        ),
        "zh-hans": (
            "{name}，生日快乐！",
            "{name}，生日快乐！{branch}送您优惠码 {voucher}，"
            "有效期至 {expiry}。预约：{link} {stop}",
        ),
    },
    Trigger.WELCOME: {
        "vi": ("Cảm ơn {name}", "Cảm ơn {name} đã ghé {branch}. Hẹn gặp lại bạn! {link} {stop}"),
        "en": (
            "Thank you, {name}",
            "Thank you for visiting {branch}, {name}. See you soon! {link} {stop}",
        ),
        "zh-hans": ("谢谢{name}", "感谢{name}光临{branch}，期待再次见到您！{link} {stop}"),
    },
    Trigger.TIER: {
        "vi": (
            "Chúc mừng {name}",
            "Chúc mừng {name} đã lên hạng thành viên mới tại {branch}! {link} {stop}",
        ),
        "en": (
            "Congratulations, {name}",
            "Congratulations, {name}: you reached a new level at {branch}! {link} {stop}",
        ),
        "zh-hans": ("恭喜{name}", "恭喜{name}在{branch}升级为新的会员等级！{link} {stop}"),
    },
    Trigger.WINBACK: {
        "vi": (
            "{branch} nhớ {name}",
            "Lâu rồi không gặp {name}! {branch} dành cho bạn mã "
            "{voucher}, dùng đến {expiry}. Đặt lịch: {link} {stop}",
        ),
        "en": (
            "We miss you, {name}",
            "It has been a while, {name}! {branch} saved code "
            "{voucher} for you, valid until {expiry}. Book: {link} {stop}",
        ),
        "zh-hans": (
            "{branch}想念{name}",
            "好久不见，{name}！{branch}为您准备了优惠码 {voucher}，"
            "有效期至 {expiry}。预约：{link} {stop}",
        ),
    },
    Trigger.CARE_TIPS: {
        "vi": (
            "Chăm sóc da sau liệu trình",
            "{name} nhớ dưỡng ẩm, tránh nắng và uống đủ nước "
            "sau liệu trình nhé. {branch} luôn sẵn sàng hỗ trợ. {stop}",
        ),
        "en": (
            "Aftercare tips",
            "{name}, remember to moisturise, avoid the sun and drink "
            "plenty of water after your treatment. {branch} is here to help. {stop}",
        ),
        "zh-hans": (
            "护理小贴士",
            "{name}，护理后请注意保湿、防晒并多喝水。{branch}随时为您服务。{stop}",
        ),
    },
}


def default_texts(trigger: str) -> dict:
    """{(channel, language): (subject, body)}: the same words on every channel."""
    out = {}
    for language, (subject, body) in _TEXTS.get(trigger, {}).items():
        for channel in ("email", "sms", "zalo"):
            out[(channel, language)] = (subject if channel == "email" else "", body)
    return out
