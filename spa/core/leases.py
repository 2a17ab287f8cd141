"""A message sent at most once per claim, where a claim is a lease (reminders, surveys).

- Claiming moves the row from waiting to sending with `claimed_until = now + lease`,
  counts the attempt and writes the attempt row in the same transaction, so no send
  happens without a record of it. An earlier attempt still open was cut short by a dead
  worker and is closed as interrupted.
- A worker killed mid-send leaves the row sending; once the lease has run out it is
  claimable again.
- The outcome is written only while the claim is still ours (status sending and the same
  attempt number); otherwise the attempt row says it came after the lease ran out.

The claim's UPDATE filters on the row's own columns only: PostgreSQL re-checks a plain
WHERE on a row it waited for, but a join would turn the UPDATE into `id IN (subquery)`,
which a second worker would pass too.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone


@dataclass(frozen=True)
class Leased:
    """How one kind of leased message is stored: its model and status values, and its
    attempt model with the foreign key to it."""

    model: type[models.Model]
    attempt_model: type[models.Model]
    attempt_fk: str  # e.g. "reminder_id"
    waiting: str
    sending: str
    interrupted: str  # the attempt's detail for one cut short by a dead worker

    def claimable(self, now):
        """Rows a worker may take now, on their own columns only: waiting and due, or
        held by a claim whose lease has run out (or that never had one)."""
        expired = Q(claimed_until__lt=now) | Q(claimed_until__isnull=True)
        return self.model.objects.filter(
            Q(status=self.waiting) | (Q(status=self.sending) & expired), due_at__lte=now
        )

    def claim(self, pk: int, now=None):
        """Take the row for one attempt and return the attempt, or None if it is not ours
        to send."""
        now = now or timezone.now()
        lease = timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
        with transaction.atomic():
            claimed = (
                self.claimable(now)
                .filter(pk=pk)
                .update(status=self.sending, attempts=F("attempts") + 1, claimed_until=now + lease)
            )
            if not claimed:
                return None
            number = self.model.objects.filter(pk=pk).values_list("attempts", flat=True).get()
            self.attempt_model.objects.filter(**{self.attempt_fk: pk, "ok__isnull": True}).update(
                ok=False, detail=self.interrupted
            )
            return self.attempt_model.objects.create(
                **{self.attempt_fk: pk}, number=number, ok=None, detail="sending"
            )

    def finish(self, attempt, status: str, *, ok: bool, detail: str, reason: str = "") -> bool:
        """Record the outcome of our attempt, unless another worker has taken the row back
        since (our lease ran out): then its own attempt decides. True if it was ours."""
        with transaction.atomic():
            ours = self.model.objects.filter(
                pk=getattr(attempt, self.attempt_fk), status=self.sending, attempts=attempt.number
            ).update(
                status=status, sent_at=timezone.now() if ok else None, note=detail[:255],
                reason=reason, claimed_until=None,
            )  # fmt: skip
            self.attempt_model.objects.filter(pk=attempt.pk).update(
                ok=ok, detail=(detail if ours else f"{detail} (after the lease ran out)")[:500]
            )
        return bool(ours)
