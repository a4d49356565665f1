#!/usr/bin/python3
"""The chart's production switches, each rendered by the pinned real helm and
read back as data: operator.enabled, the operator's PodDisruptionBudget and
topology spread, per-image digest/pullPolicy, imagePullSecrets on every pod,
overridable security contexts, the sidecar's extra args/env/resources,
priority classes and the sidecar NetworkPolicy. Then `helm lint --strict`
for each switch flipped and for all of them at once.

Usage: production_values_test.py --helm H --kubectl K --repo ROOT
"""
import argparse
import os
import sys
import tempfile

from chart_lib import Checker, Renderer

MONITORING_FLAGS = ["--api-versions", "monitoring.coreos.com/v1/PodMonitor",
                    "--api-versions", "monitoring.coreos.com/v1/ServiceMonitor",
                    "--api-versions", "monitoring.coreos.com/v1/PrometheusRule"]
DIGEST = "sha256:" + "ab" * 32
RESTRICTED_CONTAINER = {
    "runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532, "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"},
}
OPERATOR_SELECTOR = {"app.kubernetes.io/name": "trove", "app.kubernetes.io/instance": "trove",
                     "app.kubernetes.io/component": "operator"}

# Every switch this test flips, as helm flags; the lint runs each alone and all together.
SWITCHES = {
    "operator off": ["--set", "operator.enabled=false"],
    "pdb": ["--set", "operator.podDisruptionBudget.enabled=true"],
    "pdb maxUnavailable": ["--set", "operator.podDisruptionBudget.enabled=true",
                           "--set", "operator.podDisruptionBudget.maxUnavailable=50%"],
    "spread": ["--set", "operator.topologySpreadConstraints[0].maxSkew=1",
               "--set", "operator.topologySpreadConstraints[0].topologyKey=topology.kubernetes.io/zone",
               "--set", "operator.topologySpreadConstraints[0].whenUnsatisfiable=ScheduleAnyway"],
    "digests": ["--set", f"operator.image.digest={DIGEST}", "--set", f"sidecar.image.digest={DIGEST}",
                "--set", "operator.image.pullPolicy=Always", "--set", "sidecar.image.pullPolicy=Never"],
    "pull secrets": ["--set", "imagePullSecrets[0].name=regcred"],
    "security contexts": ["--set", "operator.securityContext.runAsUser=1000",
                          "--set", "operator.podSecurityContext.runAsUser=1000",
                          "--set", "sidecar.securityContext.runAsUser=2000"],
    "sidecar extras": ["--set", "sidecar.extraArgs={--busy-poll-us=50}", "--set", "sidecar.extraEnv[0].name=MODE",
                       "--set", "sidecar.extraEnv[0].value=fast", "--set", "sidecar.resources.limits.memory=2Gi"],
    "priority": ["--set", "operator.priorityClassName=system-cluster-critical",
                 "--set", "demo.priorityClassName=games"],
    "network policy": ["--set", "networkPolicy.enabled=true", "--set", "networkPolicy.data.namespaces={lobby}",
                       "--set", "networkPolicy.data.cidrs={10.0.0.0/8}",
                       "--set", "networkPolicy.admin.extraFrom[0].namespaceSelector.matchLabels.name=monitoring",
                       "--set", "networkPolicy.extraIngress[0].ports[0].port=7777"],
    "demo": ["--set", "demo.enabled=true"],
    "webhook": ["--set", "webhook.enabled=true", "--set", "webhook.failurePolicy=Ignore",
                "--set", "webhook.namespaceSelector.matchLabels.team=games"],
    "webhook cert-manager": ["--set", "webhook.enabled=true", "--set", "webhook.certManager.enabled=true"],
    "lookup-made tokens": ["--set", "adminToken.operatorManaged=false"],
}


def pods_of(objs):
    """(name, pod spec) of every pod the chart renders, Deployments' templates included."""
    pods = []
    for o in objs:
        if o["kind"] == "Pod":
            pods.append((o["metadata"]["name"], o["spec"]))
        elif o["kind"] == "Deployment":
            pods.append((o["metadata"]["name"], o["spec"]["template"]["spec"]))
    return pods


