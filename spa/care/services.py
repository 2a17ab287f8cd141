"""Writes of client care: feedback (from a survey or taken by staff), the care tasks a
low score or a complaint opens, and what the care queue has done. Each writes its audit
entry in the client's history."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from spa.audit.models import Action
from spa.audit.services import audit_record
from spa.care.models import (
    ASPECTS,
    CareSettings,
    CareTask,
    Feedback,
    FeedbackMethod,
    QueueDone,
    SurveyInvite,
    TaskReason,
    TaskStatus,
)
from spa.treatments.models import TreatmentSession


class SurveyClosed(Exception):
    """The link has expired or was already answered; `why` is "expired" or "used"."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


class AlreadyDone(Exception):
    """Someone dealt with this queue item (or resolved this task) first."""


@dataclass
class Scores:
    overall: int
    technician_score: int | None = None
    result_score: int | None = None
    cleanliness_score: int | None = None
    value_score: int | None = None
    recommend: int | None = None
    comment: str = ""


def is_low(scores: Scores, care: CareSettings | None = None) -> bool:
    """A score at or below the owner's thresholds: overall, any aspect, would-recommend."""
    care = care or CareSettings.current()
    if scores.overall <= care.low_overall:
        return True
    if any((getattr(scores, a) or 99) <= care.low_aspect for a in ASPECTS):
        return True
    return scores.recommend is not None and scores.recommend <= care.low_recommend


def _visit_of(session: TreatmentSession | None) -> dict:
    if session is None:
        return {}
    line = session.service_lines.order_by("id").first()
    technician = session.technicians.order_by("id").first()
    return {"technician": technician, "service_id": line.service_id if line else None}


def _feedback_record(feedback: Feedback, *, complaint_marked: bool = False) -> dict:
    """What the history keeps of a feedback (spa.care.history reads it): the scores, not
    the comment, which stays on the feedback page (it may speak of the skin)."""
    return {"feedback": [None, {
        "id": feedback.pk, "method": feedback.method, "overall": feedback.overall,
        "recommend": feedback.recommend, "commented": bool(feedback.comment),
        "complaint": feedback.is_complaint or complaint_marked, "marked": complaint_marked,
    }]}  # fmt: skip


def _care_record(**event) -> dict:
    return {"care": [None, event]}


def _write(*, actor, client, branch, session, method, scores: Scores, invite=None,
           complaint=False) -> Feedback:  # fmt: skip
    feedback = Feedback.objects.create(
        client=client, branch=branch, session=session, invite=invite, method=method,
        is_complaint=complaint, recorded_by=actor if getattr(actor, "pk", None) else None,
        **_visit_of(session), **scores.__dict__,
    )  # fmt: skip
    audit_record(actor=actor, action=Action.FEEDBACK, client_id=client.pk,
                 summary=f"feedback #{feedback.pk}: {feedback.overall}/5",
                 changes=_feedback_record(feedback))  # fmt: skip
    reason = TaskReason.COMPLAINT if complaint else TaskReason.LOW_SCORE if is_low(scores) else None
    if reason:
        _task_open(actor=actor, feedback=feedback, reason=reason)
    return feedback


def survey_answer(*, token: str, scores: Scores) -> Feedback:
    """The client's answer on the public page: once per link, before it expires. Two
    tabs sending at once: the unique invite keeps exactly one answer."""
    with transaction.atomic():
        invite = (
            SurveyInvite.objects.select_for_update()
            .select_related("client", "branch", "session").filter(token=token).first()
        )  # fmt: skip
        if invite is None:
            raise SurveyClosed("unknown")
        if Feedback.objects.filter(invite=invite).exists():
            raise SurveyClosed("used")
        if invite.expires_at <= timezone.now():
            raise SurveyClosed("expired")
        try:
            with transaction.atomic():
                return _write(actor=None, client=invite.client, branch=invite.branch,
                              session=invite.session, method=FeedbackMethod.SURVEY,
                              scores=scores, invite=invite)  # fmt: skip
        except IntegrityError:
            if Feedback.objects.filter(invite=invite).exists():
                raise SurveyClosed("used") from None
            raise


