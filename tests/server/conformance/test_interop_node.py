"""Interoperability with npm's `ws` (ws_interop.mjs), against both endpoints.
Needs node and TROVE_NPM_PROTOCOL (the folder hack/npm-tools.sh installs
`ws` into); ctest registers this module only when node is found."""
import os
import subprocess

from wsraw import ClientEndpoint, ConformanceCase, IngestEndpoint, SLOW

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ws_interop.mjs")


class NodeWs:
    def test_npm_ws_client_passes_every_interop_check(self):
        modules = os.environ.get("TROVE_NPM_PROTOCOL", "")
        self.assertTrue(os.path.isdir(os.path.join(modules, "node_modules", "ws")),
                        "npm ws missing under TROVE_NPM_PROTOCOL=%r: run hack/npm-tools.sh" % modules)
        url = "ws://127.0.0.1:%d%s" % (self.endpoint.port(self.server), self.endpoint.path)
        kind = "ws" if self.endpoint.path == "/v1/ws" else "ingest"
        done = subprocess.run(["node", SCRIPT, url, kind], capture_output=True, text=True,
                              timeout=120 * SLOW)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual(done.stdout.count("ok "), 4, done.stdout)


class NodeWsClient(NodeWs, ConformanceCase):
    endpoint = ClientEndpoint()


class NodeWsIngest(NodeWs, ConformanceCase):
    endpoint = IngestEndpoint()
