"""Faults from the fake API server (dropped watches, 410 Gone, 409 on status
writes, 5xx) while the spec changes: the end state is still correct."""
from e2e_lib import *


def apply_through_faults(kubectl, manifest):
    """kubectl apply, retried: the injected faults hit kubectl's requests too."""
    for _ in range(20):
        try:
            return kubectl.apply(manifest)
        except AssertionError:
            time.sleep(0.1)
    raise AssertionError("kubectl apply kept failing")


def scenario(work):
    api, kubectl, sidecars, op = setup_cluster(work, pods=3)
    kubectl.apply(hunt_manifest("game", 64, 8))
    wait_until(lambda: all_tuned(sidecars, 64, 8), 20, what="initial tuning")

    api.faults({"watch": {"closeAfterEvents": 1},
                "requests": [{"verb": "patch", "resource": "treasurehunts", "status": 409, "count": 3},
                             {"verb": "patch", "resource": "treasurehunts", "status": 500,
                              "count": 2},
                             {"verb": "list", "status": 500, "count": 2},
                             {"verb": "watch", "status": 503, "count": 2}]})
    api.must("POST", "/_fake/expire")  # compacts history: watches get 410 and relist
    apply_through_faults(kubectl, hunt_manifest("game", 80, 10))
    api.must("POST", "/_fake/close-watches")
    api.must("POST", "/_fake/expire")
    apply_through_faults(kubectl, hunt_manifest("game", 100, 12))
    # A pod flaps not-ready and back while watches keep dropping.
    api.set_pod_status("game-0", sidecars[0].ip, ready=False)
    api.set_pod_status("game-0", sidecars[0].ip, ready=True)

    wait_until(lambda: all_tuned(sidecars, 100, 12), 30, what="final spec on all pods")
    api.clear_faults()

    def settled():
        st = api.hunt("game").get("status", {})
        return (st.get("observedGeneration") == 3 and st.get("tunedCount") == 3
                and api.condition("game", "Ready").get("status") == "True")
    wait_until(settled, 30, what="status settled at generation 3, 3 tuned, Ready")
    kubectl.run("wait", "--for=condition=Ready", "th/game", "--timeout=20s")
    restarts = op.metric("trove_operator_watch_restarts_total")
    relists = op.metric("trove_operator_relists_total")
    log(f"end state correct; watch restarts {restarts:.0f}, relists {relists:.0f}")
    assert restarts + relists > 0, "the faults should have restarted watches"


if __name__ == "__main__":
    run("faults", scenario)
