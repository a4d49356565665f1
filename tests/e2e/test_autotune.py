"""Autotune: one sidecar under heavy ingest, one under light ingest. Their
arena sizes move in the direction of their load, within the hunt's bounds,
and stop changing once the load is steady. Prints both trajectories."""
import threading

from e2e_lib import *

MIN_MIB, MAX_MIB, START_MIB, EPOCH_MS = 1, 64, 2, 64


def ingest_python(sidecar, rate, stop):
    """HTTP POST /v1/ingest of NDJSON batches at about `rate` messages/s."""
    import http.client
    batch = 1000 if rate >= 10000 else 10
    lines = "\n".join(json.dumps({"box": i % 4000 + 1, "hunt": "spring", "x": 12.5, "y": -3.25,
                                  "state": "open", "ts": 1732712345678, "player": f"p-{i}"})
                      for i in range(batch)).encode()
    conn = http.client.HTTPConnection(sidecar.ip, sidecar.ingest_port, timeout=5)
    period = batch / rate
    next_t = time.monotonic()
    while not stop.is_set():
        try:
            conn.request("POST", "/v1/ingest", body=lines,
                         headers={"Content-Type": "application/x-ndjson"})
            conn.getresponse().read()
        except Exception:
            conn.close()
            conn = http.client.HTTPConnection(sidecar.ip, sidecar.ingest_port, timeout=5)
        next_t += period
        delay = next_t - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_t = time.monotonic()  # behind: run closed-loop, do not burst


def start_load(work, sidecar, rate, stop, name):
    loadgen = os.environ.get("TROVE_LOADGEN_BIN", "")
    if loadgen and os.path.exists(loadgen):
        return Proc(work, name, [loadgen, "--host", sidecar.ip, "--port", str(sidecar.data_port),
                                 "--ingest-port", str(sidecar.ingest_port),
                                 "--duration", "600", "--ingest-conns", "1",
                                 "--ingest-protocol", "ws", "--batch", "100" if rate > 10000 else "10",
                                 "--ingest-rate", str(rate), "--ingest-boxes", "1-4000"])
    t = threading.Thread(target=ingest_python, args=(sidecar, rate, stop), daemon=True)
    t.start()
    return t


def scenario(work):
    api, kubectl, sidecars, op = setup_cluster(work, pods=2)
    heavy, light = sidecars
    stop = threading.Event()
    loads = [start_load(work, heavy, 200000, stop, "load-heavy"),
             start_load(work, light, 500, stop, "load-light")]
    autotune = {"enabled": True, "minSizeMiB": MIN_MIB, "maxSizeMiB": MAX_MIB,
                "minEpochMillis": EPOCH_MS, "maxEpochMillis": EPOCH_MS, "windowSamples": 3,
                "targets": {"headroomPercent": 100, "maxStepPercent": 25, "hysteresisPercent": 10,
                            "resetPurgeBudgetMicros": 100000}}
    # Static first, so both start from the same size; then autotune takes over.
    kubectl.apply(hunt_manifest("game", START_MIB, EPOCH_MS))
    wait_until(lambda: all_tuned(sidecars, START_MIB, EPOCH_MS), 20, what="static start")
    # The load must show in the heavy sidecar's stats before the tuner looks.
    wait_until(lambda: heavy.stats()["epoch"]["highWaterBytes"]["p99"] > (512 << 10), 20,
               what="heavy load visible in the sidecar's high-water")
    t0 = time.monotonic()
    trajectory = [(0.0, START_MIB, START_MIB)]  # (seconds since apply, heavy MiB, light MiB)
    kubectl.apply(hunt_manifest("game", START_MIB, EPOCH_MS, autotune=autotune))
    last_change = t0
    steady_for = 6.0
    while time.monotonic() - t0 < 45:
        h = heavy.tuning()["arenaBytes"] / (1 << 20)
        l = light.tuning()["arenaBytes"] / (1 << 20)
        now = time.monotonic()
        if not trajectory or (h, l) != trajectory[-1][1:]:
            trajectory.append((now - t0, h, l))
            last_change = now
        if h > START_MIB and l < START_MIB and now - last_change >= steady_for:
            break
        time.sleep(0.25)
    stop.set()
    for p in loads:
        if isinstance(p, Proc):
            p.stop()

    print("autotune arena-size trajectory (MiB per worker; t = seconds since apply):")
    print("   t[s]   heavy   light")
    for t, h, l in trajectory:
        print(f"  {t:5.1f}  {h:6.0f}  {l:6.0f}")
    final_h, final_l = trajectory[-1][1], trajectory[-1][2]
    assert final_h > START_MIB, f"heavy sidecar did not grow: {final_h} MiB"
    assert final_l < START_MIB, f"light sidecar did not shrink: {final_l} MiB"
    assert all(MIN_MIB <= x <= MAX_MIB for _, h, l in trajectory for x in (h, l))
    assert time.monotonic() - last_change >= steady_for, "sizes still changing under steady load"
    # Each step is damped: at most +25% (rounded up to a whole MiB) or -25%.
    for (_, h0, l0), (_, h1, l1) in zip(trajectory, trajectory[1:]):
        assert h1 <= max(h0 * 1.25 + 1, h0 + 1) and l1 >= l0 * 0.75 - 1, (h0, h1, l0, l1)
    entry = {p["name"]: p for p in api.hunt("game")["status"]["pods"]}
    assert entry["game-0"]["source"] == "autotune", entry
    assert "high-water" in entry["game-0"]["decision"], entry["game-0"]
    log(f"heavy: {entry['game-0']['decision']}")
    log(f"light: {entry['game-1']['decision']}")


if __name__ == "__main__":
    run("autotune", scenario)