def demo_sidecar(objs, r):
    pod = r.one(objs, "Deployment", "trove-demo-game")["spec"]["template"]["spec"]
    return pod, [x for x in (pod.get("initContainers") or []) + pod["containers"] if x["name"] == "trove"][0]


def check_operator_off(c, r):
    c.section("operator.enabled=false: CRD and sidecar pieces only")
    objs = r.render("operator-off", ["--set", "operator.enabled=false", "--set", "demo.enabled=true"]
                    + MONITORING_FLAGS)
    kinds = sorted(f"{o['kind']}/{o['metadata']['name']}" for o in objs)
    c.eq(kinds, sorted(["ConfigMap/trove-dashboard-sidecar-fleet", "CustomResourceDefinition/treasurehunts.trove.dev",
                        "Deployment/trove-demo-game", "NetworkPolicy/trove-sidecars", "PodMonitor/trove-sidecars",
                        "PrometheusRule/trove", "Secret/trove-admin-token"]), "objects rendered")
    groups = [g["name"] for g in r.one(objs, "PrometheusRule", "trove")["spec"]["groups"]]
    c.eq(groups, ["trove-sidecar.rules", "trove-sidecar.alerts"], "only the sidecar rules (no operator-gone alert)")
    objs = r.render("operator-off-netpol", ["--set", "operator.enabled=false", "--set", "networkPolicy.enabled=true",
                                            "--set", "networkPolicy.otherPorts=false"])
    rules = r.one(objs, "NetworkPolicy", "trove-sidecars")["spec"]["ingress"]
    c.eq([rule["ports"][0]["port"] for rule in rules], [8080],
         "without operator or extraFrom the admin port admits nobody (no peer-less rule)")


def check_operator_placement(c, r):
    c.section("operator PodDisruptionBudget and topology spread")
    c.eq(r.find(r.render("no-pdb", []), "PodDisruptionBudget"), [], "no PDB by default")
    pdb = r.one(r.render("pdb", SWITCHES["pdb"]), "PodDisruptionBudget", "trove-operator")["spec"]
    c.eq(pdb, {"minAvailable": 1, "selector": {"matchLabels": OPERATOR_SELECTOR}}, "PDB keeps one operator up")
    pdb = r.one(r.render("pdb-max", SWITCHES["pdb maxUnavailable"]), "PodDisruptionBudget", "trove-operator")["spec"]
    c.eq(pdb.get("maxUnavailable"), "50%", "maxUnavailable wins over minAvailable")
    c.true("minAvailable" not in pdb, "only one of the two is set")
    pod = r.one(r.render("spread", SWITCHES["spread"]), "Deployment", "trove-operator")["spec"]["template"]["spec"]
    c.eq(pod.get("topologySpreadConstraints"), [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                                 "whenUnsatisfiable": "ScheduleAnyway",
                                                 "labelSelector": {"matchLabels": OPERATOR_SELECTOR}}],
         "topology spread, selecting the operator pods by default")
    c.true("affinity" in pod, "the default anti-affinity stays")


def check_images(c, r):
    c.section("images: digest wins over tag, per-image pull policy")
    objs = r.render("digests", SWITCHES["digests"] + ["--set", "demo.enabled=true", "--set", "operator.image.tag=9.9",
                                                      "--set", "imageRegistry=reg.example.com"])
    op = r.one(objs, "Deployment", "trove-operator")["spec"]["template"]["spec"]["containers"][0]
    c.eq((op["image"], op["imagePullPolicy"]), (f"reg.example.com/trove-operator@{DIGEST}", "Always"), "operator")
    _, s = demo_sidecar(objs, r)
    c.eq((s["image"], s["imagePullPolicy"]), (f"reg.example.com/trove-server@{DIGEST}", "Never"), "sidecar")
    objs = r.render("tags", ["--set", "demo.enabled=true"])
    _, s = demo_sidecar(objs, r)
    c.eq((s["image"], s["imagePullPolicy"]), ("trove-server:0.1.0", "IfNotPresent"),
         "defaults: appVersion tag, the chart-wide pull policy")


