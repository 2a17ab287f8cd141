"""Notification drafts: generated in each language from the incident's facts whatever
the interface language, edited and reset with a history entry, bad input refused."""

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from spa.accounts.models import SpaSettings
from spa.privacy.drafts import draft_generate
from spa.privacy.models import IncidentChange, NotificationDraft

pytestmark = pytest.mark.django_db

# Words each draft must contain in its own language (and the other languages' must not).
MARKS = {
    ("authority", "vi"): ["Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15", "thông tin sức khỏe",
                          "72 giờ"],
    ("authority", "en"): ["Law No. 91/2025/QH15", "health information", "72 hours"],
    ("authority", "zh-hans"): ["个人数据保护法", "健康信息", "72小时"],
    ("clients", "vi"): ["Kính gửi Quý khách", "thông tin sức khỏe"],
    ("clients", "en"): ["Dear client", "health information"],
    ("clients", "zh-hans"): ["尊敬的客户", "健康信息"],
}  # fmt: skip


@pytest.fixture
def incident(make_incident):
    SpaSettings.objects.filter(pk=SpaSettings.current().pk).update(
        invoice_legal_name="Công ty TNHH Spa Hoa Sen", invoice_phone="028 3822 0000"
    )
    detected = timezone.make_aware(datetime(2026, 3, 4, 9, 30))
    return make_incident(detected_at=detected, clients_affected=137)


@pytest.mark.parametrize("ui", ["vi", "en", "zh-hans"])
@pytest.mark.parametrize(("audience", "language"), list(MARKS))
def test_each_draft_is_in_its_language_with_the_incidents_facts(incident, ui, audience,
                                                                language):  # fmt: skip
    with translation.override(ui):
        text = draft_generate(incident, audience=audience, language=language)
    for fact in (incident.description, incident.measures, incident.consequences,
                 incident.contact, "Công ty TNHH Spa Hoa Sen"):  # fmt: skip
        assert fact in text
    for mark in MARKS[(audience, language)]:
        assert mark in text, mark
    for (other_audience, other), marks in MARKS.items():
        if other != language and other_audience == audience:
            assert marks[0] not in text
    detected = "2026年3月4日 09:30" if language == "zh-hans" else "04/03/2026 09:30"
    assert detected in text
    if audience == "authority":
        assert "137" in text and incident.title in text
        deadline = "2026年3月7日 09:30" if language == "zh-hans" else "07/03/2026 09:30"
        assert deadline in text


def test_the_generated_count_is_used_when_the_incident_gives_none(make_incident):
    incident = make_incident(clients_affected=None)
    text = draft_generate(incident, audience="authority", language="vi", count=42)
    assert "Số khách hàng bị ảnh hưởng (ước tính): 42" in text
    text = draft_generate(incident, audience="authority", language="en")
    assert "Approximate number of clients affected: being established" in text


def test_a_draft_is_edited_kept_and_reset_with_history(client, manager_a, incident):
    client.force_login(manager_a)
    url = reverse("privacy:draft", args=[incident.pk, "clients", "en"])
    page = client.get(url)
    assert page.status_code == 200 and "Dear client" in page.context["text"]
    response = client.post(url, {"body": "Dear client, we are sorry. Call 028 3822 0000."})
    assert response.status_code == 302
    draft = NotificationDraft.objects.get()
    assert (draft.audience, draft.language, draft.edited_by) == ("clients", "en", manager_a)
    page = client.get(url).content.decode()
    assert "we are sorry" in page
    change = IncidentChange.objects.filter(incident=incident, created=False).get()
    assert change.actor == manager_a and "draft:clients:en" in change.changes
    # The other languages keep their generated text.
    vi = client.get(reverse("privacy:draft", args=[incident.pk, "clients", "vi"]))
    assert "Kính gửi Quý khách" in vi.context["text"]
    client.post(url, {"reset": "1"})
    assert not NotificationDraft.objects.exists()
    assert "Dear client" in client.get(url).context["text"]
    assert IncidentChange.objects.filter(incident=incident, created=False).count() == 2


@pytest.mark.parametrize("body", ["", "   ", "x" * 20001])
def test_an_empty_or_huge_draft_is_refused(client, owner, incident, body):
    client.force_login(owner)
    url = reverse("privacy:draft", args=[incident.pk, "authority", "vi"])
    assert client.post(url, {"body": body}).status_code == 400
    assert not NotificationDraft.objects.exists()
    assert IncidentChange.objects.filter(incident=incident).count() == 1


def test_an_unknown_audience_or_language_is_not_found(client, owner, incident):
    client.force_login(owner)
    for audience, language in (("press", "vi"), ("clients", "fr")):
        url = reverse("privacy:draft", args=[incident.pk, audience, language])
        assert client.get(url).status_code == 404
        assert client.post(url, {"body": "x"}).status_code == 404
    assert not NotificationDraft.objects.exists()


def test_the_draft_page_prints_the_text(client, owner, incident):
    client.force_login(owner)
    page = client.get(reverse("privacy:draft", args=[incident.pk, "authority", "zh-hans"]))
    html = page.content.decode()
    assert (
        'class="card print-only notice" lang="zh-hans"' in html and "个人数据泄露事件通报" in html
    )
    assert "data-print" in html
