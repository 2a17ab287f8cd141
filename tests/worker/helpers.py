"""What the worker tests share: a real SMTP server's inbox, a real HTTP SMS/Zalo
gateway, free ports, and the real worker process (`manage.py run_huey`) pointed at
the test database."""

import email
import email.policy
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def wait_for(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return predicate()


def worker_database_url() -> str:
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def worker_env(smtp_port: int, queue_path: str, **extra) -> dict:
    """The environment of a worker process that shares this test's database and queue."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": worker_database_url(),
        "HUEY_IMMEDIATE": "false",
        "HUEY_SQLITE_PATH": queue_path,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        **extra,
    }


def start_worker(env: dict, *, own_group: bool = False) -> subprocess.Popen:
    """`own_group`: in a process group of its own (its pid), so a test can kill the
    whole group (`os.killpg`) as a crash or the OOM killer would."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--workers", "2", "--worker-type", "thread",
         "--max-delay", "0.5"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=own_group,
    )  # fmt: skip


class Gateway:
    """A real HTTP SMS/Zalo gateway on a free port, served from a thread. It records
    every request (repeats included) and, like a real provider, delivers each
    idempotency key once; `delay` makes it slow, so a worker can be caught mid-send."""

    def __init__(self, *, delay: float = 0.0):
        self.delay = delay
        self.lock = threading.Lock()
        self.received: list[dict] = []  # every request: its headers and body
        self.accepted: dict[str, dict] = {}  # idempotency key -> the body delivered
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key", "")
                request = {"key": key, "auth": self.headers.get("Authorization"), **body}
                with gateway.lock:
                    gateway.received.append(request)
                if gateway.delay:
                    time.sleep(gateway.delay)
                with gateway.lock:
                    gateway.accepted.setdefault(key or f"#{len(gateway.received)}", request)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "Gateway":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def delivered(self) -> list[dict]:
        with self.lock:
            return list(self.accepted.values())

    def requests(self) -> list[dict]:
        with self.lock:
            return list(self.received)


def parsed(inbox: Inbox) -> list[tuple[list[str], email.message.Message]]:
    """The inbox's messages as (envelope recipients, parsed message)."""
    return [
        (to, email.message_from_bytes(content.encode("utf-8"), policy=email.policy.default))
        for to, content in list(inbox.messages)
    ]


def stop_worker(worker) -> str:
    """Stop a worker still running (SIGTERM, as an operator would); its output."""
    if worker is None:
        return ""
    if worker.poll() is None:
        worker.terminate()
    try:
        return worker.communicate(timeout=30)[0].decode(errors="replace")
    except subprocess.TimeoutExpired:
        worker.kill()
        return worker.communicate(timeout=10)[0].decode(errors="replace")
