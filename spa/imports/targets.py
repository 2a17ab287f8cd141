"""What a source column can be mapped to. The codes are stored in saved mappings and
job mappings, so they never change; labels are what people read.

A column may also map to ``custom:<CustomFieldDefinition id>``, or to ``""`` (ignored).
"""

from django.utils.translation import gettext_lazy as _

IGNORE = ""
CUSTOM_PREFIX = "custom:"

# Client sheet ------------------------------------------------------------------------
CLIENT_TARGETS: dict[str, object] = {
    "source_id": _("Client code in the old system"),
    "full_name": _("Full name"),
    "family_name": _("Family name"),
    "middle_name": _("Middle name"),
    "given_name": _("Given name"),
    "phone": _("Phone"),
    "phone2": _("Second phone"),
    "email": _("Email"),
    "birth_date": _("Date of birth"),
    "gender": _("Gender"),
    "address": _("Address"),
    "city": _("City / province"),
    "occupation": _("Occupation / lifestyle"),
    "facebook": _("Facebook"),
    "zalo": _("Zalo"),
    "wechat": _("WeChat"),
    "source": _("Source"),
    "group": _("Group"),
    "tags": _("Tags"),
    "branch": _("Branch"),
    "client_since": _("Client since"),
    "last_visit": _("Last visit"),
    "notes": _("Notes"),
    "preferences": _("Preferences"),
    # Opening balances
    "tier": _("Tier"),
    "points": _("Loyalty points"),
    "total_spent": _("Total spent before the switch"),
    "debt": _("Debt owed by the client"),
    "prepaid": _("Prepaid balance"),
    # A package in progress
    "package_name": _("Package"),
    "package_total": _("Package sessions in all"),
    "package_used": _("Package sessions used"),
    "package_remaining": _("Package sessions remaining"),
    "package_expires": _("Package expires on"),
    "package_price": _("Package price"),
    # Health (encrypted)
    "allergies": _("Allergies"),
    "conditions": _("Medical conditions"),
    "medications": _("Medications"),
    "pregnancy": _("Pregnancy"),
    "skin_type": _("Skin type"),
    # Marketing consent per channel (yes / no)
    "consent_sms": _("Consent to SMS"),
    "consent_zalo": _("Consent to Zalo"),
    "consent_email": _("Consent to email"),
    "consent_all": _("Consent to marketing (all channels)"),
}

# Treatment log sheet -----------------------------------------------------------------
SESSION_TARGETS: dict[str, object] = {
    "session_date": _("Date of the visit"),
    "session_time": _("Time of the visit"),
    "session_client": _("Client name"),
    "session_phone": _("Client phone"),
    "session_client_id": _("Client code in the old system"),
    "session_service": _("Service"),
    "session_amount": _("Amount"),
    "session_paid": _("Paid / unpaid"),
    "session_progress": _("Session of a package (e.g. 3/10)"),
    "session_technician": _("Technician"),
    "session_products": _("Products used"),
    "session_note": _("Notes"),
}

# Price-list sheet (creates services that the treatment log names) -------------------
PRICE_TARGETS: dict[str, object] = {
    "service_name": _("Service"),
    "service_price": _("Price"),
    "service_minutes": _("Duration (minutes)"),
    "service_category": _("Category"),
}

ALL_TARGETS = {**CLIENT_TARGETS, **SESSION_TARGETS, **PRICE_TARGETS}


class SheetKind:
    CLIENTS = "clients"
    SESSIONS = "sessions"
    PRICES = "prices"
    OTHER = "other"  # not imported


TARGETS_OF_KIND = {
    SheetKind.CLIENTS: CLIENT_TARGETS,
    SheetKind.SESSIONS: SESSION_TARGETS,
    SheetKind.PRICES: PRICE_TARGETS,
}
