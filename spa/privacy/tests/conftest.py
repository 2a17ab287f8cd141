"""Helpers of the privacy tests: an incident recorded through the real service."""

from datetime import timedelta

import pytest
from django.utils import timezone

from spa.privacy.services import incident_create


@pytest.fixture
def make_incident(owner, branch_a):
    def make(*, actor=None, branches=None, detected_at=None, **fields):
        data = {
            "title": "Máy tính lễ tân bị mất",
            "detected_at": detected_at
            or timezone.now().replace(second=0, microsecond=0) - timedelta(hours=5),
            "description": "Laptop ở quầy lễ tân chi nhánh A bị lấy cắp lúc 14:00.",
            "categories": ["contact", "health"],
            "branches": branches if branches is not None else [branch_a],
            "measures": "Đã khóa tài khoản và đổi mật khẩu.",
            "consequences": "Có thể bị lộ số điện thoại.",
            "contact": "Chị Lan, 0901 234 567",
            **fields,
        }
        return incident_create(actor=actor or owner, fields=data)

    return make