def check_pull_secrets(c, r):
    c.section("imagePullSecrets on every pod the chart creates")
    objs = r.render("pull-secrets", SWITCHES["pull secrets"] + ["--set", "demo.enabled=true"])
    pods = pods_of(objs)
    c.eq(sorted(n for n, _ in pods), ["trove-demo-game", "trove-operator", "trove-operator-test-readyz"], "pods")
    for name, pod in pods:
        c.eq(pod.get("imagePullSecrets"), [{"name": "regcred"}], f"{name} lists the pull secret")
    for name, pod in pods_of(r.render("no-pull-secrets", ["--set", "demo.enabled=true"])):
        c.true("imagePullSecrets" not in pod, f"{name}: no imagePullSecrets key when none are set")


def check_security(c, r):
    c.section("security contexts: restricted by default, overridable")
    objs = r.render("security-default", ["--set", "demo.enabled=true"])
    for name, pod in pods_of(objs):
        c.eq(pod["securityContext"].get("runAsNonRoot"), True, f"{name}: pod runAsNonRoot")
        c.eq(pod["securityContext"].get("seccompProfile"), {"type": "RuntimeDefault"}, f"{name}: pod seccomp")
        for x in (pod.get("initContainers") or []) + pod["containers"]:
            c.eq(x["securityContext"], RESTRICTED_CONTAINER, f"{name}/{x['name']}: restricted container")
    objs = r.render("security-override", SWITCHES["security contexts"] + ["--set", "demo.enabled=true"])
    op = r.one(objs, "Deployment", "trove-operator")["spec"]["template"]["spec"]
    c.eq(op["securityContext"], {"runAsUser": 1000}, "operator.podSecurityContext replaces the pod context")
    c.eq(op["containers"][0]["securityContext"], {"runAsUser": 1000}, "operator.securityContext replaces it")
    pod, s = demo_sidecar(objs, r)
    c.eq(s["securityContext"], {"runAsUser": 2000}, "sidecar.securityContext replaces the sidecar's")
    game = [x for x in pod["containers"] if x["name"] == "game"][0]
    c.eq(game["securityContext"], RESTRICTED_CONTAINER, "other containers keep securityContext")


def check_sidecar_extras(c, r):
    c.section("sidecar extraArgs, extraEnv, resources; priority classes")
    objs = r.render("sidecar-extras", SWITCHES["sidecar extras"] + SWITCHES["priority"] + ["--set", "demo.enabled=true"])
    pod, s = demo_sidecar(objs, r)
    c.eq(s["args"][-1], "--busy-poll-us=50", "extra args after the chart's")
    c.eq(s["env"][-1], {"name": "MODE", "value": "fast"}, "extra env after the chart's")
    c.eq(s["resources"]["limits"]["memory"], "2Gi", "resources")
    c.eq(pod.get("priorityClassName"), "games", "demo.priorityClassName")
    op = r.one(objs, "Deployment", "trove-operator")["spec"]["template"]["spec"]
    c.eq(op.get("priorityClassName"), "system-cluster-critical", "operator.priorityClassName")