def survey_state(invite: SurveyInvite) -> str:
    """ "open", "used" or "expired"."""
    if Feedback.objects.filter(invite=invite).exists():
        return "used"
    return "expired" if invite.expires_at <= timezone.now() else "open"


def feedback_record(*, actor, client, method: str, scores: Scores, complaint: bool = False,
                    session: TreatmentSession | None = None) -> Feedback:  # fmt: skip
    """Feedback given at the desk or on the phone, taken down by staff."""
    if method not in (FeedbackMethod.IN_PERSON, FeedbackMethod.PHONE):
        raise ValueError(method)
    session = session or (
        TreatmentSession.objects.filter(client=client).order_by("-performed_at").first()
    )
    with transaction.atomic():
        return _write(actor=actor, client=client, branch=session.branch if session else client.branch,
                      session=session, method=method, scores=scores, complaint=complaint)  # fmt: skip


def feedback_mark_complaint(*, actor, feedback: Feedback) -> CareTask:
    """Staff read a comment as a complaint: it opens a care task (or is the one open)."""
    with transaction.atomic():
        Feedback.objects.filter(pk=feedback.pk).update(is_complaint=True)
        existing = CareTask.objects.filter(feedback=feedback).first()
        if existing is not None:
            return existing
        audit_record(actor=actor, action=Action.FEEDBACK, client_id=feedback.client_id,
                     summary=f"feedback #{feedback.pk} marked as a complaint",
                     changes=_feedback_record(feedback, complaint_marked=True))  # fmt: skip
        return _task_open(actor=actor, feedback=feedback, reason=TaskReason.COMPLAINT)


def _task_open(*, actor, feedback: Feedback, reason: str) -> CareTask:
    task, created = CareTask.objects.get_or_create(
        feedback=feedback,
        defaults={"client_id": feedback.client_id, "branch_id": feedback.branch_id, "reason": reason},
    )  # fmt: skip
    if created:
        audit_record(actor=actor, action=Action.CARE, client_id=feedback.client_id,
                     summary=f"care task #{task.pk} opened: {reason}",
                     changes=_care_record(event="opened", task=task.pk, reason=reason))  # fmt: skip
    return task


def care_task_resolve(*, actor, task: CareTask, resolution: str) -> CareTask:
    """Close the task with what was done; a task is resolved once (conditional UPDATE)."""
    resolution = resolution.strip()
    if not resolution:
        raise ValueError("resolution required")
    now = timezone.now()
    with transaction.atomic():
        changed = CareTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
            status=TaskStatus.RESOLVED, resolution=resolution, resolved_by=actor, resolved_at=now
        )
        if not changed:
            raise AlreadyDone
        audit_record(actor=actor, action=Action.CARE, client_id=task.client_id,
                     summary=f"care task #{task.pk} resolved",
                     changes=_care_record(event="resolved", task=task.pk,
                                          resolution=resolution[:500]))  # fmt: skip
    task.refresh_from_db()
    return task


def queue_item_done(
    *, actor, kind: str, client, ref: str, action: str, note: str = ""
) -> QueueDone:
    """Mark one item of the care queue as dealt with, for everyone, once."""
    try:
        with transaction.atomic():
            done = QueueDone.objects.create(kind=kind, client=client, ref=ref[:40], action=action,
                                            note=note.strip()[:500], done_by=actor)  # fmt: skip
            audit_record(
                actor=actor, action=Action.CARE, client_id=client.pk,
                summary=f"care queue: {kind} {action}",
                changes=_care_record(event="queue", kind=kind, done=action, note=done.note),
            )  # fmt: skip
    except IntegrityError:
        raise AlreadyDone from None
    return done
