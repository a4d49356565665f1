"""The injection webhook called by the API server, as a cluster calls it: the
fake API server sends an AdmissionReview v1 for every pod create that its
MutatingWebhookConfiguration (applied with the real kubectl) selects, over TLS
verified with the caBundle the operator wrote and the name
<service>.<namespace>.svc, and applies the JSONPatch before storing the pod.

Usage: test_webhook_apiserver.py MINOR   (the minor version the fake reports)

With 1.29 or later (33): a labelled pod applied with kubectl gets the native
sidecar, so does a pod made from a labelled Deployment's template, an
unlabelled pod is stored as sent, a pod that already has the sidecar is not
patched again, certificate renewals during a stream of creates fail none;
with the operator stopped, failurePolicy Fail refuses the labelled pod and
Ignore admits it unmodified. Below 1.29 (28): the plain container."""
import copy
import sys
import time

from e2e_lib import *
from test_webhook import free_port, render_template

SERVICE = "trove-webhook"
NATIVE_FROM_MINOR = 29
# Short certificates so that renewals happen within the test (renewed 14 s
# before a 20 s expiry: one every ~6 s, checked every 500 ms).
ROTATION_FLAGS = ["--webhook-cert-validity", "20s", "--webhook-renew-before", "14s",
                  "--webhook-sync-interval", "500ms"]
ROTATION_WINDOW_S = 16


def mwc(port, policy="Fail"):
    return json.dumps({
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": "trove-inject"},
        "webhooks": [{
            "name": "inject.trove.dev", "admissionReviewVersions": ["v1"], "sideEffects": "None",
            "failurePolicy": policy, "reinvocationPolicy": "IfNeeded", "timeoutSeconds": 5,
            "objectSelector": {"matchLabels": {"trove.dev/inject": "true"}},
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"],
                       "resources": ["pods"], "scope": "Namespaced"}],
            "clientConfig": {"service": {"name": SERVICE, "namespace": "default",
                                         "path": "/mutate", "port": port}}}]})


def pod_manifest(name, labelled=True):
    labels = {"app": "game"}
    if labelled:
        labels["trove.dev/inject"] = "true"
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": labels, "annotations": {"trove.dev/arena-mib": "256"}},
            "spec": {"containers": [{"name": "game", "image": "game:1"}]}}


DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "game"},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "game"}},
             "template": {"metadata": {"labels": {"app": "game", "trove.dev/inject": "true"}},
                          "spec": {"containers": [{"name": "game", "image": "game:1"}]}}}}


def stored_pod(api, name):
    return api.must("GET", f"/api/v1/namespaces/default/pods/{name}")


def trove_containers(pod):
    spec = pod["spec"]
    return [c for c in spec.get("initContainers", []) + spec["containers"] if c["name"] == "trove"]


def check_injected(pod, native):
    found = trove_containers(pod)
    assert len(found) == 1, f"{pod['metadata']['name']}: {len(found)} trove containers"
    if native:
        sidecar = pod["spec"]["initContainers"][0]
        assert sidecar["name"] == "trove" and sidecar["restartPolicy"] == "Always", sidecar
    else:
        assert "initContainers" not in pod["spec"], pod["spec"]["initContainers"]
        assert pod["spec"]["containers"][-1]["name"] == "trove", pod["spec"]["containers"]
    assert pod["metadata"]["labels"]["trove.dev/sidecar"] == "true", pod["metadata"]["labels"]
    assert any(v["name"] == "trove-admin-token" for v in pod["spec"]["volumes"]), pod["spec"]["volumes"]


def untouched(pod, sent):
    """The stored pod has exactly the spec and labels it was sent with."""
    return (pod["spec"] == sent["spec"] and pod["metadata"]["labels"] == sent["metadata"]["labels"])


def apply_pod(kubectl, manifest, check=True):
    return kubectl.run("apply", "-f", "-", stdin=json.dumps(manifest), check=check)


def check_label_paths(api, kubectl, native):
    apply_pod(kubectl, pod_manifest("game-0"))
    pod = stored_pod(api, "game-0")
    check_injected(pod, native)
    assert "--arena-mib=256" in trove_containers(pod)[0]["args"], trove_containers(pod)[0]["args"]
    log(f"kubectl apply of a labelled pod: {'native sidecar' if native else 'plain container'} injected")
    plain = pod_manifest("lobby-0", labelled=False)
    apply_pod(kubectl, plain)
    assert untouched(stored_pod(api, "lobby-0"), plain), stored_pod(api, "lobby-0")
    log("unlabelled pod: stored as sent")
    kubectl.apply(json.dumps(DEPLOYMENT))
    # No controllers run in the fake: the pod is made from the Deployment's
    # template as its ReplicaSet would make it.
    template = json.loads(kubectl.run("get", "deployment", "game", "-o", "json"))["spec"]["template"]
    replica = {"apiVersion": "v1", "kind": "Pod",
               "metadata": dict(template["metadata"], generateName="game-7d4b9-"), "spec": template["spec"]}
    name = kubectl.run("create", "-f", "-", "-o", "name", stdin=json.dumps(replica)).strip().split("/")[-1]
    check_injected(stored_pod(api, name), native)
    log(f"the Deployment's pod {name}: injected")
    return pod