def check_network_policy(c, r):
    c.section("networkPolicy")
    default = r.one(r.render("netpol-default", []), "NetworkPolicy", "trove-sidecars")["spec"]["ingress"]
    c.eq(default[0]["from"], [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "trove-system"}},
         "podSelector": {"matchLabels": OPERATOR_SELECTOR}}], "on by default: the admin port admits only the operator")
    c.eq(default[1], {"ports": [{"port": 8080, "protocol": "TCP"}]}, "the data port open to all by default")
    c.eq(default[2], {"ports": [
        {"port": 1, "endPort": 8079, "protocol": "TCP"},
        {"port": 8081, "endPort": 9089, "protocol": "TCP"},
        {"port": 9091, "endPort": 65535, "protocol": "TCP"},
        {"protocol": "UDP"}]}, "otherPorts: every port but the sidecar's stays open to the workload")
    c.eq(len(default), 3, "no other rule")
    edges = r.one(r.render("netpol-edges", ["--set", "sidecar.adminPort=1", "--set", "sidecar.dataPort=2"]),
                  "NetworkPolicy", "trove-sidecars")["spec"]["ingress"][2]
    c.eq(edges, {"ports": [{"port": 3, "endPort": 65535, "protocol": "TCP"}, {"protocol": "UDP"}]},
         "adjacent ports at the bottom: one range above them")
    edges = r.one(r.render("netpol-top", ["--set", "sidecar.adminPort=65535", "--set", "sidecar.dataPort=65534"]),
                  "NetworkPolicy", "trove-sidecars")["spec"]["ingress"][2]
    c.eq(edges, {"ports": [{"port": 1, "endPort": 65533, "protocol": "TCP"}, {"protocol": "UDP"}]},
         "adjacent ports at the top: one range below them")
    closed = r.render("netpol-closed", ["--set", "networkPolicy.otherPorts=false"])
    c.eq(len(r.one(closed, "NetworkPolicy", "trove-sidecars")["spec"]["ingress"]), 2,
         "otherPorts=false: only the sidecar's rules")
    c.eq(r.find(r.render("no-netpol", ["--set", "networkPolicy.enabled=false"]), "NetworkPolicy"), [],
         "enabled=false: none")
    objs = r.render("netpol", SWITCHES["network policy"] + ["--set", "adminToken.extraNamespaces={games}"])
    policies = r.find(objs, "NetworkPolicy")
    c.eq(sorted(p["metadata"]["namespace"] for p in policies), ["games", "trove-system"],
         "one per namespace that gets the admin-token Secret")
    spec = r.one(objs, "NetworkPolicy", "trove-sidecars", "games")["spec"]
    c.eq(spec["podSelector"], {"matchLabels": {"trove.dev/sidecar": "true"}}, "selects the sidecar pods")
    c.eq(spec["policyTypes"], ["Ingress"], "ingress only")
    admin, data, _other, extra = spec["ingress"]
    c.eq(admin, {"ports": [{"port": 9090, "protocol": "TCP"}], "from": [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "trove-system"}},
         "podSelector": {"matchLabels": OPERATOR_SELECTOR}},
        {"namespaceSelector": {"matchLabels": {"name": "monitoring"}}}]}, "admin port: the operator and extraFrom")
    c.eq(data, {"ports": [{"port": 8080, "protocol": "TCP"}], "from": [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "lobby"}}},
        {"ipBlock": {"cidr": "10.0.0.0/8"}}]}, "data port: the listed namespaces and CIDRs")
    c.eq(extra, {"ports": [{"port": 7777}]}, "extraIngress appended")
    spec = r.one(r.render("netpol-open", ["--set", "networkPolicy.enabled=true"]), "NetworkPolicy", "trove-sidecars")
    c.eq(spec["spec"]["ingress"][1], {"ports": [{"port": 8080, "protocol": "TCP"}]}, "data port open to all by default")


# (helm arguments, text the schema error must contain) for the new values.
SCHEMA_VIOLATIONS = [
    (["--set", "operator.image.digest=latest"], "at '/operator/image/digest'"),
    (["--set", "sidecar.image.pullPolicy=Sometimes"], "at '/sidecar/image/pullPolicy': value must be one of"),
    (["--set", "operator.podDisruptionBudget.minAvailable=most"], "at '/operator/podDisruptionBudget/minAvailable'"),
    (["--set", "operator.podDisruptionBudget.bogus=1"], "additional properties 'bogus' not allowed"),
    (["--set", "sidecar.extraArgs={busy-poll}"], "at '/sidecar/extraArgs/0'"),
    (["--set", "sidecar.extraEnv[0].value=x"], "at '/sidecar/extraEnv/0'"),
    (["--set", "networkPolicy.data.cidrs={10.0.0.0}"], "at '/networkPolicy/data/cidrs/0'"),
    (["--set", "networkPolicy.data.namespaces={Bad_NS}"], "at '/networkPolicy/data/namespaces/0'"),
    (["--set", "networkPolicy.enable=true"], "additional properties 'enable' not allowed"),
    (["--set-string", "networkPolicy.otherPorts=yes"], "at '/networkPolicy/otherPorts': got string, want boolean"),
    (["--set", "monitoring.prometheusRule.runbookBaseURL=docs/runbooks.md"], "at '/monitoring/prometheusRule/runbookBaseURL'"),
    (["--set", "monitoring.prometheusRule.selectors.operator.jobs=x"], "additional properties 'jobs' not allowed"),
    (["--set-string", "operator.enabled=no"], "at '/operator/enabled': got string, want boolean"),
]


