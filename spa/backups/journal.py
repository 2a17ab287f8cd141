"""The erasure journal: one line per erased client (id and time, nothing else), appended
when the erasure commits, in a file outside the database and so outside its backups. A
restore replays the lines newer than the backup: whoever the backup brings back who was
erased since is erased again."""

import json
import os
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.utils import timezone


def record(client_ids: Iterable[int]) -> None:
    path = settings.ERASURE_JOURNAL
    path.parent.mkdir(parents=True, exist_ok=True)
    at = timezone.now().isoformat()
    lines = "".join(json.dumps({"client_id": i, "at": at}) + "\n" for i in sorted(client_ids))
    with open(path, "a", encoding="utf-8") as f:
        f.write(lines)
        f.flush()
        os.fsync(f.fileno())


def entries_since(moment: datetime) -> list[int]:
    """The client ids erased after `moment`, oldest first."""
    path = settings.ERASURE_JOURNAL
    if not path.exists():
        return []
    ids = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            entry = json.loads(line)
            if datetime.fromisoformat(entry["at"]) > moment:
                ids.append(int(entry["client_id"]))
    return ids


def replay(moment: datetime) -> list[int]:
    """Erase again the clients erased after `moment` that exist in the database."""
    from spa.clients.models import Client
    from spa.clients.services import client_delete

    erased = []
    for client_id in dict.fromkeys(entries_since(moment)):
        client = Client.objects.filter(pk=client_id).first()
        if client is not None:
            client_delete(actor=None, client=client, reason="Erased again after a restore")
            erased.append(client_id)
    return erased
