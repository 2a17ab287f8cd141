from datetime import time

import pytest

from spa.campaigns.models import Campaign, CampaignRules, Kind, Message
from spa.clients.services import client_consent_record


@pytest.fixture
def rules(db):
    """The spa's rules with no quiet hours (tests of quiet hours set their own)."""
    r = CampaignRules.current()
    r.quiet_from = r.quiet_until = time(0)
    r.save()
    return r


@pytest.fixture
def make_campaign(owner, rules):
    def make(*, channels=("email", "sms", "zalo"), languages=("vi", "en", "zh-hans"), **fields):
        fields.setdefault("name", "Ưu đãi tháng 12")
        fields.setdefault("control_percent", 0)
        fields.setdefault("created_by", owner)
        if fields.get("trigger"):
            fields.setdefault("kind", Kind.AUTOMATION)
        campaign = Campaign.objects.create(**fields)
        for channel in channels:
            for language in languages:
                Message.objects.create(
                    campaign=campaign, channel=channel, language=language,
                    subject="Quà cho {name}", body="Chào {name}, mã {voucher} tại {branch}. {link}",
                )  # fmt: skip
        return campaign

    return make


@pytest.fixture
def consent(receptionist_a):
    def give(client, channel, granted=True):
        return client_consent_record(
            actor=receptionist_a, client=client, channel=channel, granted=granted, method="paper"
        )

    return give


@pytest.fixture
def gateway(db):
    """A local SMS/Zalo gateway that records what it is sent (key -> body)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from spa.accounts.models import SpaSettings

    got = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            got.setdefault(self.headers.get("Idempotency-Key"), body)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/send"
    SpaSettings.objects.update_or_create(
        pk=1, defaults={"sms_gateway_url": url, "zalo_gateway_url": url}
    )
    yield got
    server.shutdown()
