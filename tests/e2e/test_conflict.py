"""Two hunts selecting one pod: the older tunes it, the newer is Degraded
with reason Conflict naming the pod; deleting the older hands the pod over."""
from e2e_lib import *


def scenario(work):
    api, kubectl, sidecars, op = setup_cluster(work, pods=2)
    shared = Sidecar(work, "shared-0", "127.0.0.9")
    api.create_pod("shared-0", shared.ip, shared.admin_port, {"app": "game", "team": "blue"})

    kubectl.apply(hunt_manifest("alpha", 64, 8, selector={"app": "game"}))
    wait_until(lambda: all_tuned(sidecars + [shared], 64, 8), 20, what="alpha tunes all three")
    time.sleep(1.1)  # creationTimestamps have second precision: make beta newer
    kubectl.apply(hunt_manifest("beta", 32, 4, selector={"team": "blue"}))

    def beta_conflict():
        c = api.condition("beta", "Degraded")
        return c.get("reason") == "Conflict" and "shared-0" in c.get("message", "") \
            and "alpha" in c.get("message", "")
    wait_until(beta_conflict, 20, what="beta Degraded/Conflict naming shared-0")
    log(f"beta: {api.condition('beta', 'Degraded')['message']}")
    time.sleep(1.0)  # several reconciles: the older hunt must keep the pod
    assert all_tuned([shared], 64, 8), shared.tuning()
    assert api.condition("alpha", "Degraded")["status"] == "False"
    assert api.hunt("beta")["status"]["podCount"] == 0

    kubectl.run("delete", "th", "alpha")
    wait_until(lambda: all_tuned([shared], 32, 4), 20, what="beta takes shared-0 over")
    wait_until(lambda: api.condition("beta", "Degraded").get("status") == "False", 20,
               what="beta no longer Degraded")
    kubectl.run("wait", "--for=condition=Ready", "th/beta", "--timeout=20s")
    assert all_tuned(sidecars, 64, 8), "pods beta does not select keep their tuning"
    log("after alpha was deleted, beta tunes shared-0")


if __name__ == "__main__":
    run("conflict", scenario)