def check_idempotent(api, kubectl, op, injected):
    """A pod that already has the sidecar (as after a reinvocation, or the
    chart's include path) is admitted without a second one."""
    again = copy.deepcopy(injected)
    again["metadata"] = {"name": "game-1", "labels": injected["metadata"]["labels"],
                         "annotations": {"trove.dev/arena-mib": "256"}}
    again.pop("status", None)
    skipped = op.metric("trove_operator_webhook_requests_total", result="skipped")
    apply_pod(kubectl, again)
    stored = stored_pod(api, "game-1")
    assert len(trove_containers(stored)) == 1 and stored["spec"] == again["spec"], stored["spec"]
    assert op.metric("trove_operator_webhook_requests_total", result="skipped") == skipped + 1
    log("second admission of an injected pod: reviewed, not patched")


def check_rotation(api):
    """Pod creates through the API server across serving-certificate renewals:
    each create makes the fake open a new TLS connection verified with the
    caBundle in the configuration; none may fail."""
    secret_path = "/api/v1/namespaces/default/secrets/trove-webhook-tls"
    first = api.must("GET", secret_path)["data"]["tls.crt"]
    failures, sent, certs = [], 0, {first}
    deadline = time.monotonic() + ROTATION_WINDOW_S
    while time.monotonic() < deadline:
        manifest = pod_manifest(f"rot-{sent}")
        status, out = api.request("POST", "/api/v1/namespaces/default/pods", manifest)
        if status != 201 or not trove_containers(out):
            failures.append((status, out if status != 201 else "not injected"))
        certs.add(api.must("GET", secret_path)["data"]["tls.crt"])
        sent += 1
        time.sleep(0.1)
    assert not failures, f"{len(failures)} of {sent} creates failed: {failures[:3]}"
    assert len(certs) >= 2, f"the serving certificate was not renewed in {ROTATION_WINDOW_S} s"
    log(f"{sent} pod creates across {len(certs)} serving certificates, none failed")


def check_webhook_down(api, kubectl, op, port):
    assert op.proc.stop() == 0
    r = subprocess.run([kubectl.bin, "--kubeconfig", kubectl.kubeconfig, "apply", "-f", "-"],
                       input=json.dumps(pod_manifest("down-0")), capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and 'failed calling webhook "inject.trove.dev"' in r.stderr, r.stderr
    assert api.request("GET", "/api/v1/namespaces/default/pods/down-0")[0] == 404
    log(f"webhook down, failurePolicy Fail: refused ({r.stderr.strip().splitlines()[-1][:160]})")
    kubectl.apply(mwc(port, "Ignore"))
    sent = pod_manifest("down-1")
    apply_pod(kubectl, sent)
    stored = stored_pod(api, "down-1")
    assert untouched(stored, sent), stored
    log("webhook down, failurePolicy Ignore: admitted unmodified")


def start(work, minor):
    template = render_template(work)
    api = FakeApi(work, extra=["--kube-minor-version", str(minor)])
    kubectl = Kubectl(api)
    port = free_port()
    kubectl.apply(mwc(port))
    op = Operator(work, api, extra=[
        "--webhook-port", str(port), "--webhook-bind", "127.0.0.1", "--webhook-sidecar-template", template,
        "--webhook-namespace", "default", "--webhook-service", SERVICE,
        "--webhook-configuration", "trove-inject", *ROTATION_FLAGS])
    wait_until(lambda: api.must("GET", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/"
                                "trove-inject")["webhooks"][0]["clientConfig"].get("caBundle"),
               20, what="caBundle written by the operator")
    wait_until(lambda: f"serving https on 127.0.0.1:{port}" in op.proc.log_text(), 20, what="webhook listener")
    return api, kubectl, op, port


def scenario(minor):
    def body(work):
        api, kubectl, op, port = start(work, minor)
        native = minor >= NATIVE_FROM_MINOR
        injected = check_label_paths(api, kubectl, native)
        if not native:
            return
        check_idempotent(api, kubectl, op, injected)
        check_rotation(api)
        assert op.metric("trove_operator_webhook_requests_total", result="injected") >= 3
        check_webhook_down(api, kubectl, op, port)
    return body


if __name__ == "__main__":
    kube_minor = int(sys.argv[1])
    run(f"webhook-apiserver-1.{kube_minor}", scenario(kube_minor))
