from django.urls import reverse
from django.utils import timezone

from spa.clients.models import CareReason
from spa.clients.selectors import client_search
from spa.clients.services import care_link_add


def names(result):
    return [c.full_name for c in result.clients]


def test_phone_in_any_format_finds_the_client(make_client, receptionist_a):
    make_client("Nguyễn Thị Hoa", phone="0912345678")
    make_client("Trần Văn Nam", phone="0987000111")
    for q in ["0912 345 678", "+84912345678", "912345678", "0912.345.678", "+84 912 345 678"]:
        result = client_search(user=receptionist_a, q=q)
        assert result.kind == "phone" and names(result) == ["Nguyễn Thị Hoa"], q


def test_old_eleven_digit_number_finds_the_renumbered_phone(make_client, receptionist_a):
    make_client("Lê Thị Thu", phone="0381234567")
    assert names(client_search(user=receptionist_a, q="0168 123 4567")) == ["Lê Thị Thu"]


def test_last_four_or_more_digits_find_the_client(make_client, receptionist_a):
    make_client("Nguyễn Thị Hoa", phone="0912345678")
    make_client("Trần Văn Nam", phone="0987005678")
    make_client("Lê Thị Thu", phone="0987001111")
    assert sorted(names(client_search(user=receptionist_a, q="5678"))) == [
        "Nguyễn Thị Hoa", "Trần Văn Nam",
    ]  # fmt: skip
    assert names(client_search(user=receptionist_a, q="345678")) == ["Nguyễn Thị Hoa"]


def test_name_with_or_without_diacritics_in_any_order(make_client, receptionist_a):
    make_client("Nguyễn Thị Hoa")
    make_client("Đặng Văn Đức")
    for q in [
        "nguyen thi hoa",
        "Nguyễn Thị Hoa",
        "hoa nguyen thi",
        "Thị Hoa Nguyễn",
        "NGUYEN THI HOA",
    ]:
        assert names(client_search(user=receptionist_a, q=q)) == ["Nguyễn Thị Hoa"], q
    assert names(client_search(user=receptionist_a, q="dang van duc")) == ["Đặng Văn Đức"]


def test_exact_spelling_ranks_before_folded_before_partial(make_client, receptionist_a):
    old = timezone.now() - timezone.timedelta(days=300)
    make_client("Nguyễn Thị Hoài", last_visit_at=timezone.now())  # partial ("hoa" is a prefix)
    make_client("Nguyễn Thị Hòa", last_visit_at=timezone.now())  # folded match
    make_client("Hoa Nguyễn Thị", last_visit_at=timezone.now())  # exact letters, other order
    make_client("Nguyễn Thị Hoa", last_visit_at=old)  # exact as typed
    assert names(client_search(user=receptionist_a, q="Nguyễn Thị Hoa")) == [
        "Nguyễn Thị Hoa", "Hoa Nguyễn Thị", "Nguyễn Thị Hòa", "Nguyễn Thị Hoài",
    ]  # fmt: skip


def test_fragments_and_the_word_being_typed_match(make_client, receptionist_a):
    make_client("Nguyễn Thị Hoa")
    make_client("Nguyễn Thị Hương")
    make_client("Trần Thị Hoa")
    assert sorted(names(client_search(user=receptionist_a, q="nguyen thi h"))) == [
        "Nguyễn Thị Hoa", "Nguyễn Thị Hương",
    ]  # fmt: skip
    assert sorted(names(client_search(user=receptionist_a, q="hoa"))) == [
        "Nguyễn Thị Hoa", "Trần Thị Hoa",
    ]  # fmt: skip
    assert names(client_search(user=receptionist_a, q="huong nguyen")) == ["Nguyễn Thị Hương"]


def test_chinese_names_by_characters(make_client, receptionist_a):
    make_client("王秀英")
    make_client("李秀兰")
    assert names(client_search(user=receptionist_a, q="秀英")) == ["王秀英"]
    assert names(client_search(user=receptionist_a, q="王秀英")) == ["王秀英"]
    assert sorted(names(client_search(user=receptionist_a, q="秀"))) == ["李秀兰", "王秀英"]


