"""Campaign jobs for the Huey worker (`manage.py run_huey` finds this module): thin,
they take ids and call spa.campaigns.sending / automations, which are safe to run
twice and in several workers at once."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from spa.campaigns import automations, sending, services


@db_task()
def campaign_dispatch(campaign_id: int) -> bool:
    """Send a slice (about 30 s) of the campaign, then queue the next slice: a long
    campaign never keeps a worker from the reminders queued behind it."""
    more = sending.dispatch(campaign_id)
    if more:
        campaign_dispatch(campaign_id)
    return more


@db_periodic_task(crontab(minute="*"))
def campaigns_sweep() -> int:
    """Every minute: scheduled campaigns whose time has come start; campaigns with
    recipients due (quiet hours over, a dead worker's lease run out, a lost job) are
    dispatched; campaigns with nothing left are closed."""
    services.campaigns_launch_due()
    due = sending.campaigns_due()
    for campaign_id in due:
        campaign_dispatch(campaign_id)
    return len(due)


@db_periodic_task(crontab(minute="7"))
def campaigns_automations() -> int:
    """The automations' daily run (tried every hour: each run key holds once per
    occurrence, so a repeat adds nobody, and a worker down at one hour loses no day)."""
    added = automations.automations_run()
    for campaign_id in automations.active_ids():
        campaign_dispatch(campaign_id)
    return added
