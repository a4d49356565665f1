"""Admin port: probes, /help, metrics (promtool), tuning, stats."""
import json
import os
import subprocess
import time
import unittest

from harness import SLOW, TSAN, RawHttp, ServerTestCase

TOKEN = "s3cret-token"


class Admin(ServerTestCase):
    token = TOKEN

    def test_probes_and_help(self):
        self.assertEqual(self.server.admin_request("GET", "/healthz"), (200, "ok\n"))
        self.assertEqual(self.server.admin_request("GET", "/readyz")[0], 200)
        status, text = self.server.admin_request("GET", "/help")
        self.assertEqual(status, 200)
        for route in ["GET /healthz", "GET /readyz", "GET /metrics", "GET /admin/v1/tuning [token]",
                      "PUT /admin/v1/tuning [mutates] [token]", "GET /admin/v1/stats",
                      "POST /admin/v1/drain [mutates] [token]"]:
            self.assertIn(route, text)
        self.assertEqual(self.server.admin_request("GET", "/admin/v1/drain")[0], 405)

    def test_metrics_pass_promtool_and_name_every_contract_metric(self):
        self.server.ingest(['{"box":1,"state":"open"}', "garbage"])
        text = self.server.metrics()
        check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                               capture_output=True)
        self.assertEqual(check.returncode, 0, check.stdout.decode() + check.stderr.decode())
        for name in ["trove_ingest_messages_total", "trove_ingest_bytes_total",
                     "trove_poll_requests_total", "trove_request_duration_seconds",
                     "trove_connections", "trove_connections_rejected_total",
                     "trove_limit_exceeded_total", "trove_ws_pushes_total",
                     "trove_epoch_resets_total", "trove_epoch_reset_duration_seconds",
                     "trove_epoch_purge_duration_seconds", "trove_arena_capacity_bytes",
                     "trove_arena_resident_bytes", "trove_arena_high_water_bytes",
                     "trove_arena_overflows_total", "trove_change_inbox_changes",
                     "trove_process_resident_memory_bytes",
                     "trove_tuning_generation", "trove_tuning_arena_bytes",
                     "trove_tuning_epoch_seconds", "trove_store_boxes", "trove_store_capacity",
                     "trove_store_spill_bytes", "trove_store_spill_refused_total",
                     "trove_draining"]:
            self.assertIn("# HELP %s " % name, text, name)
        self.assertEqual(self.server.metric("trove_store_boxes"), 1)
        self.assertEqual(self.server.metric("trove_store_capacity"), 65536)
        self.assertEqual(self.server.metric("trove_store_spill_bytes", state="reserved"), 1 << 30)
        self.assertEqual(self.server.metric("trove_store_spill_bytes", state="used"), 0)
        self.assertGreater(self.server.metric("trove_epoch_resets_total", worker="1"), 0)
        self.assertGreater(self.server.metric("trove_process_resident_memory_bytes"), 1 << 20)
        self.assertEqual(
            self.server.metric("trove_request_duration_seconds_count", protocol="http",
                               route="ingest"), 1)

    def test_tuning_put_is_applied_everywhere(self):
        self.assertEqual(self.server.admin_request("GET", "/admin/v1/tuning", token=TOKEN),
                         (200, '{"arenaBytes":4194304,"epochMillis":16,"generation":0}'))
        self.server.ingest(['{"box":1,"state":"open"}'])
        keep_alive = RawHttp(self.server.data)
        keep_alive.send("GET /v1/boxes/1 HTTP/1.1\r\n\r\n")
        self.assertIn(b"200 OK", keep_alive.sock.recv(4096))
        body = '{"arenaBytes":8388608,"epochMillis":25,"generation":3}'
        status, text = self.server.admin_request("PUT", "/admin/v1/tuning", body, token=TOKEN)
        self.assertEqual(status, 200, text)
        self.assertEqual(json.loads(text), json.loads(body))
        self.assertEqual(json.loads(self.server.admin_request(
            "GET", "/admin/v1/tuning", token=TOKEN)[1]), json.loads(body))
        stats = json.loads(self.server.admin_request("GET", "/admin/v1/stats")[1])
        self.assertEqual(stats["tuning"], json.loads(body))
        self.assertEqual(self.server.metric("trove_tuning_generation"), 3)
        self.assertEqual(self.server.metric("trove_tuning_arena_bytes"), 8388608)
        self.assertEqual(self.server.metric("trove_tuning_epoch_seconds"), 0.025)
        # Each worker applies the capacity at its next epoch boundary.
        deadline = time.time() + 5 * SLOW
        while time.time() < deadline:
            if (self.server.metric("trove_arena_capacity_bytes", worker="0") == 8388608 and
                    self.server.metric("trove_arena_capacity_bytes", worker="1") == 8388608):
                break
            time.sleep(0.05)
        self.assertEqual(self.server.metric("trove_arena_capacity_bytes"), 2 * 8388608)
        # The change dropped no connection: the keep-alive still answers.
        keep_alive.send("GET /v1/boxes/1 HTTP/1.1\r\nConnection: close\r\n\r\n")
        self.assertTrue(keep_alive.read_all().startswith("HTTP/1.1 200"))
        # Same generation, same values: idempotent 200.
        self.assertEqual(self.server.admin_request("PUT", "/admin/v1/tuning", body, token=TOKEN)[0], 200)
        # Stale generation: 409.
        status, text = self.server.admin_request(
            "PUT", "/admin/v1/tuning", '{"arenaBytes":2097152,"epochMillis":25,"generation":2}',
            token=TOKEN)
        self.assertEqual(status, 409, text)
        self.assertEqual(self.server.metric("trove_tuning_generation"), 3)

    def test_tuning_owner_takes_over_whatever_its_generation(self):
        # Hunt A tuned this sidecar to generation 5; A is deleted and hunt B
        # (generation 1, another uid) takes the pod.
        a = '{"arenaBytes":8388608,"epochMillis":25,"generation":5,"owner":"uid-a"}'
        status, text = self.server.admin_request("PUT", "/admin/v1/tuning", a, token=TOKEN)
        self.assertEqual((status, json.loads(text)), (200, json.loads(a)), text)
        b = '{"arenaBytes":2097152,"epochMillis":12,"generation":1,"owner":"uid-b"}'
        status, text = self.server.admin_request("PUT", "/admin/v1/tuning", b, token=TOKEN)
        self.assertEqual(status, 200, "a new owner's lower generation is not stale: " + text)
        self.assertEqual(json.loads(text), json.loads(b))
        self.assertEqual(json.loads(self.server.admin_request(
            "GET", "/admin/v1/tuning", token=TOKEN)[1]), json.loads(b))
        stats = json.loads(self.server.admin_request("GET", "/admin/v1/stats")[1])
        self.assertEqual(stats["tuning"], json.loads(b))
        self.assertEqual(self.server.metric("trove_tuning_generation"), 1)
        self.assertEqual(self.server.metric("trove_tuning_arena_bytes"), 2097152)
        # Within owner B, generations still order writes.
        status, text = self.server.admin_request(
            "PUT", "/admin/v1/tuning",
            '{"arenaBytes":4194304,"epochMillis":12,"generation":0,"owner":"uid-b"}', token=TOKEN)
        self.assertEqual(status, 409, text)
        self.assertEqual(json.loads(text)["field"], "generation")
        # The same owner, generation and values again: the idempotent 200.
        status, text = self.server.admin_request("PUT", "/admin/v1/tuning", b, token=TOKEN)
        self.assertEqual((status, json.loads(text)), (200, json.loads(b)), text)
        self.assertEqual(self.server.metric("trove_tuning_generation"), 1)
        # Hostile owners are refused naming the field, and change nothing.
        for owner in ['7', 'null', '["a"]', '"' + "x" * 129 + '"', r'"a\nb"', r'"a\u0000b"',
                      r'"a\u007fb"', r'"caf\u00e9"', '"caf\u00e9"']:
            body = '{"epochMillis":16,"generation":9,"owner":%s}' % owner
            status, text = self.server.admin_request("PUT", "/admin/v1/tuning", body, token=TOKEN)
            self.assertEqual(status, 400, body)
            self.assertEqual(json.loads(text).get("field"), "owner", body + " -> " + text)
        self.assertEqual(self.server.metric("trove_tuning_generation"), 1)
        self.assertEqual(self.server.metric("trove_tuning_arena_bytes"), 2097152)

    def test_tuning_errors_name_the_field(self):
        cases = [
            ('{"arenaBytes":1024,"epochMillis":16,"generation":1}', "arenaBytes"),
            ('{"arenaBytes":68719476737,"generation":1}', "arenaBytes"),
            ('{"epochMillis":0,"generation":1}', "epochMillis"),
            ('{"epochMillis":10001,"generation":1}', "epochMillis"),
            ('{"epochMillis":"16","generation":1}', "epochMillis"),
            ('{"epochMillis":16}', "generation"),
            ('{"epochMillis":16,"generation":-1}', "generation"),
            ('{"epochMilis":16,"generation":1}', "epochMilis"),
        ]
        for body, field in cases:
            status, text = self.server.admin_request("PUT", "/admin/v1/tuning", body, token=TOKEN)
            self.assertEqual(status, 400, body)
            self.assertEqual(json.loads(text)["field"], field, body)
        for body in ["", "{", "[1]", '{"generation":1' + " " * 70000 + "}"]:
            status, _ = self.server.admin_request("PUT", "/admin/v1/tuning", body, token=TOKEN)
            self.assertIn(status, (400, 413), body)
        self.assertEqual(self.server.metric("trove_tuning_generation"), 0)

    def test_tuning_needs_the_token(self):
        body = '{"epochMillis":20,"generation":1}'
        self.assertEqual(self.server.admin_request("PUT", "/admin/v1/tuning", body)[0], 401)
        self.assertEqual(self.server.admin_request("PUT", "/admin/v1/tuning", body, token="nope")[0], 401)
        self.assertEqual(self.server.admin_request("PUT", "/admin/v1/tuning", body,
                                                   token=TOKEN + "x")[0], 401)
        self.assertEqual(self.server.admin_request("GET", "/admin/v1/tuning")[0], 401)
        # Stats: token accepted, not required.
        self.assertEqual(self.server.admin_request("GET", "/admin/v1/stats")[0], 200)
        self.assertEqual(self.server.admin_request("GET", "/admin/v1/stats", token=TOKEN)[0], 200)
        self.assertEqual(self.server.metric("trove_tuning_generation"), 0)

    def test_stats_shape(self):
        self.server.ingest(['{"box":1}', '{"box":2}', "bad"])
        time.sleep(0.1)
        stats = json.loads(self.server.admin_request("GET", "/admin/v1/stats")[1])
        self.assertEqual(set(stats), {"tuning", "workers", "bootId", "epoch", "ingest", "rssBytes",
                                      "jemalloc", "state"})
        self.assertEqual(stats["state"], {"enabled": False})
        self.assertRegex(stats["bootId"], r"^[0-9a-f]{16}$")
        self.assertEqual(stats["workers"], 2)
        self.assertEqual(set(stats["epoch"]), {"windowEpochs", "highWaterBytes", "resetMicros",
                                               "purgeMicros", "overflows"})
        self.assertEqual(set(stats["epoch"]["highWaterBytes"]), {"p50", "p90", "p99", "max"})
        self.assertEqual(set(stats["epoch"]["resetMicros"]), {"p50", "p99", "max"})
        self.assertGreater(stats["epoch"]["windowEpochs"], 0)
        self.assertEqual((stats["ingest"]["accepted"], stats["ingest"]["rejected"]), (2, 1))
        self.assertGreater(stats["rssBytes"], 1 << 20)
        self.assertEqual(set(stats["jemalloc"]), {"allocated", "active", "resident", "mapped",
                                                  "retained", "metadata"})


