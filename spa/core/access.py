"""Who may do what: the capability rules of every role, in one place.

Row-level visibility (which clients a user may see at all) is
`spa.clients.selectors.clients_visible_to`, built on `client_scope` below. Views,
exports, search and the admin all ask these functions; none decides on its own.
"""

from django.db.models import Exists, OuterRef, Q

from spa.accounts.models import Role, SpaSettings


def _role(user) -> str | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role


def is_owner(user) -> bool:
    return _role(user) == Role.OWNER


def technician_minimal(user) -> bool:
    """A technician whose owner restricted them to photo + first name (+ allergy alerts)."""
    if _role(user) != Role.TECHNICIAN:
        return False
    # Read once per request: the user object lives as long as the request does.
    if not hasattr(user, "_technicians_see_minimum"):
        user._technicians_see_minimum = SpaSettings.current().technicians_see_minimum
    return user._technicians_see_minimum


def client_scope(user, care_link_model) -> Q:
    """The Q that limits clients to those `user` may see; `Q(pk__in=[])` for nobody."""
    role = _role(user)
    if role == Role.OWNER:
        return Q()
    if role in (Role.MANAGER, Role.RECEPTIONIST):
        return Q(branch_id=user.branch_id) if user.branch_id else Q(pk__in=[])
    if role == Role.TECHNICIAN:
        # Clients they are in charge of, have served or are booked with: every such
        # relation is a CareLink row, written by the service that creates it.
        return Q(Exists(care_link_model.objects.filter(client_id=OuterRef("pk"), staff_id=user.pk)))
    return Q(pk__in=[])


def can_create_client(user) -> bool:
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.RECEPTIONIST)


def can_edit_contact(user) -> bool:
    """Identity, contact, relationship and notes."""
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.RECEPTIONIST)


def can_see_contact(user) -> bool:
    """Phones (masked for technicians), email, address, social handles, birth date."""
    return _role(user) is not None and not technician_minimal(user)


def can_see_full_phone(user) -> bool:
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.RECEPTIONIST)


def can_see_notes(user) -> bool:
    return _role(user) is not None and not technician_minimal(user)


def can_edit_notes(user) -> bool:
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.RECEPTIONIST, Role.TECHNICIAN) and (
        not technician_minimal(user)
    )


def can_see_allergy_alerts(user) -> bool:
    # Every role, restricted technicians included: an allergy must be in front of
    # whoever touches the client, whatever else is hidden from them.
    return _role(user) is not None


def can_edit_allergies(user) -> bool:
    return _role(user) is not None and not technician_minimal(user)


def can_see_health(user) -> bool:
    """Conditions, medications, pregnancy, skin: beyond the allergy alerts."""
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.TECHNICIAN) and not technician_minimal(
        user
    )


def can_edit_health(user) -> bool:
    return can_see_health(user)


def can_see_history(user) -> bool:
    return _role(user) in (Role.OWNER, Role.MANAGER)


def can_merge(user) -> bool:
    return _role(user) in (Role.OWNER, Role.MANAGER)


def can_export(user) -> bool:
    return _role(user) in (Role.OWNER, Role.MANAGER)


def can_delete_client(user) -> bool:
    return _role(user) == Role.OWNER


def can_manage_consent(user) -> bool:
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.RECEPTIONIST)


def can_log_session(user) -> bool:
    """Restricted technicians too: they treat clients (and see their allergy alerts)."""
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.TECHNICIAN)


def can_see_treatments(user) -> bool:
    """The list of sessions and packages (dates, services, who)."""
    return _role(user) is not None and not technician_minimal(user)


def can_see_treatment_details(user) -> bool:
    """Photos, reactions, results and notes of sessions: health data."""
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.TECHNICIAN) and not technician_minimal(
        user
    )


def can_override_guard(user, branch_id: int | None) -> bool:
    """Owner anywhere; a manager in their own branch."""
    role = _role(user)
    return role == Role.OWNER or (role == Role.MANAGER and user.branch_id == branch_id)


def can_sell_package(user) -> bool:
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.RECEPTIONIST)


def can_record_patch_test(user) -> bool:
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.TECHNICIAN)


def can_book(user) -> bool:
    """Book, reschedule, cancel, check in, mark no-show."""
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.RECEPTIONIST)


def can_see_calendar(user) -> bool:
    """Everyone; a technician sees only their own column."""
    return _role(user) is not None


