"""Static tuning reaches three sidecars; a changed spec retunes all of them;
an override retunes exactly one; kubectl sees Pods 3 / Tuned 3 / Ready True."""
from e2e_lib import *


def scenario(work):
    api, kubectl, sidecars, op = setup_cluster(work, pods=3)
    kubectl.apply(hunt_manifest("game", 64, 8))
    wait_until(lambda: all_tuned(sidecars, 64, 8, generation=1), 20,
               what="64 MiB / 8 ms on all three sidecars")
    log("static tuning applied to all three sidecars")
    kubectl.run("wait", "--for=condition=Ready", "treasurehunt/game", "--timeout=20s")

    row = wait_until(lambda: (lambda out: out if out.split()[1:4] == ["3", "3", "True"] else None)(
        kubectl.run("get", "th", "game", "--no-headers")), 10, what="kubectl get th: 3 3 True")
    log(f"kubectl get th: {row.strip()}")
    header = kubectl.run("get", "th", "-o", "wide").splitlines()[0].split()
    assert header == ["NAME", "PODS", "TUNED", "READY", "SIZEMIB", "EPOCHMS", "AGE"], header
    assert kubectl.run("get", "th", "game", "-o", "wide", "--no-headers").split()[4:6] == ["64", "8"]
    assert "game" in kubectl.run("get", "trove"), "category trove lists the hunt"

    status = api.hunt("game")["status"]
    assert status["observedGeneration"] == 1, status
    assert [p["name"] for p in status["pods"]] == ["game-0", "game-1", "game-2"], status["pods"]
    assert all(p["source"] == "static" and p["arenaBytes"] == 64 << 20 for p in status["pods"])
    ready_since = api.condition("game", "Ready")["lastTransitionTime"]

    # A changed spec retunes every pod, with the new generation.
    kubectl.apply(hunt_manifest("game", 96, 12))
    wait_until(lambda: all_tuned(sidecars, 96, 12, generation=2), 20, what="96 MiB / 12 ms")
    wait_until(lambda: api.hunt("game")["status"]["observedGeneration"] == 2, 10,
               what="observedGeneration 2")
    log("changed spec retuned all three sidecars")

    # An override retunes exactly one pod.
    pushes = op.metric("trove_operator_tuning_pushes_total", result="success")
    kubectl.apply(hunt_manifest("game", 96, 12, overrides=[{"podName": "game-1", "sizeMiB": 200}]))
    wait_until(lambda: sidecars[1].tuning()["arenaBytes"] == 200 << 20, 20, what="override on game-1")
    for s in (sidecars[0], sidecars[2]):
        t = s.tuning()
        assert (t["arenaBytes"], t["epochMillis"], t["generation"]) == (96 << 20, 12, 2), (s.name, t)
    wait_until(lambda: api.hunt("game")["status"]["observedGeneration"] == 3, 10,
               what="observedGeneration 3")
    delta = op.metric("trove_operator_tuning_pushes_total", result="success") - pushes
    assert delta == 1, f"override pushed {delta} times, want exactly 1"
    entry = [p for p in api.hunt("game")["status"]["pods"] if p["name"] == "game-1"][0]
    assert entry["source"] == "override", entry
    kubectl.run("wait", "--for=condition=Ready", "th/game", "--timeout=20s")
    assert api.condition("game", "Ready")["lastTransitionTime"] == ready_since, \
        "Ready stayed True, so its lastTransitionTime must not move"
    log("override retuned game-1 only")

    # Metrics the dashboards read.
    assert op.metric("trove_operator_pods_tuned", namespace="default", hunt="game") == 3
    assert op.metric("trove_operator_pods_selected", namespace="default", hunt="game") == 3
    assert op.metric("controller_runtime_reconcile_total", controller="treasurehunt") > 0
    assert op.metric("workqueue_adds_total", name="treasurehunt") > 0
    assert op.metric("trove_operator_leader") == 1

    # Graceful shutdown: SIGTERM exits 0.
    rc = op.proc.stop()
    assert rc == 0, f"operator exit code {rc} on SIGTERM"


if __name__ == "__main__":
    run("static", scenario)
