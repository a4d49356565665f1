"""Convergence measurement: N simulated pods (one real trove-server each, on
127.0.1.x), one TreasureHunt selecting all of them; each run changes the spec
with kubectl apply and measures the time until every sidecar's
GET /admin/v1/tuning shows the new values. Prints each run and the median.

    python3 tests/e2e/convergence.py --build-dir build/release [--pods 100] [--runs 5]

The clock starts just before `kubectl apply` (so kubectl's own ~0.1 s is
included) and stops when the last sidecar answers with the new tuning.
"""
import argparse
import statistics
from concurrent.futures import ThreadPoolExecutor

from e2e_lib import *


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="build/release")
    ap.add_argument("--pods", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--push-concurrency", type=int, default=16)
    args = ap.parse_args()
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    b = os.path.abspath(args.build_dir)
    os.environ.setdefault("TROVE_OPERATOR_BIN", f"{b}/operator/app/trove-operator")
    os.environ.setdefault("TROVE_SERVER_BIN", f"{b}/server/app/trove-server")
    os.environ.setdefault("TROVE_FAKEAPI_BIN", f"{b}/tests/fakeapi/trove-fake-apiserver")
    os.environ.setdefault("TROVE_KUBECTL", f"{root}/build/tools/kubectl")
    os.environ.setdefault("TROVE_CRD", f"{root}/crds/treasurehunts.trove.dev.yaml")

    def scenario(work):
        api, kubectl, _, _ = setup_cluster(work, pods=0, operator=False)
        t_start = time.monotonic()
        sidecars = [Sidecar.__new__(Sidecar) for _ in range(args.pods)]
        # Start every process first, then wait for their port files.
        for i, s in enumerate(sidecars):
            s.work, s.name, s.ip = work, f"sim-{i:03d}", f"127.0.1.{i + 1}"
            s.token_file = work.file(f"{s.name}.token")
            with open(s.token_file, "w") as fh:
                fh.write(SIDECAR_TOKEN + "\n")
            s.port_file = work.file(f"{s.name}.port")
            s.admin_port, s.proc = 0, None
            s.proc = Proc(work, s.name, [env_path("TROVE_SERVER_BIN"), "--bind", s.ip, "--port", "0",
                                          "--ingest-bind", s.ip, "--ingest-port", "0",
                                          "--admin-bind", s.ip, "--admin-port", "0", "--workers", "1",
                                          "--max-boxes", "1024", "--admin-token-file", s.token_file,
                                          "--port-file", s.port_file])
        for s in sidecars:
            ports = wait_until(lambda: json.load(open(s.port_file)), 60, what=f"{s.name} port")
            s.admin_port, s.data_port, s.ingest_port = ports["admin"], ports["data"], ports["ingest"]
            api.create_pod(s.name, s.ip, s.admin_port, {"app": "sim"})
        log(f"{args.pods} sidecars and pods up in {time.monotonic() - t_start:.1f}s")
        op = Operator(work, api, extra=["--push-concurrency", str(args.push_concurrency)],
                      autotune_interval="30s")
        wait_until(op.ready, 20, what="operator ready")

        pool = ThreadPoolExecutor(max_workers=32)

        def converged(size, epoch):
            return all(pool.map(lambda s: (lambda t: t["arenaBytes"] == size << 20
                                           and t["epochMillis"] == epoch)(s.tuning()), sidecars))

        kubectl.apply(hunt_manifest("sim", 64, 16, selector={"app": "sim"}))
        wait_until(lambda: converged(64, 16), 60, interval=0.01, what="initial tuning")
        times = []
        for run_no in range(args.runs):
            size, epoch = 65 + run_no, 16 + (run_no % 2)
            manifest = hunt_manifest("sim", size, epoch, selector={"app": "sim"})
            t0 = time.monotonic()
            kubectl.apply(manifest)
            wait_until(lambda: converged(size, epoch), 60, interval=0.005,
                       what=f"run {run_no + 1} converged")
            dt = time.monotonic() - t0
            times.append(dt)
            log(f"run {run_no + 1}: spec change -> applied on all {args.pods} pods in {dt:.3f}s")
            time.sleep(0.5)
        med = statistics.median(times)
        print(f"CONVERGENCE pods={args.pods} runs={args.runs} "
              f"median={med:.3f}s min={min(times):.3f}s max={max(times):.3f}s "
              f"target<=2s {'MET' if med <= 2.0 else 'MISSED'}", flush=True)
        st = api.hunt("sim")["status"]
        assert st["tunedCount"] == args.pods and st["podCount"] == args.pods, \
            {k: st[k] for k in ("podCount", "tunedCount")}
        pool.shutdown()

    run("convergence", scenario)


if __name__ == "__main__":
    main()
