"""Upgrade order: `helm upgrade` replaces the operator at once, but a game
pod's sidecar stays the version from before tuning owners until the pod
restarts. That version refuses the unknown member "owner" (400, field
"owner") and never reports an owner. The operator must still tune it (one
owner-less PUT, no TuningRejected), count it as tuned, and not push to it
again every reconcile; the owner comes back once the sidecar does report one.
The operator remembers an old sidecar per instance (the pod's uid and the
sidecar container's containerID and restartCount), so a sidecar restarted in
place is tried with an owner first: an old version refuses it again (counted
as owner_refused), a current one is tuned with the owner.

One pod's admin endpoint here is a stdlib fake of that old trove-server
(server/admin/{admin_service,tuning_api}.cpp before a7f7c3e); the other two
are real, current trove-servers. At the end a real trove-server replaces the
fake in the same pod (same IP and port, a new container instance)."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from e2e_lib import *  # after the stdlib: e2e_lib's http() shadows the module name

TUNING_FIELDS = ("arenaBytes", "epochMillis", "generation")
MIN_ARENA, MAX_ARENA = 1 << 20, 64 << 30
MIN_EPOCH, MAX_EPOCH = 1, 10000
UINT64_MAX = (1 << 64) - 1


class OldSidecar:
    """The old admin API: GET /admin/v1/stats (no token), GET and PUT
    /admin/v1/tuning (bearer token), answers byte-compatible with the old
    server's. `knows_owner` turns it into the current version (upgraded in
    place): "owner" accepted and echoed while non-empty."""

    def __init__(self, ip, token=SIDECAR_TOKEN):
        self.token = token
        self.lock = threading.Lock()
        self.tuning = {"arenaBytes": 128 << 20, "epochMillis": 16, "generation": 0}
        self.owner = ""
        self.knows_owner = False
        self.puts = []  # (status, request body), in order
        self.stats_gets = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body, content_type="application/json", headers=()):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def authorized(self):
                got = self.headers.get("Authorization", "")
                return got.startswith("Bearer ") and got[len("Bearer "):].strip() == fake.token

            def route(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode(errors="replace") if length else ""
                path = self.path.split("?", 1)[0]
                allowed = {"/admin/v1/stats": ("GET",), "/admin/v1/tuning": ("GET", "PUT")}
                if path not in allowed:
                    return self.reply(404, "not found; see /help\n", "text/plain")
                if method not in allowed[path]:
                    others = ", ".join(m for m in allowed[path] if m != method)
                    return self.reply(405, "method not allowed\n", "text/plain",
                                      [("Allow", others)])
                if path == "/admin/v1/stats":
                    with fake.lock:
                        fake.stats_gets += 1
                    return self.reply(200, fake.stats_json())
                if not self.authorized():
                    return self.reply(401, json.dumps({"error": "missing or wrong bearer token"},
                                                      separators=(",", ":")),
                                      headers=[("WWW-Authenticate", "Bearer")])
                if method == "GET":
                    return self.reply(200, fake.tuning_json())
                status, answer = fake.put_tuning(body)
                self.reply(status, answer)

            def do_GET(self):
                self.route("GET")

            def do_PUT(self):
                self.route("PUT")

            def do_POST(self):
                self.route("POST")

        self.server = ThreadingHTTPServer((ip, 0), Handler)
        self.server.daemon_threads = True
        self.ip, self.admin_port = ip, self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def restart_as_old_version(self):
        """The process starts again (the old version): start tuning, no owner."""
        with self.lock:
            self.tuning = {"arenaBytes": 128 << 20, "epochMillis": 16, "generation": 0}
            self.owner = ""
            self.knows_owner = False

    def tuning_json(self):
        with self.lock:
            t = dict(self.tuning)
            if self.owner:
                t["owner"] = self.owner
        return json.dumps(t, separators=(",", ":"))

    def stats_json(self):
        return json.dumps({
            "tuning": json.loads(self.tuning_json()), "workers": 1,
            "epoch": {"windowEpochs": 0,
                      "highWaterBytes": {"p50": 0, "p90": 0, "p99": 0, "max": 0},
                      "resetMicros": {"p50": 0.0, "p99": 0.0, "max": 0.0},
                      "purgeMicros": {"p50": 0.0, "p99": 0.0, "max": 0.0}, "overflows": 0},
            "ingest": {"messagesPerSecond": 0.0, "accepted": 0, "rejected": 0},
            "rssBytes": 10 << 20,
            "jemalloc": {k: 0 for k in ("allocated", "active", "resident", "mapped",
                                        "retained", "metadata")}}, separators=(",", ":"))

    @staticmethod
    def error(message, field=""):
        e = {"error": message}
        if field:
            e["field"] = field
        return json.dumps(e, separators=(",", ":"))

    def put_tuning(self, body):
        status, answer = self.apply(body)
        with self.lock:
            self.puts.append((status, body))
        return status, answer

    def apply(self, body):
        try:
            doc = json.loads(body)
        except ValueError as e:
            return 400, self.error(f"body is not a JSON object: {e}")
        if not isinstance(doc, dict):
            return 400, self.error("body is not a JSON object: not an object")
        known = TUNING_FIELDS + (("owner",) if self.knows_owner else ())
        for name in doc:
            if name not in known:
                return 400, self.error("unknown field (arenaBytes | epochMillis | generation)",
                                       name)
        with self.lock:
            nxt = dict(self.tuning)
            owner = self.owner
        for name, lo, hi, required in (("arenaBytes", MIN_ARENA, MAX_ARENA, False),
                                       ("epochMillis", MIN_EPOCH, MAX_EPOCH, False),
                                       ("generation", 0, UINT64_MAX, True)):
            if name not in doc:
                if required:
                    return 400, self.error(f"{name} is required", name)
                continue
            v = doc[name]
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= UINT64_MAX:
                return 400, self.error(f"{name} must be an unsigned integer", name)
            if not lo <= v <= hi:
                return 400, self.error(f"{name} {v} out of range {lo} .. {hi}", name)
            nxt[name] = v
        new_owner = doc.get("owner", "") if self.knows_owner else ""
        if not isinstance(new_owner, str):
            return 400, self.error("owner must be a string", "owner")
        with self.lock:
            # Old rule: stale below the current generation, whoever writes;
            # the upgraded rule compares generations only within one owner.
            if new_owner == owner and nxt["generation"] < self.tuning["generation"]:
                return 409, self.error(f"stale generation {nxt['generation']} < current "
                                       f"{self.tuning['generation']}", "generation")
            self.tuning, self.owner = nxt, new_owner
        return 200, self.tuning_json()

    def put_count(self):
        with self.lock:
            return len(self.puts)


def pod_entry(api, name, pod):
    return next((p for p in api.hunt(name).get("status", {}).get("pods", [])
                 if p["name"] == pod), None)


def hunt_ready_all_tuned(api, name, pods):
    st = api.hunt(name).get("status", {})
    return api.condition(name, "Ready").get("status") == "True" and \
        st.get("tunedCount") == pods and \
        all("lastError" not in p for p in st.get("pods", []))


def warning_reasons(kubectl):
    items = json.loads(kubectl.run("get", "events.events.k8s.io", "-o", "json"))["items"]
    return sorted({e.get("reason") for e in items if e.get("type") == "Warning"})


def settled_puts(old, since, quiet=2.5, timeout=20):
    """The PUTs the old sidecar got from index `since` on, once none came for
    `quiet` seconds (several reconciles at the 1 s interval)."""
    deadline = time.monotonic() + timeout
    seen, last_change = old.put_count(), time.monotonic()
    while time.monotonic() - last_change < quiet:
        assert time.monotonic() < deadline, f"PUTs never settled: {old.puts[since:]}"
        time.sleep(0.1)
        if old.put_count() != seen:
            seen, last_change = old.put_count(), time.monotonic()
    with old.lock:
        return list(old.puts[since:])


def scenario(work):
    api, kubectl, sidecars, _ = setup_cluster(work, pods=2, operator=False)
    old = OldSidecar("127.0.0.4")
    work.procs.append(old)  # stopped with the processes
    api.create_pod("game-2", old.ip, old.admin_port, {"app": "game"})
    api.set_container_status("game-2", "containerd://game-2-a", 0)
    op = Operator(work, api)  # reconciles every hunt each second (autotune interval)
    wait_until(op.ready, 20, what="operator /readyz")

    kubectl.apply(hunt_manifest("game", 64, 8))
    uid = api.hunt("game")["metadata"]["uid"]
    wait_until(lambda: old.tuning_json() == '{"arenaBytes":67108864,"epochMillis":8,"generation":1}',
               20, what="the old sidecar tuned to 64 MiB / 8 ms, generation 1")
    wait_until(lambda: all_tuned(sidecars, 64, 8, 1) and
               all(s.tuning().get("owner") == uid for s in sidecars), 20,
               what="the current sidecars tuned and owned by the hunt")
    wait_until(lambda: hunt_ready_all_tuned(api, "game", 3), 20,
               what="game Ready with all three pods tuned")
    entry = pod_entry(api, "game", "game-2")
    assert (entry["arenaBytes"], entry["epochMillis"], entry["generation"]) == (64 << 20, 8, 1), entry
    # Exactly: the PUT naming the owner (refused as the old server does), then
    # the same tuning without it.
    with old.lock:
        puts = list(old.puts)
    assert [s for s, _ in puts] == [400, 200], puts
    assert json.loads(puts[0][1]).get("owner") == uid, puts[0]
    assert json.loads(puts[1][1]) == {"arenaBytes": 64 << 20, "epochMillis": 8, "generation": 1}, \
        puts[1]
    refused = op.metric("trove_operator_tuning_pushes_total", result="owner_refused")
    assert refused == 1, f"the refused PUT counted as owner_refused {refused} times"
    log(f"old sidecar tuned without an owner after {puts[0][0]}; the others own {uid}")

    # Several reconciles later: no push to anyone, no error, no Warning.
    gets, n_puts = old.stats_gets, old.put_count()
    pushes = op.metric("trove_operator_tuning_pushes_total")
    time.sleep(3.5)
    assert old.stats_gets >= gets + 2, f"only {old.stats_gets - gets} reconciles read the pod"
    assert old.put_count() == n_puts, f"pushed again while tuned: {old.puts[n_puts:]}"
    assert op.metric("trove_operator_tuning_pushes_total") == pushes
    assert op.metric("trove_operator_tuning_pushes_total", result="error") == 0
    assert op.metric("trove_operator_pods_tuned", namespace="default", hunt="game") == 3
    warnings = warning_reasons(kubectl)
    assert warnings == [], f"Warning Events: {warnings}"
    log(f"{old.stats_gets - gets} reconciles: no further PUT, no Warning Event")

    # A spec edit reaches the old sidecar in one owner-less PUT.
    kubectl.apply(hunt_manifest("game", 96, 12))
    wait_until(lambda: json.loads(old.tuning_json()) ==
               {"arenaBytes": 96 << 20, "epochMillis": 12, "generation": 2}, 20,
               what="the old sidecar retuned to generation 2")
    wait_until(lambda: all_tuned(sidecars, 96, 12, 2), 20, what="current sidecars at generation 2")
    wait_until(lambda: hunt_ready_all_tuned(api, "game", 3) and
               api.hunt("game")["status"].get("observedGeneration") == 2, 20,
               what="game Ready at generation 2")
    with old.lock:
        puts = list(old.puts[n_puts:])
    assert [s for s, _ in puts] == [200] and "owner" not in json.loads(puts[0][1]), puts
    log("spec edit: one owner-less PUT to the old sidecar")

    # Upgraded in place: the sidecar now knows owners and reports one (another
    # writer's); the operator takes it over with the hunt's uid.
    with old.lock:
        old.knows_owner = True
        old.owner = "someone-else"
    wait_until(lambda: json.loads(old.tuning_json()).get("owner") == uid, 20,
               what="the upgraded sidecar owned by the hunt")
    wait_until(lambda: hunt_ready_all_tuned(api, "game", 3), 20, what="game Ready after upgrade")
    n_puts = old.put_count()
    time.sleep(2.5)
    assert old.put_count() == n_puts, f"pushed again while tuned: {old.puts[n_puts:]}"
    assert warning_reasons(kubectl) == []
    assert op.metric("trove_operator_tuning_pushes_total", result="error") == 0
    log("upgraded sidecar reports an owner: owned by the hunt again, no further PUT")

    # Rolled back in place (the old image again): the kubelet replaces the
    # container, which starts with its start tuning. The new instance is tried
    # with an owner, refuses it, and is then tuned without one. (Had the
    # operator read the restarted process before the pod showed the new
    # container, it probes the owner once per instance it sees: every PUT
    # naming the owner is refused, and the last PUT is owner-less.)
    refused = op.metric("trove_operator_tuning_pushes_total", result="owner_refused")
    n_puts = old.put_count()
    old.restart_as_old_version()
    api.set_container_status("game-2", "containerd://game-2-b", 1)
    wait_until(lambda: json.loads(old.tuning_json()) ==
               {"arenaBytes": 96 << 20, "epochMillis": 12, "generation": 2}, 20,
               what="the restarted old sidecar tuned without an owner")
    puts = settled_puts(old, n_puts)
    with_owner = [st for st, body in puts if json.loads(body).get("owner") == uid]
    assert with_owner and set(with_owner) == {400}, puts
    assert puts[-1][0] == 200 and "owner" not in json.loads(puts[-1][1]), puts
    assert len(puts) == 2 * len(with_owner), f"one owner-less retry per refusal: {puts}"
    assert op.metric("trove_operator_tuning_pushes_total", result="owner_refused") == \
        refused + len(with_owner), "each refused PUT counts as owner_refused"
    wait_until(lambda: hunt_ready_all_tuned(api, "game", 3), 20, what="game Ready after rollback")
    assert warning_reasons(kubectl) == []
    log(f"restarted as the old version: PUTs {[st for st, _ in puts]}, owner-less again")

    # Upgraded by a restart in place: a real, current trove-server replaces the
    # fake in the same pod (same IP and admin port), and the pod shows a new
    # container. The operator must try the owner again, although it tuned this
    # pod without one a moment ago.
    refused = op.metric("trove_operator_tuning_pushes_total", result="owner_refused")
    port = old.admin_port
    old.stop()
    current = Sidecar(work, "game-2-current", old.ip, admin_port=port)
    api.set_container_status("game-2", "containerd://game-2-c", 2)
    wait_until(lambda: current.tuning() == {"arenaBytes": 96 << 20, "epochMillis": 12,
                                            "generation": 2, "owner": uid}, 20,
               what="the restarted pod's current sidecar tuned and owned by the hunt")
    wait_until(lambda: hunt_ready_all_tuned(api, "game", 3), 20,
               what="game Ready after the restart in place")
    pushes = op.metric("trove_operator_tuning_pushes_total")
    time.sleep(2.5)
    assert op.metric("trove_operator_tuning_pushes_total") == pushes, "pushed again while tuned"
    assert op.metric("trove_operator_tuning_pushes_total", result="owner_refused") == refused, \
        "a current sidecar never refuses the owner"
    assert op.metric("trove_operator_tuning_pushes_total", result="error") == 0
    # The sidecar was down between the two processes: a poll may have seen it.
    warnings = set(warning_reasons(kubectl)) - {"SidecarUnreachable"}
    assert not warnings, f"Warning Events: {warnings}"
    log("restarted in place as a current sidecar: tuned with the owner, no further PUT")


if __name__ == "__main__":
    run("upgrade_order", scenario)
