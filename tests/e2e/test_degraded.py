"""A sidecar that is down, or answers 401, makes the hunt Degraded with a
reason and a message naming the pod; the hunt recovers when it comes back."""
from e2e_lib import *


def degraded(api, pod, reason):
    c = api.condition("game", "Degraded")
    return c.get("status") == "True" and c.get("reason") == reason and pod in c.get("message", "")


def recovered(api, sidecars):
    return (api.condition("game", "Degraded").get("status") == "False"
            and api.condition("game", "Ready").get("status") == "True"
            and all_tuned(sidecars, 64, 8))


def scenario(work):
    api, kubectl, sidecars, op = setup_cluster(work, pods=3)
    kubectl.apply(hunt_manifest("game", 64, 8))
    wait_until(lambda: recovered(api, sidecars), 20, what="all tuned, Ready")

    # Down: the sidecar process dies; its Pod still says Ready.
    sidecars[1].proc.kill()
    wait_until(lambda: degraded(api, "game-1", "SidecarUnreachable"), 20,
               what="Degraded/SidecarUnreachable naming game-1")
    c = api.condition("game", "Degraded")
    log(f"down: Degraded {c['reason']}: {c['message']}")
    assert api.condition("game", "Ready")["status"] == "False"
    assert kubectl.run("get", "th", "game", "--no-headers").split()[1:4] == ["3", "2", "False"]
    entry = [p for p in api.hunt("game")["status"]["pods"] if p["name"] == "game-1"][0]
    assert "connect" in entry.get("lastError", ""), entry

    # Back on the same address: it starts with its default tuning and is retuned.
    sidecars[1].start()
    wait_until(lambda: recovered(api, sidecars), 20, what="recovery after restart")
    log("recovered after the sidecar came back")

    # 401: the sidecar comes back with a token the hunt's Secret does not hold.
    sidecars[2].proc.stop()
    with open(sidecars[2].token_file, "w") as fh:
        fh.write("some-other-token\n")
    sidecars[2].start()
    wait_until(lambda: degraded(api, "game-2", "SidecarUnauthorized"), 20,
               what="Degraded/SidecarUnauthorized naming game-2")
    c = api.condition("game", "Degraded")
    log(f"401: Degraded {c['reason']}: {c['message']}")
    assert op.metric("trove_operator_tuning_pushes_total", result="unauthorized") >= 1

    # The Secret is updated to the sidecar's new token: the hunt recovers
    # (the two others need no push, so they do not notice the change).
    api.create_token_secret(token="some-other-token")
    wait_until(lambda: api.condition("game", "Degraded").get("status") == "False", 20,
               what="recovery after the Secret matches")
    s2 = sidecars[2]
    status, text = http("GET", f"http://{s2.ip}:{s2.admin_port}/admin/v1/tuning",
                        headers={"Authorization": "Bearer some-other-token"})
    assert status == 200 and json.loads(text)["arenaBytes"] == 64 << 20, text
    kubectl.run("wait", "--for=condition=Ready", "th/game", "--timeout=20s")
    log("recovered after the token matched")

    # Events tell the story.
    events = kubectl.run("get", "events.events.k8s.io", "-o", "json")
    reasons = {e.get("reason") for e in json.loads(events)["items"]}
    for want in ("Tuned", "SidecarUnreachable", "SidecarUnauthorized", "SidecarRecovered"):
        assert want in reasons, f"no {want} Event; saw {sorted(r for r in reasons if r)}"


if __name__ == "__main__":
    run("degraded", scenario)
