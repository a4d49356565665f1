"""SIGTERM while work is in flight: a large ingest request being processed,
keep-alive polls, and admin scrapes (/metrics, /admin/v1/stats) running when
the signal lands. The server must finish the request, drain and exit 0,
round after round (the bench's soak recorded exit 139, SIGSEGV, after
SIGTERM).

Why a large request and 1 ms epochs: the request spans many 2 MiB chunks of
its worker's epoch arena plus one large block for the batch copy. At the
next epoch boundary the worker releases the block and trims chunks, and asks
the purge thread to purge its jemalloc arena; the purge of tens of MiB takes
milliseconds and the trims keep asking for more at every 1 ms boundary until
the worker stops. The server then destroys the workers (and their jemalloc
arenas) a few milliseconds after the drain: a purge still running at that
point purged a destroyed arena and crashed the process."""
import http.client
import random
import signal
import threading
import time
import unittest

from harness import SLOW, Server

# About 48 MiB of NDJSON (~800,000 messages) in release builds: a large
# block and ~75 arena chunks. Sanitizer builds have no jemalloc arenas to
# race on and run several times slower, so they send less and run fewer
# rounds (the shutdown path is the same).
LINES = 800000 if SLOW == 1 else 50000
ROUNDS = 5 if SLOW == 1 else 2
MAX_BODY_BYTES = 64 << 20
BOXES = 60000  # under the harness's --max-boxes 65536
# The first request (48 MiB) must arrive whole within the server's handshake
# deadline (slowloris, 5 s by default), which a loaded machine can exceed.
FIRST_REQUEST_DEADLINE_MS = 120000


def ndjson(lines):
    return "".join('{"box":%d,"state":"open","x":%d.5,"y":-3.25}\n' % (i % BOXES + 1, i % 1000)
                   for i in range(lines)).encode()


class BackgroundClients:
    """Polls on the data port and scrapes on the admin port, until stopped
    or until the server goes away."""

    def __init__(self, server):
        self.server = server
        self.stop = threading.Event()
        self.scrapes = 0
        self.threads = [
            threading.Thread(target=self.quietly, args=(self.poll,), daemon=True),
            threading.Thread(target=self.quietly, args=(self.scrape, "/metrics"), daemon=True),
            threading.Thread(target=self.quietly, args=(self.scrape, "/admin/v1/stats"),
                             daemon=True),
        ]
        for t in self.threads:
            t.start()

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=20 * SLOW)

    def quietly(self, loop, *args):
        # The server closing or refusing connections ends a loop: that is
        # the shutdown under test, not a client failure.
        try:
            loop(*args)
        except (OSError, http.client.HTTPException):
            pass

    def poll(self):
        c = http.client.HTTPConnection("127.0.0.1", self.server.data, timeout=10 * SLOW)
        box = 1
        while not self.stop.is_set():
            c.request("GET", "/v1/boxes/%d" % box)
            r = c.getresponse()
            r.read()
            if r.getheader("Connection", "").lower() == "close":
                return
            box = box % 1000 + 1

    def scrape(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.server.admin, timeout=10 * SLOW)
        while not self.stop.is_set():
            c.request("GET", path)
            c.getresponse().read()
            self.scrapes += 1


class ShutdownUnderLoad(unittest.TestCase):
    def test_sigterm_during_large_ingest_with_polls_and_scrapes_exits_0_every_time(self):
        body = ndjson(LINES)
        rng = random.Random(7)
        for round_ in range(ROUNDS):
            server = Server("--epoch-ms", "1", "--max-body-bytes", str(MAX_BODY_BYTES),
                            "--handshake-timeout-ms", str(FIRST_REQUEST_DEADLINE_MS))
            clients = BackgroundClients(server)
            ingest = http.client.HTTPConnection("127.0.0.1", server.ingest_port, timeout=60 * SLOW)
            # A first request grows the arena; the second is in flight at the signal.
            ingest.request("POST", "/v1/ingest", body)
            first = ingest.getresponse()
            first_ack = first.read().decode()
            self.assertEqual(first.status, 200, first_ack)
            ingest.request("POST", "/v1/ingest", body)
            # The body is sent: the server is parsing it. Signal at a different
            # point of the request (or just after it) each round.
            time.sleep(rng.uniform(0.0, 0.3) * SLOW)
            server.proc.send_signal(signal.SIGTERM)
            try:
                second = ingest.getresponse()
                ack = second.read().decode()
                # Drain finishes a request in flight, then closes its connection.
                self.assertEqual(second.status, 200, ack)
                self.assertIn('"accepted":%d' % LINES, ack)
            except (OSError, http.client.HTTPException) as e:
                # Only a crash cuts the connection; the exit code says which.
                ack = "no answer: %r" % e
            rc = server.stop(signal.SIGTERM, timeout=30)
            clients.join()
            self.assertGreater(clients.scrapes, 0, "round %d: no admin scrape ran" % round_)
            self.assertEqual(rc, 0, "round %d: trove-server exit code %d after SIGTERM during "
                             "ingest (ack: %s)\n%s" % (round_, rc, ack[:200], server.output()))


if __name__ == "__main__":
    unittest.main()
