"""Reads that find possible duplicates of a profile being entered."""

from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from spa.clients.models import Client, ClientPhone
from spa.clients.selectors import clients_visible_to
from spa.core.text import fold, sorted_key, tokens

SIMILAR_NAME_SCORE = 85  # rapidfuzz token-sort ratio on folded names, 0-100


@dataclass
class DuplicateReport:
    same_phone: list[Client] = field(default_factory=list)
    same_email: list[Client] = field(default_factory=list)
    similar_name: list[Client] = field(default_factory=list)
    # Holders of the same phone/email the user may not see (other branch): counted, not shown.
    hidden_matches: int = 0

    @property
    def contact_clash(self) -> bool:
        return bool(self.same_phone or self.same_email or self.hidden_matches)

    @property
    def any(self) -> bool:
        return self.contact_clash or bool(self.similar_name)


def client_duplicates(
    *,
    user,
    e164s: list[str],
    email: str = "",
    full_name: str = "",
    birth_date: date | None = None,
    exclude_id: int | None = None,
) -> DuplicateReport:
    """Profiles sharing a phone or email, or with a similar name and the same birth date."""
    report = DuplicateReport()
    visible = clients_visible_to(user)
    holders = set(ClientPhone.objects.filter(e164__in=e164s).values_list("client_id", flat=True))
    if email:
        holders_email = set(
            Client.objects.filter(
                email_normalised=email.strip().lower(), merged_into__isnull=True
            ).values_list("id", flat=True)
        )
    else:
        holders_email = set()
    holders.discard(exclude_id)
    holders_email.discard(exclude_id)
    shown = {
        c.pk: c for c in visible.filter(pk__in=holders | holders_email).select_related("branch")
    }
    report.same_phone = [shown[i] for i in sorted(holders) if i in shown]
    report.same_email = [shown[i] for i in sorted(holders_email - holders) if i in shown]
    report.hidden_matches = len((holders | holders_email) - set(shown))

    if full_name and birth_date:
        wanted = sorted_key(tokens(fold(full_name)))
        same_day = (
            visible.filter(birth_date=birth_date).exclude(pk=exclude_id).select_related("branch")
        )
        report.similar_name = [
            c
            for c in same_day[:200]
            if c.pk not in shown
            and fuzz.token_sort_ratio(wanted, c.name_folded_key) >= SIMILAR_NAME_SCORE
        ]
    return report
