#!/usr/bin/python3
"""The shell the chart puts into pods, run for real against a real
trove-server: the demo game's ingest loop, the `helm test` readiness check,
and the sidecar's preStop drain hook. The scripts and their environment are
taken from the rendered manifests (helm template), so what runs here is what
a kubelet would run, with only the ports swapped for the test's ephemeral ones.

Usage: sidecar_scripts_test.py --server BIN --helm H --kubectl K --repo ROOT
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from chart_lib import Checker, Renderer


def http_get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def start_server(binary, tmp):
    port_file = os.path.join(tmp, "ports.json")
    token_file = os.path.join(tmp, "token")
    with open(token_file, "w") as f:
        f.write("s3cr3t-token-for-the-drain-test\n")
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", "0", "--ingest-port", "0", "--admin-bind", "127.0.0.1",
                             "--admin-port", "0", "--workers", "1", "--arena-mib", "8", "--max-boxes", "4096",
                             "--admin-token-file", token_file, "--port-file", port_file],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"trove-server exited early ({proc.returncode}):\n{proc.stdout.read()}")
        try:
            with open(port_file) as f:
                ports = json.load(f)
            return proc, ports["data"], ports["ingest"], ports["admin"], token_file
        except (OSError, ValueError, KeyError):
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("trove-server wrote no port file within 20 s")


def run_script(script, env, timeout=60):
    p = subprocess.run(["/bin/bash", "-c", script], env=dict(os.environ, **env), capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def accepted_messages(admin_port):
    _, text = http_get(admin_port, "/metrics")
    total = 0.0
    for line in text.splitlines():
        m = re.match(r'trove_ingest_messages_total\{[^}]*result="accepted"[^}]*\} (\S+)', line)
        if m:
            total += float(m.group(1))
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--helm", required=True)
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--repo", required=True)
    a = ap.parse_args()
    c = Checker()
    with tempfile.TemporaryDirectory(prefix="trove-scripts-") as tmp:
        r = Renderer(a.helm, a.kubectl, os.path.join(a.repo, "charts", "trove"), tmp)
        objs = r.render("demo", ["--set", "demo.enabled=true", "--set", "sidecar.drainSeconds=1"])
        pod = r.one(objs, "Deployment", "trove-demo-game")["spec"]["template"]["spec"]
        sidecar = pod["initContainers"][0]
        game = pod["containers"][0]
        test_pod = r.one(objs, "Pod", "trove-operator-test-readyz")["spec"]["containers"][0]
        drain_cmd = sidecar["lifecycle"]["preStop"]["exec"]["command"]
        drain_env = {e["name"]: e["value"] for e in sidecar["env"]}
        game_env = {e["name"]: e["value"] for e in game["env"]}
        check_env = {e["name"]: e["value"] for e in test_pod["env"]}

        server, data_port, ingest_port, admin_port, token_file = start_server(a.server, tmp)
        try:
            c.section(f"trove-server on data :{data_port}, admin :{admin_port}")
            c.eq(http_get(admin_port, "/readyz")[0], 200, "server ready")

            c.section("demo game loop (files/demo-game.sh as rendered)")
            env = dict(game_env, TROVE_INGEST_PORT=str(ingest_port), BOXES="20", ROUNDS="3", INTERVAL="0.05")
            before = accepted_messages(admin_port)
            code, out, err = run_script(game["command"][2], env)
            c.eq(code, 0, "the loop ends after ROUNDS rounds")
            c.eq(err.strip(), "", "the sidecar acknowledged every POST /v1/ingest with 200")
            c.eq(accepted_messages(admin_port) - before, 60.0, "60 messages accepted (3 rounds x 20 boxes)")
            status, body = http_get(data_port, "/v1/boxes/7")
            c.true(status == 200 and '"box":7' in body and '"state":"open"' in body, f"box 7 is stored: {status} {body[:200]}")

            c.section("helm test check (files/check-readyz.sh as rendered)")
            env = dict(check_env, TARGET_HOST="127.0.0.1", TARGET_PORT=str(admin_port), ATTEMPTS="1")
            code, out, err = run_script(test_pod["command"][2], env)
            c.true(code == 0 and "200" in out, f"a ready /readyz passes (exit {code}: {out.strip()} {err.strip()})")
            env["TARGET_PORT"] = str(closed_port())
            code, out, err = run_script(test_pod["command"][2], env)
            c.true(code == 1 and "never answered 200" in err, f"a closed port fails the test (exit {code})")

            c.section("preStop drain hook (files/drain.sh as rendered)")
            c.eq(drain_cmd[:2], ["/bin/bash", "-c"], "hook is bash -c")
            # The image has trove-server on its PATH; here the build's binary stands in.
            path = os.path.dirname(os.path.abspath(a.server)) + os.pathsep + os.environ.get("PATH", "")
            wrong_token = os.path.join(tmp, "wrong-token")
            with open(wrong_token, "w") as f:
                f.write("not-the-token\n")
            env = dict(drain_env, TROVE_ADMIN_PORT=str(admin_port), TROVE_TOKEN_FILE=wrong_token, PATH=path)
            code, out, err = run_script(drain_cmd[2], env)
            c.true(code == 1 and "401" in err, f"a wrong token fails the hook (exit {code}: {err.strip()})")
            c.eq(http_get(admin_port, "/readyz")[0], 200, "a refused drain leaves the server serving")
            env = dict(drain_env, TROVE_ADMIN_PORT=str(admin_port), TROVE_TOKEN_FILE=token_file, PATH=path)
            c.eq(env["DRAIN_SECONDS"], "1", "drain wait from values")
            t0 = time.time()
            code, out, err = run_script(drain_cmd[2], env)
            took = time.time() - t0
            c.true(code == 0 and "accepted" in out, f"trove-server drain: 202 (exit {code}: {out} {err})")
            c.true(took >= 1.0, f"the hook waited DRAIN_SECONDS before returning ({took:.2f} s)")
            status, _ = http_get(admin_port, "/readyz")
            c.eq(status, 503, "after the hook, /readyz says draining (the endpoint leaves the Service)")
            env = dict(check_env, TARGET_HOST="127.0.0.1", TARGET_PORT=str(admin_port), ATTEMPTS="1")
            code, _, err = run_script(test_pod["command"][2], env)
            c.eq(code, 1, "the readiness check fails on a draining server")
            env = dict(drain_env, TROVE_ADMIN_PORT=str(closed_port()), TROVE_TOKEN_FILE=token_file, PATH=path)
            code, out, err = run_script(drain_cmd[2], env)
            c.true(code == 1 and "refused" in err, f"the hook fails loudly when nothing listens (exit {code}: {err.strip()})")
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                code = server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                code = "killed"
        c.eq(code, 0, "trove-server exits 0 on SIGTERM after the drain")
        return c.finish()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


if __name__ == "__main__":
    sys.exit(main())
