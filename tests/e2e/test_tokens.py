"""Admin tokens owned by the operator (--manage-admin-tokens): a hunt whose
token Secret does not exist gets one (random token, created by the
operator); the sidecar, given that token through its file (the test writes
the file as the kubelet would from the mounted Secret), is tuned; a
trove.dev/rotate annotation (kubectl annotate) makes the operator replace
the token; its pushes are refused (401) until the file changes, then the
same sidecar process, which re-reads the file, takes the new spec: rotation
without a restart."""
import base64

from e2e_lib import *

SECRET = "/api/v1/namespaces/default/secrets/trove-admin-token"


def secret_token(api):
    status, secret = api.request("GET", SECRET)
    if status != 200:
        return None
    return base64.b64decode(secret["data"]["token"]).decode()


def kubelet_sync(sidecar, token):
    """What the kubelet does for a Secret volume: the file changes in place."""
    tmp = sidecar.token_file + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(token)
    os.replace(tmp, sidecar.token_file)
    sidecar.reader_token = token


def scenario(work):
    api = FakeApi(work)
    kubectl = Kubectl(api)
    kubectl.run("apply", "-f", env_path("TROVE_CRD"))
    wait_until(lambda: "treasurehunts" in kubectl.run("api-resources", "--api-group=trove.dev"),
               20, what="CRD served")
    sidecar = Sidecar(work, "game-0", "127.0.0.2", token="not-yet-synced")
    api.create_pod(sidecar.name, sidecar.ip, sidecar.admin_port, {"app": "game"})
    op = Operator(work, api, extra=["--manage-admin-tokens"])
    kubectl.apply(hunt_manifest("game", 64, 8))
    first = wait_until(lambda: secret_token(api), 20, what="token Secret created by the operator")
    assert len(first) == 64, first
    secret = api.must("GET", SECRET)
    assert secret["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "trove-operator", secret
    log("the operator created default/trove-admin-token")
    kubelet_sync(sidecar, first)
    wait_until(lambda: all_tuned([sidecar], 64, 8), 20, what="64 MiB / 8 ms with the operator's token")
    pid = sidecar.proc.popen.pid
    log("sidecar tuned with the operator's token")

    kubectl.run("annotate", "secret", "trove-admin-token", "trove.dev/rotate=first-rotation")
    second = wait_until(lambda: (lambda t: t if t and t != first else None)(secret_token(api)), 20,
                        what="token rotated")
    rotated = api.must("GET", SECRET)["metadata"]["annotations"]["trove.dev/rotated"]
    assert rotated == "first-rotation", rotated
    log("trove.dev/rotate: the operator replaced the token")
    refused = op.metric("trove_operator_tuning_pushes_total", result="unauthorized")
    kubectl.apply(hunt_manifest("game", 96, 12))
    wait_until(lambda: op.metric("trove_operator_tuning_pushes_total", result="unauthorized") > refused,
               20, what="pushes with the new token refused before the file changes")
    kubelet_sync(sidecar, second)
    wait_until(lambda: all_tuned([sidecar], 96, 12), 20, what="96 MiB / 12 ms with the rotated token")
    assert sidecar.proc.popen.pid == pid and sidecar.proc.alive(), "the sidecar was restarted"
    log("the same sidecar process took the new spec with the rotated token")
    assert op.proc.stop() == 0


if __name__ == "__main__":
    run("tokens", scenario)
