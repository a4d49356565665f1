"""The injection webhook as the API server meets it: the operator, given the
sidecar template the chart renders (real helm), creates its CA and serving
certificate in a Secret and writes the caBundle of a MutatingWebhookConfiguration
applied with the real kubectl; AdmissionReviews sent over TLS verified with
that caBundle get the native sidecar (the fake reports 1.33), a second
admission of the patched pod gets no patch, a bad annotation is refused with
its name, and serving-certificate renewals (20 s certificates renewed 14 s
before expiry, checked every 500 ms) fail no admission."""
import base64
import hashlib
import socket
import ssl
import subprocess
import time

from e2e_lib import *
import http.client as https_client  # after the star import: e2e_lib has an http()

MWC = """apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: trove-inject
webhooks:
  - name: inject.trove.dev
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Fail
    reinvocationPolicy: IfNeeded
    objectSelector:
      matchLabels:
        trove.dev/inject: "true"
    clientConfig:
      service: {name: localhost, namespace: default, path: /mutate, port: 443}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render_template(work):
    out = subprocess.run([env_path("TROVE_HELM"), "template", "t", env_path("TROVE_CHART"),
                          "--set", "webhook.enabled=true",
                          "-s", "templates/webhook-sidecar-template.yaml"],
                         capture_output=True, text=True, timeout=60, check=True)
    manifest = work.file("template.yaml")
    with open(manifest, "w") as f:
        f.write(out.stdout)
    cm = json.loads(subprocess.run([env_path("TROVE_KUBECTL"), "patch", "--local", "-f", manifest,
                                    "-p", "{}", "--type", "merge", "-o", "json"],
                                   capture_output=True, text=True, timeout=60, check=True).stdout)
    path = work.file("sidecar.json")
    with open(path, "w") as f:
        f.write(cm["data"]["sidecar.json"])
    return path


def review(pod, uid="u-1"):
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"},
                        "resource": {"group": "", "version": "v1", "resource": "pods"},
                        "namespace": "default", "operation": "CREATE", "object": pod}}


def ca_bundle(api):
    mwc = api.must("GET", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/trove-inject")
    b64 = mwc["webhooks"][0]["clientConfig"].get("caBundle")
    return base64.b64decode(b64).decode() if b64 else None


def admit(port, bundle, pod, uid="u-1"):
    """One AdmissionReview as the API server sends it: a new TLS connection
    verified with the caBundle. Returns (response, serving cert fingerprint)."""
    ctx = ssl.create_default_context(cadata=bundle)
    conn = https_client.HTTPSConnection("localhost", port, context=ctx, timeout=5)
    try:
        conn.request("POST", "/mutate", json.dumps(review(pod, uid)), {"Content-Type": "application/json"})
        r = conn.getresponse()
        body = json.loads(r.read())
        assert r.status == 200, (r.status, body)
        cert = conn.sock.getpeercert(binary_form=True)
        return body["response"], hashlib.sha256(cert).hexdigest()
    finally:
        conn.close()


def apply_patch(pod, response):
    """RFC 6902 "add" operations, as the API server applies them."""
    pod = json.loads(json.dumps(pod))
    for op in json.loads(base64.b64decode(response["patch"])):
        assert op["op"] == "add", op
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent = pod
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        last = parts[-1]
        if isinstance(parent, list):
            parent.append(op["value"]) if last == "-" else parent.insert(int(last), op["value"])
        else:
            parent[last] = op["value"]
    return pod


POD = {"metadata": {"name": "game-0", "labels": {"app": "game", "trove.dev/inject": "true"},
                    "annotations": {"trove.dev/arena-mib": "256"}},
       "spec": {"containers": [{"name": "game", "image": "game:1"}]}}


def check_injection(port, bundle):
    resp, _ = admit(port, bundle, POD)
    assert resp["allowed"] and resp["patchType"] == "JSONPatch", resp
    pod = apply_patch(POD, resp)
    sidecar = pod["spec"]["initContainers"][0]
    assert sidecar["name"] == "trove" and sidecar["restartPolicy"] == "Always", sidecar
    assert "--arena-mib=256" in sidecar["args"], sidecar["args"]
    assert pod["metadata"]["labels"]["trove.dev/sidecar"] == "true"
    assert any(v["name"] == "trove-admin-token" for v in pod["spec"]["volumes"])
    log("labelled pod: native sidecar, label, volume and the arena annotation")
    again, _ = admit(port, bundle, pod, "u-2")
    assert again["allowed"] and "patch" not in again, again
    log("second admission of the injected pod: no patch")
    bad = json.loads(json.dumps(POD))
    bad["metadata"]["annotations"]["trove.dev/epoch-ms"] = "soon"
    refused, _ = admit(port, bundle, bad, "u-3")
    assert not refused["allowed"] and "trove.dev/epoch-ms" in refused["status"]["message"], refused
    log(f"bad annotation refused: {refused['status']['message']}")


def check_rotation(api, port):
    seen, failures, sent = set(), [], 0
    deadline = time.monotonic() + 16
    while time.monotonic() < deadline:
        try:
            _, fingerprint = admit(port, ca_bundle(api), POD, f"r-{sent}")
            seen.add(fingerprint)
        except Exception as e:  # noqa: BLE001 - every failure is the finding
            failures.append(repr(e))
        sent += 1
        time.sleep(0.1)
    assert not failures, f"{len(failures)} of {sent} admissions failed: {failures[:3]}"
    assert len(seen) >= 2, f"the serving certificate was not renewed in 16 s ({len(seen)} seen)"
    log(f"{sent} admissions across {len(seen)} serving certificates, none failed")


def scenario(work):
    template = render_template(work)
    api = FakeApi(work)
    kubectl = Kubectl(api)
    kubectl.apply(MWC)
    port = free_port()
    op = Operator(work, api, extra=[
        "--webhook-port", str(port), "--webhook-bind", "127.0.0.1", "--webhook-sidecar-template", template,
        "--webhook-namespace", "default", "--webhook-service", "localhost",
        "--webhook-configuration", "trove-inject", "--webhook-cert-validity", "20s",
        "--webhook-renew-before", "14s", "--webhook-sync-interval", "500ms"])
    bundle = wait_until(lambda: ca_bundle(api), 20, what="caBundle written by the operator")
    secret = api.must("GET", "/api/v1/namespaces/default/secrets/trove-webhook-tls")
    assert secret["type"] == "kubernetes.io/tls", secret["type"]
    wait_until(lambda: f"serving https on 127.0.0.1:{port}" in op.proc.log_text(), 20, what="webhook listener")
    check_injection(port, bundle)
    check_rotation(api, port)
    assert op.metric("trove_operator_webhook_requests_total", result="injected") >= 1
    assert op.metric("trove_operator_webhook_requests_total", result="refused") == 1
    assert op.metric("trove_operator_webhook_request_duration_seconds_count") >= 3
    assert op.proc.stop() == 0


if __name__ == "__main__":
    run("webhook", scenario)
