"""Reads of campaigns, through the access rules (spa.core.access.campaign_scope): the
only way the staff pages get a campaign, so no page can forget a rule."""

from django.db.models import QuerySet
from django.http import Http404

from spa.campaigns.models import Campaign
from spa.core import access


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    """The campaigns `user` may manage: the owner every one, a manager their branch's."""
    if not access.can_manage_campaigns(user):
        return Campaign.objects.none()
    return Campaign.objects.filter(access.campaign_scope(user)).select_related(
        "branch", "segment", "created_by"
    )


def campaign_get_for_user(user, pk: int) -> Campaign:
    """One campaign `user` may manage; Http404 otherwise (never says it exists)."""
    campaign = campaigns_visible_to(user).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign
