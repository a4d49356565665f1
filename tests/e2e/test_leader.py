"""Two operator replicas with leader election: only the leader pushes;
killing it hands over within the lease time."""
from e2e_lib import *

LEASE = 2.0  # seconds; short so the test is fast


def scenario(work):
    api, kubectl, sidecars, _ = setup_cluster(work, pods=3, operator=False)
    flags = ["--leader-elect", "--lease-namespace", "default", "--lease-name", "trove-e2e",
             "--lease-duration", f"{LEASE}s", "--renew-deadline", "1500ms",
             "--retry-period", "250ms"]
    ops = [Operator(work, api, name="op-a", extra=flags), Operator(work, api, name="op-b", extra=flags)]
    leader = wait_until(lambda: [o for o in ops if o.metric("trove_operator_leader") == 1], 20,
                        what="a leader")
    assert len(leader) == 1, [o.name for o in leader]
    leader = leader[0]
    follower = [o for o in ops if o is not leader][0]
    log(f"leader {leader.name}, follower {follower.name}")

    kubectl.apply(hunt_manifest("game", 64, 8))
    wait_until(lambda: all_tuned(sidecars, 64, 8), 20, what="tuning by the leader")
    assert leader.metric("trove_operator_tuning_pushes_total", result="success") == 3
    assert follower.metric("trove_operator_tuning_pushes_total") == 0, "the follower pushed"
    assert follower.metric("controller_runtime_reconcile_total") == 0, "the follower reconciled"

    leader.proc.kill()  # SIGKILL: no lease release, the follower must wait it out
    t0 = time.monotonic()
    kubectl.apply(hunt_manifest("game", 72, 9))
    wait_until(lambda: all_tuned(sidecars, 72, 9), 20, what="tuning by the new leader")
    handover = time.monotonic() - t0
    log(f"handover: new spec applied {handover:.2f}s after the leader was killed "
        f"(lease {LEASE:.1f}s)")
    assert follower.metric("trove_operator_leader") == 1
    assert handover <= LEASE + 2.0, f"handover took {handover:.2f}s"
    holder = api.must("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/trove-e2e")
    assert holder["spec"]["holderIdentity"] == follower.name, holder["spec"]

    # Graceful stop releases the lease (holderIdentity emptied).
    assert follower.proc.stop() == 0
    holder = api.must("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/trove-e2e")
    assert not holder["spec"].get("holderIdentity"), holder["spec"]


if __name__ == "__main__":
    run("leader", scenario)