class AdminWithoutToken(ServerTestCase):
    def test_tuning_writes_are_403_reads_open(self):
        self.assertEqual(self.server.admin_request(
            "PUT", "/admin/v1/tuning", '{"epochMillis":20,"generation":1}')[0], 403)
        self.assertEqual(self.server.admin_request("GET", "/admin/v1/tuning")[0], 200)


def wakeups(pid):
    """Voluntary context switches of all the process's threads so far."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            for line in f:
                if line.startswith("voluntary_ctxt_switches:"):
                    total += int(line.split()[1])
    return total


class Idle(ServerTestCase):
    """An idle sidecar sleeps: the epoch timers park once their arenas have
    been empty for a high-water window, the deadline sweepers park without
    connections, the signal watcher waits without a tick. Ingest and tuning
    changes wake a worker's epoch timer."""
    token = TOKEN

    def resets(self):
        return [self.server.metric("trove_epoch_resets_total", worker=str(w)) for w in (0, 1)]

    def wait_parked(self):
        deadline = time.time() + 10 * SLOW
        last = self.resets()
        while time.time() < deadline:
            time.sleep(0.3)
            now = self.resets()
            if now == last:
                return now
            last = now
        self.fail("epoch timers still ticking: resets %s" % last)

    def test_idle_server_sleeps_and_wakes_for_tuning_and_ingest(self):
        parked = self.wait_parked()
        self.assertGreater(min(parked), 0)  # both ticked before parking
        before = wakeups(self.server.pid)
        time.sleep(1.0)
        # Awake, two workers tick 62.5 + 20 times a second and the signal
        # watcher 10: ~175 wake-ups. Asleep, nothing of ours should wake;
        # ThreadSanitizer's own background thread sleeps in 100 ms steps.
        allowed = 10 + (12 if TSAN else 0)
        self.assertLessEqual(wakeups(self.server.pid) - before, allowed)
        # A tuning change wakes both epoch timers: each applies the capacity.
        body = '{"arenaBytes":8388608,"epochMillis":20,"generation":1}'
        self.assertEqual(self.server.admin_request("PUT", "/admin/v1/tuning", body,
                                                   token=TOKEN)[0], 200)
        for w in ("0", "1"):
            self.assertEqual(self.server.wait_metric(8388608, "trove_arena_capacity_bytes",
                                                     worker=w), 8388608, "worker " + w)
        # They park again; an ingest batch wakes the worker that takes it.
        parked = self.wait_parked()
        self.server.ingest(['{"box":1,"state":"open"}'])
        deadline = time.time() + 5 * SLOW
        while self.resets() == parked and time.time() < deadline:
            time.sleep(0.02)
        self.assertNotEqual(self.resets(), parked, "no epoch reset after ingest")
        # Every message was stored and the arena reset after it.
        self.assertEqual(self.server.metric("trove_store_boxes"), 1)



class TuningWithinTheMemoryBudget(ServerTestCase):
    token = TOKEN
    workers = 2
    server_args = ("--max-memory-mib", "1024")

    def test_an_arena_that_would_exceed_the_budget_over_all_workers_is_400_naming_arenaBytes(self):
        over = '{"arenaBytes":%d,"generation":1}' % (513 << 20)  # x 2 workers > 1024 MiB
        status, text = self.server.admin_request("PUT", "/admin/v1/tuning", over, token=TOKEN)
        self.assertEqual(status, 400, text)
        self.assertEqual(json.loads(text)["field"], "arenaBytes")
        self.assertIn("memory budget", json.loads(text)["error"])
        self.assertEqual(self.server.metric("trove_tuning_generation"), 0)
        fits = '{"arenaBytes":%d,"generation":1}' % (512 << 20)
        status, text = self.server.admin_request("PUT", "/admin/v1/tuning", fits, token=TOKEN)
        self.assertEqual(status, 200, text)
        self.assertEqual(self.server.metric("trove_tuning_generation"), 1)


if __name__ == "__main__":
    unittest.main()
