"""Small things every page shares: the language picker names each language in itself
(composed Unicode), the phone menu is there, and "₫" never parts from its amount."""

import unicodedata

import pytest
from django.urls import reverse
from django.utils import translation

from spa.core.money import format_money

pytestmark = pytest.mark.django_db


def test_money_keeps_the_dong_sign_with_its_amount():
    assert format_money(2_350_000) == "2.350.000\u00a0₫"
    with translation.override("zh-hans"):
        assert format_money(850_000) == "850,000\u00a0₫"
    assert format_money(150_000, "CNY") == "¥1.500,00"


def test_the_language_picker_names_each_language_in_itself(client, owner):
    page = client.get(reverse("accounts:login")).content.decode()
    for name in ("Tiếng Việt", "English", "简体中文"):
        assert unicodedata.normalize("NFC", name) in page
    assert unicodedata.normalize("NFD", "Tiếng Việt") not in page


def test_a_signed_in_page_has_the_compact_menu_once_and_the_wide_menu_once(client, receptionist_a):
    client.force_login(receptionist_a)
    page = client.get(reverse("clients:search")).content.decode()
    assert page.count('<details class="menu">') == 1 and page.count('class="menu-wide"') == 1
    assert page.count("<h1") == 1
