"""The care queue: today's calls and messages per branch; "done" (with a note) takes an
item off for everyone (an HTMX swap) and writes it to the client's history."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from spa.care import services
from spa.care.forms import QueueDoneForm
from spa.care.models import QueueKind
from spa.care.selectors_queue import message_link, queue_for
from spa.clients.selectors import client_get_for_user
from spa.core import access
from spa.core.params import param_id


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not access.can_use_care_queue(request.user):
        raise PermissionDenied
    branches = queue_for(request.user)
    for branch in branches:
        for item in branch.items:
            item.message_url = message_link(item.client)
            item.phone = next(iter(item.client.phones.all()), None)
    return render(request, "care/queue.html", {"branches": branches, "form": QueueDoneForm()})


@login_required
@require_POST
def done(request: HttpRequest) -> HttpResponse:
    if not access.can_use_care_queue(request.user):
        raise PermissionDenied
    kind, ref = request.POST.get("kind", ""), request.POST.get("ref", "")[:40]
    client_id = param_id(request.POST.get("client"))
    client = client_get_for_user(request.user, client_id) if client_id else None
    branch_ids = access.care_branch_ids(request.user)
    if client is None or (branch_ids is not None and client.branch_id not in branch_ids):
        raise Http404
    form = QueueDoneForm(request.POST)
    if kind not in QueueKind.values or not ref or not form.is_valid():
        message = _("Choose what was done; the note is at most 500 characters.")
        if request.htmx:
            return render(request, "care/partials/queue_done.html",
                          {"text": message, "error": True}, status=400)  # fmt: skip
        return render(request, "400.html", status=400)
    try:
        services.queue_item_done(actor=request.user, kind=kind, client=client, ref=ref,
                                 action=form.cleaned_data["action"],
                                 note=form.cleaned_data["note"])  # fmt: skip
        text = _("Done: %(name)s") % {"name": client.full_name}
    except services.AlreadyDone:
        text = _("Already done by a colleague: %(name)s") % {"name": client.full_name}
    if request.htmx:
        return render(request, "care/partials/queue_done.html", {"text": text})
    return redirect("care:queue")