def test_results_never_leave_the_receptionists_branch(make_client, receptionist_a, receptionist_b):
    make_client("Nguyễn Thị Hoa", phone="0912345678", actor=receptionist_b)
    for q in ["nguyen thi hoa", "0912345678", "5678", "hoa"]:
        assert client_search(user=receptionist_a, q=q).clients == [], q
        assert names(client_search(user=receptionist_b, q=q)) == ["Nguyễn Thị Hoa"], q


def test_owner_searches_every_branch(make_client, owner, receptionist_a, receptionist_b):
    make_client("Nguyễn Thị Hoa", actor=receptionist_a)
    make_client("Nguyễn Thị Hoa", actor=receptionist_b)
    assert len(client_search(user=owner, q="nguyen thi hoa").clients) == 2


def test_technician_finds_only_linked_clients(make_client, technician_a):
    served = make_client("Nguyễn Thị Hoa")
    make_client("Nguyễn Thị Hòa")
    care_link_add(client=served, staff=technician_a, reason=CareReason.SERVED)
    assert names(client_search(user=technician_a, q="nguyen thi hoa")) == ["Nguyễn Thị Hoa"]
    assert names(client_search(user=technician_a, q="nguyen thi h")) == ["Nguyễn Thị Hoa"]


def test_many_matches_are_capped_and_flagged(make_client, receptionist_a):
    for i in range(25):
        make_client(f"Nguyễn Thị {'ABCDEFGHIJKLMNOPQRSTUVWXY'[i]}a")
    result = client_search(user=receptionist_a, q="nguyen", limit=20)
    assert len(result.clients) == 20 and result.more is True


def test_merged_profiles_are_not_found(make_client, manager_a, receptionist_a):
    from spa.clients.services import client_merge

    keep, dup = make_client("Hà Thị Lan"), make_client("Ha Thi Lan")
    client_merge(actor=manager_a, survivor=keep, absorbed=dup)
    assert [c.pk for c in client_search(user=receptionist_a, q="ha thi lan").clients] == [keep.pk]


def test_email_search(make_client, receptionist_a):
    make_client("Bùi Thị Nga", email="nga@example.com")
    assert names(client_search(user=receptionist_a, q="NGA@example.com")) == ["Bùi Thị Nga"]


def test_unaccented_query_prefers_names_spelled_without_the_missing_marks(
    make_client, receptionist_a
):
    recent = timezone.now()
    make_client("Nguyễn Thị Hòa", last_visit_at=recent)
    make_client("Nguyễn Thị Hoa", last_visit_at=recent - timezone.timedelta(days=90))
    assert names(client_search(user=receptionist_a, q="nguyen thi hoa"))[0] == "Nguyễn Thị Hoa"


def test_masked_phone_roles_cannot_read_hidden_digits_through_last_digit_search(
    client, make_client, technician_a, receptionist_a
):
    hoa = make_client("Nguyễn Thị Hoa", phone="0987654321")
    care_link_add(client=hoa, staff=technician_a, reason=CareReason.SERVED)
    client.force_login(technician_a)
    # Guessing the hidden digits one at a time finds nothing and says why.
    for guess in ("4321", "54321", "654321", "7654321"):
        page = client.get(reverse("clients:search"), {"q": guess}).content.decode()
        assert 'data-testid="result"' not in page and 'data-testid="whole-number"' in page
    # The whole number still finds the client.
    page = client.get(reverse("clients:search"), {"q": "0987 654 321"}).content.decode()
    assert 'data-testid="result"' in page
    # The desk sees full phones and keeps the last-digits search.
    client.force_login(receptionist_a)
    assert (
        'data-testid="result"'
        in client.get(reverse("clients:search"), {"q": "4321"}).content.decode()
    )


def test_search_is_rate_limited_per_user_with_a_message(client, technician_a, settings):
    settings.SEARCH_RATE_MASKED = "5/m"
    client.force_login(technician_a)
    codes = [client.get(reverse("clients:search"), {"q": "Hoa"}).status_code for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2
    page = client.get(reverse("clients:search"), {"q": "Hoa"}, HTTP_HX_REQUEST="true")
    assert 'data-testid="rate-limited"' in page.content.decode()
    assert "Chờ một phút" in page.content.decode()
