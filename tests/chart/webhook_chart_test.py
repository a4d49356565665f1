#!/usr/bin/python3
"""The injection webhook's chart objects, rendered by the pinned real helm and
read back as data: the sidecar template ConfigMap holds exactly the container
`include "trove.sidecar"` renders (plain and native), so the two attach paths
cannot drift; the MutatingWebhookConfiguration's selectors and policies; the
operator's webhook flags, port and mounts; RBAC for the operator's own
certificates; and the cert-manager variant.

Usage: webhook_chart_test.py --helm H --kubectl K --repo ROOT
"""
import argparse
import json
import os
import sys
import tempfile

from chart_lib import Checker, Renderer

ON = ["--set", "webhook.enabled=true"]
MWC = "trove-operator-trove-system-inject"


def template_of(objs, r):
    cm = r.one(objs, "ConfigMap", "trove-operator-sidecar-template")
    return json.loads(cm["data"]["sidecar.json"])


def demo_sidecar(objs, r):
    pod = r.one(objs, "Deployment", "trove-demo-game")["spec"]["template"]["spec"]
    return [x for x in (pod.get("initContainers") or []) + pod["containers"] if x["name"] == "trove"][0], pod


def check_one_source(c, r):
    c.section("the injected sidecar is the included sidecar")
    extras = ["--set", "sidecar.extraArgs={--busy-poll-us=50}", "--set", "imagePullSecrets[0].name=regcred"]
    for native in ("false", "true"):
        objs = r.render(f"one-source-{native}", ON + extras + ["--set", "demo.enabled=true",
                                                               "--set", f"sidecar.native={native}"])
        t = template_of(objs, r)
        included, pod = demo_sidecar(objs, r)
        c.eq(t["containers"]["native" if native == "true" else "plain"], included, f"native={native}: container")
        c.eq(t["native"], native, f"native={native}: mode")
        c.eq(t["volumes"], pod["volumes"][-len(t["volumes"]):], f"native={native}: volumes")
        c.eq([v["secret"].get("optional") for v in t["volumes"] if v["name"] == "trove-admin-token"], [True],
             f"native={native}: injected token volume optional, so injected pods never wait for the Secret")
        c.eq(t["imagePullSecrets"], [{"name": "regcred"}], f"native={native}: pull secrets")
    t = template_of(r.render("auto", ON), r)
    c.eq(t["native"], "auto", "default mode is auto")
    c.eq(t["containers"]["native"].get("restartPolicy"), "Always", "native shape has restartPolicy Always")
    c.true("restartPolicy" not in t["containers"]["plain"], "plain shape has no restartPolicy")
    c.eq(t["podLabels"], {"trove.dev/sidecar": "true"}, "pod labels")


def check_configuration(c, r):
    c.section("MutatingWebhookConfiguration")
    objs = r.render("mwc", ON)
    hook = r.one(objs, "MutatingWebhookConfiguration", MWC)["webhooks"][0]
    c.eq(hook["failurePolicy"], "Fail", "failurePolicy default")
    c.eq(hook["reinvocationPolicy"], "IfNeeded", "reinvocationPolicy")
    c.eq(hook["timeoutSeconds"], 5, "timeoutSeconds")
    c.eq(hook["sideEffects"], "None", "sideEffects")
    c.eq(hook["objectSelector"], {"matchLabels": {"trove.dev/inject": "true"}}, "objectSelector")
    c.true("namespaceSelector" not in hook, "no namespaceSelector by default")
    c.eq(hook["clientConfig"]["service"], {"name": "trove-operator-webhook", "namespace": "trove-system",
                                           "path": "/mutate", "port": 443}, "service reference")
    c.eq(hook["rules"], [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"],
                          "resources": ["pods"], "scope": "Namespaced"}], "rules: pod creates")
    objs = r.render("mwc-ns", ON + ["--set", "webhook.failurePolicy=Ignore", "--set", "webhook.timeoutSeconds=2",
                                    "--set-string", "webhook.namespaceSelector.matchLabels.trove\\.dev/inject=true"])
    hook = r.one(objs, "MutatingWebhookConfiguration", MWC)["webhooks"][0]
    c.eq(hook["failurePolicy"], "Ignore", "failurePolicy from values")
    c.eq(hook["timeoutSeconds"], 2, "timeoutSeconds from values")
    c.eq(hook["namespaceSelector"], {"matchLabels": {"trove.dev/inject": "true"}}, "namespaceSelector")
    c.eq(hook["objectSelector"]["matchExpressions"][0]["operator"], "NotIn", "opt-out objectSelector")


