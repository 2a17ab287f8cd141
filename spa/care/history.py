"""The client-history sentences of care entries (spa.audit.presenter asks here), built
from the entry's recorded changes in the reader's language."""

from django.utils.translation import gettext as _

from spa.care.models import FeedbackMethod, QueueAction, QueueKind, TaskReason

EMPTY = "—"


def _new(changes: dict, key: str):
    value = changes.get(key)
    return value[1] if isinstance(value, list) and len(value) == 2 else None


def feedback_sentence(changes: dict) -> str:
    feedback = _new(changes, "feedback") or {}
    values = {
        "method": dict(FeedbackMethod.choices).get(feedback.get("method"), EMPTY),
        "overall": feedback.get("overall", EMPTY),
        "recommend": feedback.get("recommend"),
    }
    if feedback.get("marked"):
        return str(_("The client's feedback was marked as a complaint."))
    if values["recommend"] is None:
        sentence = _("Feedback (%(method)s): %(overall)s/5 overall.") % values
    else:
        sentence = (
            _("Feedback (%(method)s): %(overall)s/5 overall, would recommend %(recommend)s/10.")
            % values
        )
    if feedback.get("complaint"):
        sentence = f"{sentence} {_('A complaint.')}"
    return sentence


def care_sentence(changes: dict) -> str:
    event = _new(changes, "care") or {}
    kind = event.get("event")
    if kind == "opened":
        return _("Care task #%(task)s opened: %(reason)s.") % {
            "task": event.get("task", EMPTY),
            "reason": dict(TaskReason.choices).get(event.get("reason"), EMPTY),
        }
    if kind == "resolved":
        # What was done is the manager's own words, shown as typed.
        return _("Care task #%(task)s resolved: %(resolution)s") % {
            "task": event.get("task", EMPTY), "resolution": event.get("resolution") or EMPTY,
        }  # fmt: skip
    if kind == "queue":
        sentence = _("Care queue, %(kind)s: %(done)s.") % {
            "kind": str(dict(QueueKind.choices).get(event.get("kind"), EMPTY)).lower(),
            "done": dict(QueueAction.choices).get(event.get("done"), EMPTY),
        }
        return f"{sentence} {event['note']}" if event.get("note") else sentence
    return str(_("Client care"))
