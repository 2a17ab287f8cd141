"""Staff settings: add, edit and deactivate colleagues (the owner for everyone, a manager
for their branch's receptionists and technicians); from each row, the services they
perform, their working hours, time off and a password reset."""

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch, User
from spa.booking.models import Weekday
from spa.core import access
from spa.office import presenter
from spa.office.forms_staff import StaffForm
from spa.office.sections import Section, register
from spa.office.services_staff import staff_save


def _save(actor, form):
    return staff_save(
        actor=actor, staff=form.save(commit=False), password=form.cleaned_data.get("password1")
    )


def _colleagues(user):
    # The branch's name by a subquery, not a join: the deactivate page locks these rows,
    # and PostgreSQL cannot lock the nullable side of an outer join (the owner has none).
    name = Branch.objects.filter(pk=OuterRef("branch_id")).values("name")[:1]
    return (
        User.objects.filter(access.staff_scope(user))
        .annotate(branch_name=Subquery(name))
        .order_by("branch_name", "last_name", "first_name", "id")
    )


def _url(name: str):
    return lambda user: reverse(name, args=[user.pk])


register(Section(
    slug="staff", group="staff", order=10, title=_("Staff"),
    help=_("Deactivate a colleague who leaves: they can no longer log in nor be booked, and "
           "their name stays on past appointments and in the history."),
    model=User, form_class=StaffForm,
    columns=[(_("Name"), lambda u: u.display_name), (_("Username"), lambda u: u.username),
             (_("Role"), lambda u: u.get_role_display()),
             (_("Branch"), lambda u: u.branch_name if u.branch_id else _("Every branch"))],
    allowed=access.can_manage_staff,
    queryset=lambda user: _colleagues(user),
    can_add=access.can_manage_staff,
    save=_save,
    row_links=[
        (_("Services"), _url("office:staff_services")),
        (_("Working hours"), _url("office:staff_hours")),
        (_("Time off"), _url("office:staff_time_off")),
        (_("Password"), _url("office:staff_password")),
    ],
))  # fmt: skip

presenter.EXTRA_LABELS["services"] = _("Services performed")
presenter.EXTRA_VALUES["password"] = {"reset": _("reset by a colleague")}
for _day in Weekday:
    presenter.EXTRA_LABELS[f"hours_{_day.value}"] = format_lazy(
        "{}: {}", _("Working hours"), _day.label
    )
