"""The contraindication guard: the client's recorded health against what a session uses.

Checked before a session is saved: a product carrying an allergen the client has, or a
service rule (pregnancy, breastfeeding, a listed condition, a missing or failed patch
test) that the health section conflicts with. Hard findings block the save unless a
manager overrides with a reason; soft ones must be acknowledged.
"""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from spa.accounts.models import SpaSettings
from spa.catalog.models import Product, RuleKind, Service, ServiceRule
from spa.clients.models import Allergen, Client, ClientHealth, PregnancyStatus
from spa.treatments.models import PatchResult, PatchTest


@dataclass(frozen=True)
class Finding:
    code: str  # stable identifier, e.g. "allergen:aha:product:12"
    hard: bool
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def guard_check(
    *, client: Client, services: list[Service], products: list[Product], on: date
) -> list[Finding]:
    """Every conflict between the client's health section and this session, hard first."""
    health = ClientHealth.objects.filter(client=client).first()
    values = health.values() if health else dict(ClientHealth.EMPTY)
    allergens = set(values["allergen_ids"])
    conditions = set(values["condition_ids"])
    findings: list[Finding] = []
    block_allergens = SpaSettings.current().allergen_conflict_blocks

    names = {a.pk: a.label for a in Allergen.objects.filter(pk__in=allergens)}
    for product in products:
        for allergen_id in sorted(allergens & {a.pk for a in product.allergens.all()}):
            findings.append(
                Finding(
                    code=f"allergen:{allergen_id}:product:{product.pk}",
                    hard=block_allergens,
                    message=_("%(product)s contains %(allergen)s, which the client is allergic to.")
                    % {"product": product.name, "allergen": names[allergen_id]},
                )
            )

    rules = ServiceRule.objects.filter(service__in=services).select_related(
        "service", "condition", "allergen"
    )
    for rule in rules:
        params = {"service": rule.service.name}
        if rule.kind == RuleKind.PREGNANCY:
            if values["pregnancy"] == PregnancyStatus.PREGNANT:
                message = _("%(service)s is not done during pregnancy, and the client is pregnant.")
                findings.append(Finding(f"pregnancy:{rule.pk}", rule.hard, message % params))
            elif not values["pregnancy"]:
                message = _(
                    "%(service)s is not done during pregnancy: ask the client, it is not recorded."
                )
                findings.append(Finding(f"pregnancy-unknown:{rule.pk}", False, message % params))
        elif rule.kind == RuleKind.BREASTFEEDING:
            if values["pregnancy"] == PregnancyStatus.BREASTFEEDING:
                message = _(
                    "%(service)s is not done while breastfeeding, and the client is breastfeeding."
                )
                findings.append(Finding(f"breastfeeding:{rule.pk}", rule.hard, message % params))
        elif rule.kind == RuleKind.CONDITION:
            if rule.condition_id in conditions:
                message = _("%(service)s is not done with %(condition)s, which the client has.")
                params["condition"] = rule.condition.label
                code = f"condition:{rule.condition_id}:{rule.pk}"
                findings.append(Finding(code, rule.hard, message % params))
        elif rule.kind == RuleKind.ALLERGEN:
            if rule.allergen_id in allergens:
                message = _("%(service)s uses %(allergen)s, which the client is allergic to.")
                params["allergen"] = rule.allergen.label
                code = f"allergen:{rule.allergen_id}:service:{rule.service_id}"
                findings.append(Finding(code, rule.hard, message % params))
        elif rule.kind == RuleKind.PATCH_TEST:
            findings.extend(_patch_test_findings(client, rule, on))
    findings.sort(key=lambda f: (not f.hard, f.code))
    return list({f.code: f for f in findings}.values())


def _patch_test_findings(client: Client, rule: ServiceRule, on: date) -> list[Finding]:
    """A rule needing a passed patch test within N days: the latest test decides."""
    params = {"service": rule.service.name, "days": rule.patch_test_days}
    latest = (
        PatchTest.objects.filter(client=client, tested_on__lte=on)
        .filter(Q(service__isnull=True) | Q(service=rule.service))
        .order_by("-tested_on", "-id")
        .first()
    )
    if latest is None or latest.tested_on < on - timedelta(days=rule.patch_test_days or 0):
        message = _("%(service)s needs a passed patch test within %(days)s days; none is recorded.")
        return [Finding(f"patch-missing:{rule.pk}", rule.hard, message % params)]
    if latest.result == PatchResult.FAILED:
        message = _("The client's last patch test for %(service)s failed (%(date)s).")
        params["date"] = latest.tested_on.strftime("%d/%m/%Y")
        return [Finding(f"patch-failed:{rule.pk}", True, message % params)]
    return []
