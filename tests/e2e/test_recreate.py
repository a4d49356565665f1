"""Generations restart at 1 when a hunt is deleted and created again, or when a
pod moves to another hunt: the sidecars must be retuned by the new hunt (the
tuning's owner is the hunt's uid), not refused as stale (409, TuningRejected)
and not counted as tuned because the old hunt left the same values."""
from e2e_lib import *


def uid(api, name):
    return api.hunt(name)["metadata"]["uid"]


def owned_by(sidecars, owner, size_mib, epoch_ms, generation):
    return all_tuned(sidecars, size_mib, epoch_ms, generation) and \
        all(s.tuning().get("owner") == owner for s in sidecars)


def gone(api, name):
    return api.request("GET", f"/apis/trove.dev/v1alpha1/namespaces/default/treasurehunts/{name}")[0] == 404


def ready_and_clean(api, name):
    st = api.hunt(name).get("status", {})
    return api.condition(name, "Ready").get("status") == "True" and \
        api.condition(name, "Degraded").get("status") == "False" and \
        all("lastError" not in p for p in st.get("pods", []))


def scenario(work):
    api, kubectl, sidecars, op = setup_cluster(work, pods=2)

    # Three spec edits: the sidecars run generation 3 of the first object.
    for size, epoch in ((64, 8), (96, 12), (80, 10)):
        kubectl.apply(hunt_manifest("game", size, epoch))
    first = uid(api, "game")
    wait_until(lambda: owned_by(sidecars, first, 80, 10, 3), 20,
               what="generation 3 of the first game on both sidecars")
    log(f"first game ({first}) tuned both sidecars at generation 3")

    # Deleted and created again: generation 1 of a new uid, other values.
    kubectl.run("delete", "th", "game")
    wait_until(lambda: gone(api, "game"), 10, what="game deleted")
    kubectl.apply(hunt_manifest("game", 32, 4))
    second = uid(api, "game")
    assert second != first, "a recreated object has a new uid"
    assert api.hunt("game")["metadata"]["generation"] == 1
    wait_until(lambda: owned_by(sidecars, second, 32, 4, 1), 20,
               what="the recreated game's generation 1 on both sidecars")
    wait_until(lambda: ready_and_clean(api, "game"), 20, what="game Ready, no pod error")
    rejected = op.metric("trove_operator_tuning_pushes_total", result="error")
    assert rejected == 0, f"{rejected} rejected pushes (stale 409s?)"
    log(f"recreated game ({second}) retuned both sidecars at generation 1")

    # Created again with the SAME values: the sidecars already run them, but
    # for the old owner; the new hunt still pushes, so it owns them.
    kubectl.run("delete", "th", "game")
    wait_until(lambda: gone(api, "game"), 10, what="game deleted")
    kubectl.apply(hunt_manifest("game", 32, 4))
    third = uid(api, "game")
    wait_until(lambda: owned_by(sidecars, third, 32, 4, 1), 20,
               what="same values, new owner on both sidecars")
    wait_until(lambda: ready_and_clean(api, "game"), 20, what="game Ready again")
    log(f"same-values recreation ({third}) took ownership of both sidecars")

    # A pod moves to another hunt with a lower generation: edit game up to
    # generation 3, then relabel game-1 into a fresh hunt (generation 1).
    for size, epoch in ((48, 6), (40, 5)):
        kubectl.apply(hunt_manifest("game", size, epoch))
    wait_until(lambda: owned_by(sidecars, third, 40, 5, 3), 20, what="game generation 3")
    kubectl.apply(hunt_manifest("blue", 24, 3, selector={"team": "blue"}))
    kubectl.run("label", "pod", "game-1", "app-", "team=blue")
    blue = uid(api, "blue")
    wait_until(lambda: owned_by([sidecars[1]], blue, 24, 3, 1), 20,
               what="game-1 tuned by blue at generation 1")
    wait_until(lambda: ready_and_clean(api, "blue"), 20, what="blue Ready")
    assert owned_by([sidecars[0]], third, 40, 5, 3), sidecars[0].tuning()
    assert op.metric("trove_operator_tuning_pushes_total", result="error") == 0
    log("game-1 moved from game (generation 3) to blue (generation 1) and was retuned")


if __name__ == "__main__":
    run("recreate", scenario)