def secret_rules(objs, r):
    return [rule for role in r.find(objs, "ClusterRole") for rule in role.get("rules", [])
            if rule.get("resources") == ["secrets"]]


def check_operator_managed_tokens(c, r):
    c.section("adminToken.operatorManaged (default): no lookup-made Secret; the operator creates and rotates it")
    objs = r.render("tokens-operator", [])
    c.eq([s["metadata"]["name"] for s in r.find(objs, "Secret")], [], "no Secret rendered")
    args = r.one(objs, "Deployment", "trove-operator")["spec"]["template"]["spec"]["containers"][0]["args"]
    c.true("--manage-admin-tokens" in args, "the operator runs with --manage-admin-tokens")
    c.eq(sorted((rule.get("resourceNames", []), rule["verbs"]) for rule in secret_rules(objs, r)),
         [([], ["create"]), (["trove-admin-token"], ["get", "patch"])],
         "RBAC: create secrets, get and patch the one token Secret name")
    lookup = r.render("tokens-chart", SWITCHES["lookup-made tokens"])
    c.true(len(r.find(lookup, "Secret")) >= 1, "operatorManaged=false: the chart renders the admin-token Secret")
    c.eq([rule["verbs"] for rule in secret_rules(lookup, r)], [["get"]], "and the operator may only get it")


def check_rejections(c, r):
    c.section("invalid new values are rejected with a message naming them")
    for args, message in SCHEMA_VIOLATIONS:
        code, out = r.helm(["template", "t", r.chart] + args)
        c.true(code != 0 and message in out, f"{' '.join(args)} -> rejected with {message!r}"
               + ("" if code != 0 and message in out else f"\n      helm said (exit {code}): {out.strip()[:400]}"))


def check_lint(c, r):
    c.section("helm lint --strict: each switch flipped, then all at once")
    every = [flag for title, flags in SWITCHES.items() if title != "pdb maxUnavailable" for flag in flags]
    every += ["--set", "crds.install=false", "--set", "adminToken.create=false", "--set", "sidecar.native=false",
              "--set", "operator.watch.mode=namespaced", "--set", "operator.watch.namespaces={games}",
              "--set", "monitoring.dashboards.enabled=false", "--set", "monitoring.prometheusRule.selectors.sidecar.job=x"]
    for title, args in list(SWITCHES.items()) + [("every switch", every)]:
        code, out = r.helm(["lint", "--strict", r.chart] + args)
        c.true(code == 0 and "0 chart(s) failed" in out, f"helm lint --strict: {title}"
               + ("" if code == 0 else "\n" + out))
    # helm lint cannot offer the Prometheus Operator APIs: render those objects instead.
    code, out = r.helm(["template", "trove", r.chart] + every + MONITORING_FLAGS)
    c.true(code == 0 and "kind: PrometheusRule" in out, "every switch with the monitoring APIs renders"
           + ("" if code == 0 else "\n" + out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--helm", required=True)
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--repo", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="trove-chart-prod-") as tmp:
        r = Renderer(a.helm, a.kubectl, os.path.join(a.repo, "charts", "trove"), tmp)
        c = Checker()
        for check in (check_operator_off, check_operator_placement, check_images, check_pull_secrets,
                      check_security, check_sidecar_extras, check_network_policy, check_operator_managed_tokens,
                      check_rejections, check_lint):
            check(c, r)
        return c.finish()


if __name__ == "__main__":
    sys.exit(main())
