"""The receiving ends of bench/campaigns.py (not a benchmark itself), each run in a
process of its own so that it does not share the worker's interpreter:

    python bench/_sinks.py smtp PORT LOG      an aiosmtpd SMTP server
    python bench/_sinks.py gateway PORT LOG   an SMS/Zalo HTTP gateway (keep-alive)

Every message received is one line of LOG: "email<TAB>token<TAB>to" for the SMTP
server (the token read from the campaign's Message-ID), "<channel><TAB>key<TAB>to
<TAB>attempt" for the gateway. Nothing is deduplicated here: the benchmark counts
repeats itself. The process runs until it is sent SIGTERM."""

import json
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MESSAGE_ID = re.compile(rb"^Message-ID: <campaign-([^@>]+)@", re.MULTILINE | re.IGNORECASE)


def run_smtp(port: int, log) -> None:
    from aiosmtpd.controller import Controller

    lock = threading.Lock()

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            found = MESSAGE_ID.search(envelope.original_content or envelope.content)
            token = found.group(1).decode() if found else "-"
            with lock:
                for to in envelope.rcpt_tos:
                    log.write(f"email\t{token}\t{to}\n")
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
    finally:
        controller.stop()


def run_gateway(port: int, log) -> None:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a provider's API would
        # Headers and body go out in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK hold every answer back 40 ms.
        disable_nagle_algorithm = True

        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            key = self.headers.get("Idempotency-Key", "-")
            with lock:
                log.write(f"{body['channel']}\t{key}\t{body['to']}\t{body['attempt']}\n")
            answer = b'{"status": "accepted"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
    finally:
        server.shutdown()


def main() -> None:
    kind, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    with open(path, "a", buffering=1, encoding="utf-8") as log:
        started = time.monotonic()
        (run_smtp if kind == "smtp" else run_gateway)(port, log)
        log.flush()
    print(f"{kind} sink stopped after {time.monotonic() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