def check_operator(c, r):
    c.section("operator flags, port, mounts and RBAC")
    objs = r.render("operator", ON)
    pod = r.one(objs, "Deployment", "trove-operator")["spec"]["template"]["spec"]
    op = pod["containers"][0]
    for flag in ("--webhook-port=9443", "--webhook-sidecar-template=/etc/trove/webhook/sidecar.json",
                 "--webhook-service=trove-operator-webhook", "--webhook-secret=trove-operator-webhook-tls",
                 f"--webhook-configuration={MWC}", "--webhook-namespace=trove-system"):
        c.true(flag in op["args"], f"operator arg {flag}")
    c.true({"name": "webhook", "containerPort": 9443, "protocol": "TCP"} in op["ports"], "webhook port")
    c.true(any(v["name"] == "webhook-sidecar-template" for v in pod["volumes"]), "template volume")
    role = r.one(objs, "Role", "trove-operator-webhook", "trove-system")
    c.true({"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["trove-operator-webhook-tls"],
            "verbs": ["get", "update"]} in role["rules"], "secret access limited to its name")
    cr = r.one(objs, "ClusterRole", "trove-operator-trove-system-webhook")
    c.eq(cr["rules"][0]["resourceNames"], [MWC], "caBundle patch limited to its configuration")
    c.eq(r.find(r.render("off", []), "MutatingWebhookConfiguration"), [], "off by default")
    # The operator serves the webhook: without it, nothing would answer a Fail policy.
    no_operator = r.render("no-operator", ON + ["--set", "operator.enabled=false"])
    c.eq(r.find(no_operator, "MutatingWebhookConfiguration") + r.find(no_operator, "Service"), [],
         "no webhook without the operator")


def check_cert_manager(c, r):
    c.section("cert-manager")
    objs = r.render("cm", ON + ["--set", "webhook.certManager.enabled=true"])
    mwc = r.one(objs, "MutatingWebhookConfiguration", MWC)
    c.eq(mwc["metadata"]["annotations"]["cert-manager.io/inject-ca-from"], "trove-system/trove-operator-webhook-tls",
         "CA injector annotation")
    cert = r.one(objs, "Certificate", "trove-operator-webhook-tls", "trove-system")
    c.eq(cert["spec"]["dnsNames"][0], "trove-operator-webhook.trove-system.svc", "Certificate DNS name")
    c.eq(cert["spec"]["issuerRef"]["kind"], "Issuer", "self-signed Issuer by default")
    op = r.one(objs, "Deployment", "trove-operator")["spec"]["template"]["spec"]["containers"][0]
    c.true("--webhook-cert-dir=/etc/trove/webhook-tls" in op["args"], "operator reads cert-manager's files")
    c.true(not any(a.startswith("--webhook-configuration") for a in op["args"]), "operator leaves caBundle alone")
    c.eq([o for o in r.find(objs, "Role") if o["metadata"]["name"] == "trove-operator-webhook"], [],
         "no Secret-writing Role")
    objs = r.render("cm-issuer", ON + ["--set", "webhook.certManager.enabled=true",
                                       "--set", "webhook.certManager.issuerRef.name=corp-ca",
                                       "--set", "webhook.certManager.issuerRef.kind=ClusterIssuer"])
    c.eq(r.find(objs, "Issuer"), [], "no Issuer with issuerRef")
    c.eq(r.one(objs, "Certificate", "trove-operator-webhook-tls", "trove-system")["spec"]["issuerRef"],
         {"name": "corp-ca", "kind": "ClusterIssuer"}, "issuerRef from values")


def check_rejections(c, r):
    c.section("refused values")
    for name, args, needle in (
            ("policy", ON + ["--set", "webhook.failurePolicy=Maybe"], "failurePolicy"),
            ("timeout", ON + ["--set", "webhook.timeoutSeconds=31"], "timeoutSeconds")):
        code, out = r.helm(["template", "trove", r.chart, "--namespace", "trove-system"] + args)
        c.true(code != 0 and needle in out, f"{name} refused ({out.strip()[:120]})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--helm", required=True)
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--repo", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="trove-chart-webhook-") as tmp:
        r = Renderer(a.helm, a.kubectl, os.path.join(a.repo, "charts", "trove"), tmp)
        c = Checker()
        for check in (check_one_source, check_configuration, check_operator, check_cert_manager, check_rejections):
            check(c, r)
        return c.finish()


if __name__ == "__main__":
    sys.exit(main())