def can_manage_feeds(user) -> bool:
    return _role(user) in (Role.OWNER, Role.MANAGER)


def can_take_payment(user) -> bool:
    """Checkout, prepaid, debts, deposits; and seeing a client's money figures."""
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.RECEPTIONIST)


def can_issue_credit_note(user) -> bool:
    return _role(user) in (Role.OWNER, Role.MANAGER)


def can_see_cash_report(user) -> bool:
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.RECEPTIONIST)


def can_open_settings(user) -> bool:
    """The settings pages: the owner for the whole spa, a manager for their branch."""
    return _role(user) in (Role.OWNER, Role.MANAGER)


def can_manage_spa(user) -> bool:
    """Spa-wide settings (catalogue, money, messages, branches): the owner only."""
    return _role(user) == Role.OWNER


def settings_branch_ids(user) -> list[int] | None:
    """The branches whose settings `user` may change: None means every branch."""
    role = _role(user)
    if role == Role.OWNER:
        return None
    if role == Role.MANAGER and user.branch_id:
        return [user.branch_id]
    return []


# --- imports ---
def can_import(user) -> bool:
    """Bring in records from a file: the owner, and managers for their own branch."""
    return _role(user) == Role.OWNER or (_role(user) == Role.MANAGER and bool(user.branch_id))


def import_branch_ids(user) -> list[int] | None:
    """The branches `user` may import into (None: every branch)."""
    return settings_branch_ids(user) if can_import(user) else []


# --- money ---
def can_manage_money_settings(user) -> bool:
    """Loyalty, vouchers, the receipt header and the currency: the owner only."""
    return can_manage_spa(user)


def can_manage_message_settings(user) -> bool:
    """Reminder times, gateways, the mail server and message texts: the owner only."""
    return can_manage_spa(user)


# --- frontdesk ---


def can_use_front_desk(user) -> bool:
    """The today page (arrivals, alerts, birthdays): the desk and those who run it."""
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.RECEPTIONIST)


def lands_on_calendar(user) -> bool:
    """Technicians start their day on their own column of the calendar."""
    return _role(user) == Role.TECHNICIAN


def can_type_booking_time(user) -> bool:
    """Book at a time typed by hand rather than one of the free times offered (the
    booking service still checks it is free)."""
    return _role(user) in (Role.OWNER, Role.MANAGER)


# --- catalogue ---
def can_manage_branch_catalogue(user) -> bool:
    """Rooms, machines and stock: the owner for every branch, a manager for their own."""
    return _role(user) in (Role.OWNER, Role.MANAGER)


def stock_branch_ids(user) -> list[int] | None:
    """The branches whose stock `user` may see and change (None: every branch)."""
    return settings_branch_ids(user)


# --- staff ---
# Branch and staff settings. A manager runs their own branch's receptionists and
# technicians (and its opening hours and closures); owners and managers are the
# owner's to create, change and reset.

STAFF_ROLES_A_MANAGER_RUNS = (Role.RECEPTIONIST, Role.TECHNICIAN)


def can_edit_branch_schedule(user, branch_id: int | None) -> bool:
    """Opening hours and closures: the owner for every branch, a manager for theirs."""
    role = _role(user)
    return role == Role.OWNER or (
        role == Role.MANAGER and branch_id is not None and user.branch_id == branch_id
    )


def can_manage_staff(user) -> bool:
    """The staff pages: the owner for everyone, a manager for their branch."""
    role = _role(user)
    return role == Role.OWNER or (role == Role.MANAGER and bool(user.branch_id))


def staff_scope(user) -> Q:
    """The Q limiting users to the colleagues `user` may change; never themselves (their
    own password is on their account page, and nobody changes their own role)."""
    role = _role(user)
    if role == Role.OWNER:
        return ~Q(pk=user.pk)
    if role == Role.MANAGER and user.branch_id:
        return Q(branch_id=user.branch_id, role__in=STAFF_ROLES_A_MANAGER_RUNS) & ~Q(pk=user.pk)
    return Q(pk__in=[])


def roles_assignable_by(user) -> list[str]:
    role = _role(user)
    if role == Role.OWNER:
        return list(Role.values)
    if role == Role.MANAGER:
        return list(STAFF_ROLES_A_MANAGER_RUNS)
    return []


