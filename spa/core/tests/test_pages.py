"""Small things every page gets right: languages named in themselves, an h1, and htmx
attributes spelled data-hx-* so the pages validate."""

import unicodedata
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_the_language_picker_names_each_language_in_itself(client, receptionist_a):
    client.force_login(receptionist_a)
    page = client.get(reverse("clients:search")).content.decode()
    page = unicodedata.normalize("NFC", page)  # Django spells "Tiếng Việt" decomposed
    for name in ("English", "简体中文", "Tiếng Việt"):
        assert f">{unicodedata.normalize('NFC', name)}</option>" in page, name
    assert "<h1" in page


def test_htmx_attributes_use_the_data_prefix():
    import re

    templates = list(ROOT.glob("templates/**/*.html")) + list(
        ROOT.glob("spa/*/templates/**/*.html")
    )
    bare = [str(p.relative_to(ROOT)) for p in templates
            if re.search(r"(?<![\w-])hx-[a-z-]+=", p.read_text(encoding="utf-8"))]  # fmt: skip
    assert bare == []