def can_reset_password(user, target) -> bool:
    """The owner for anyone but owners; a manager for their branch's receptionists and
    technicians. Nobody through this door for themselves."""
    role = _role(user)
    if role is None or target.pk == user.pk:
        return False
    if role == Role.OWNER:
        return target.role != Role.OWNER
    return (
        role == Role.MANAGER
        and bool(user.branch_id)
        and target.branch_id == user.branch_id
        and target.role in STAFF_ROLES_A_MANAGER_RUNS
    )


def capabilities(user) -> dict[str, bool]:
    """All capabilities of `user`, for templates."""
    return {
        "create_client": can_create_client(user),
        "edit_contact": can_edit_contact(user),
        "see_contact": can_see_contact(user),
        "see_full_phone": can_see_full_phone(user),
        "see_notes": can_see_notes(user),
        "edit_notes": can_edit_notes(user),
        "see_allergies": can_see_allergy_alerts(user),
        "edit_allergies": can_edit_allergies(user),
        "see_health": can_see_health(user),
        "edit_health": can_edit_health(user),
        "see_history": can_see_history(user),
        "merge": can_merge(user),
        "export": can_export(user),
        "delete_client": can_delete_client(user),
        "manage_consent": can_manage_consent(user),
        "log_session": can_log_session(user),
        "see_treatments": can_see_treatments(user),
        "see_treatment_details": can_see_treatment_details(user),
        "sell_package": can_sell_package(user),
        "record_patch_test": can_record_patch_test(user),
        "book": can_book(user),
        "take_payment": can_take_payment(user),
        "credit_note": can_issue_credit_note(user),
        "cash_report": can_see_cash_report(user),
        "see_calendar": can_see_calendar(user),
        "minimal": technician_minimal(user),
        "owner": is_owner(user),
        "settings": can_open_settings(user),
        "front_desk": can_use_front_desk(user),
        "client_list": can_list_clients(user),
        "debt_list": can_see_debt_list(user),
        "expiring_packages": can_see_expiring_packages(user),
        "reports": can_see_reports(user),
        "business_reports": can_see_business_reports(user),
        "segments": can_manage_segments(user),
        "due_list": can_see_due_list(user),
        "record_feedback": can_record_feedback(user),
        "care_tasks": can_see_care_tasks(user),
        "care_report": can_see_care_report(user),
        "care_queue": can_use_care_queue(user),
        "campaigns": can_manage_campaigns(user),
        "campaign_rules": can_manage_campaign_rules(user),
    }


# --- lists ---


def can_list_clients(user) -> bool:
    """The filtered client list (segments for campaigns, with export): managers their
    branch, the owner every branch. The front desk finds clients one at a time with the
    search; a browsable list of every contact is a manager's tool."""
    return _role(user) in (Role.OWNER, Role.MANAGER)


def client_list_branch_ids(user) -> list[int] | None:
    """Branches a list may be narrowed to by choice: None means the owner picks any;
    others see their own branch's clients (the row scope is clients_visible_to)."""
    if _role(user) == Role.OWNER:
        return None
    return [user.branch_id] if getattr(user, "branch_id", None) else []


def can_see_debt_list(user) -> bool:
    """Who owes what: the desk calls them and takes the payment."""
    return can_take_payment(user)


def can_see_expiring_packages(user) -> bool:
    """Packages about to expire with sessions left: the desk calls to book them."""
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.RECEPTIONIST)


# --- reports, segments, what clients need next ---


def can_see_reports(user) -> bool:
    """The owner sees the chain, a manager their branch, a technician their own figures."""
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.TECHNICIAN)


def report_branch_ids(user) -> list[int] | None:
    """The branches whose reports `user` may read: None means every branch."""
    role = _role(user)
    if role == Role.OWNER:
        return None
    return [user.branch_id] if role in (Role.MANAGER, Role.TECHNICIAN) and user.branch_id else []


def report_staff_only(user) -> int | None:
    """A technician reads only their own figures: their id; None for everyone else."""
    return user.pk if _role(user) == Role.TECHNICIAN else None


def can_see_business_reports(user) -> bool:
    """Revenue, money owed, clients and services: the owner and managers."""
    return _role(user) in (Role.OWNER, Role.MANAGER)


def can_manage_segments(user) -> bool:
    """Build and save client segments (what campaigns send to): the owner and managers."""
    return _role(user) in (Role.OWNER, Role.MANAGER)


def can_see_due_list(user) -> bool:
    """The clients due back this week, to call: the desk and managers."""
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.RECEPTIONIST)


def can_see_recommendations(user) -> bool:
    """The next-service suggestion on a profile: whoever serves or books the client."""
    return _role(user) is not None


# --- Care: feedback, care tasks, the care queue (spa.care) ---
# Technicians get none of these pages: the feedback names the technician and carries the
# client's own words, and the queue is the desk's phone list. They keep their figures in
# the reports.


def can_record_feedback(user) -> bool:
    """Take down feedback given in person or by phone; mark a comment as a complaint."""
    return _role(user) in (Role.OWNER, Role.MANAGER, Role.RECEPTIONIST)


def can_see_care_tasks(user) -> bool:
    """The care tasks page: the owner every branch, a manager their own."""
    return _role(user) == Role.OWNER or (_role(user) == Role.MANAGER and bool(user.branch_id))


def can_resolve_care_task(user, branch_id: int | None) -> bool:
    role = _role(user)
    return role == Role.OWNER or (role == Role.MANAGER and user.branch_id == branch_id)


def can_see_care_report(user) -> bool:
    """Scores and comments: the owner for the chain or a branch, a manager their branch."""
    return can_see_care_tasks(user)


def care_branch_ids(user) -> list[int] | None:
    """The branches whose feedback, tasks and queue `user` may see: None means every one."""
    role = _role(user)
    if role == Role.OWNER:
        return None
    if role in (Role.MANAGER, Role.RECEPTIONIST) and user.branch_id:
        return [user.branch_id]
    return []


def can_use_care_queue(user) -> bool:
    """Today's calls and messages (check-ins, due, lapsed, birthdays, care tasks)."""
    role = _role(user)
    return role == Role.OWNER or (
        role in (Role.MANAGER, Role.RECEPTIONIST) and bool(user.branch_id)
    )


def can_manage_care_settings(user) -> bool:
    """Survey delay and expiry, low-score thresholds, lapsed days, check-ins: the owner."""
    return _role(user) == Role.OWNER


# --- Campaigns (spa.campaigns) ---
# The owner runs the chain's campaigns and every branch's; a manager only their own
# branch's: a chain-wide campaign (no branch) or another branch's is not theirs to see.


def can_manage_campaigns(user) -> bool:
    """Build, preview, send and read the results of campaigns and automations."""
    role = _role(user)
    return role == Role.OWNER or (role == Role.MANAGER and bool(user.branch_id))


def campaign_branch_ids(user) -> list[int] | None:
    """The branches whose campaigns `user` may see and change: None means every campaign
    (chain-wide ones too); [] means none."""
    if not can_manage_campaigns(user):
        return []
    if _role(user) == Role.OWNER:
        return None
    return [user.branch_id]


def campaign_scope(user) -> Q:
    """The Q limiting campaigns to those `user` may manage."""
    branches = campaign_branch_ids(user)
    if branches is None:
        return Q()
    return Q(branch_id__in=branches) if branches else Q(pk__in=[])


def can_manage_campaign_rules(user) -> bool:
    """Quiet hours, the frequency cap, sending speed, the stop keyword, the control
    group and the results window: the owner only."""
    return _role(user) == Role.OWNER


# --- Who looked at a record (spa.audit AccessEntry, issue 14) ---


def read_is_logged(user) -> bool:
    """Reads by a signed-in, active member of staff go into the client's access log;
    anonymous visitors and the client themselves (the portal has no staff user) do not."""
    return _role(user) in Role.values


def can_see_access_log(user, client) -> bool:
    """Who looked at a client's record: the owner, and the manager of the client's branch.
    Receptionists and technicians read records; they do not audit their colleagues."""
    role = _role(user)
    return role == Role.OWNER or (
        role == Role.MANAGER and user.branch_id is not None and user.branch_id == client.branch_id
    )


# --- Backups (spa.backups) ---


def can_manage_backups(user) -> bool:
    """The backup settings, the list of backups and drills, and their alert: the owner."""
    return _role(user) == Role.OWNER


# Data protection (spa.privacy): the breach register is the owner's and the managers'
# (a manager sees and records their branch's incidents); the records of processing are
# the owner's.
def can_manage_incidents(user) -> bool:
    return _role(user) == Role.OWNER or (_role(user) == Role.MANAGER and bool(user.branch_id))


def incident_branch_ids(user) -> list[int] | None:
    """The branches a user's incidents are about: None for every branch (the owner)."""
    return None if is_owner(user) else ([user.branch_id] if user.branch_id else [])


def can_see_processing_record(user) -> bool:
    return is_owner(user)
