"""A Jupyter Server (Debian's jupyter_server) on localhost with a token runs bmnb cells through its
REST and websocket API, as a remote server does for JupyterLab or VS Code's Jupyter extension.
Prints one JSON line with what came back. Run with JUPYTER_PATH pointing at bmnb's kernelspec and
BMNB_KERNEL_NAME naming it.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

from tornado import ioloop, websocket

NAME = os.environ.get("BMNB_KERNEL_NAME", "bmnb")
TOKEN = uuid.uuid4().hex


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(port, method, path, body=None):
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        text = r.read().decode()
        return json.loads(text) if text else None


async def run_cells(port, kernel_id, cells):
    conn = await websocket.websocket_connect(f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?token={TOKEN}")
    results = []
    for code in cells:
        msg_id = uuid.uuid4().hex
        conn.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": "s", "date": "", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        }))
        got = {"code": code, "outputs": [], "reply": None}
        deadline = time.time() + 120
        while got["reply"] is None or not got.get("idle"):
            if time.time() > deadline:
                raise TimeoutError(code)
            msg = json.loads(await conn.read_message())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "execute_reply":
                got["reply"] = msg["content"]["status"]
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                got["idle"] = True
            elif kind == "stream":
                got["outputs"].append(["stream", msg["content"]["text"]])
            elif kind in ("execute_result", "display_data"):
                got["outputs"].append([kind, msg["content"]["data"].get("text/plain"), sorted(msg["content"]["data"])])
            elif kind == "error":
                got["outputs"].append(["error", msg["content"]["ename"], msg["content"]["evalue"]])
        results.append(got)
    conn.close()
    return results


def main():
    port = free_port()
    root = os.getcwd()
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}"]
        + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        for _ in range(200):
            try:
                api(port, "GET", "/api/status")
                break
            except Exception:
                time.sleep(0.1)
        specs = api(port, "GET", "/api/kernelspecs")["kernelspecs"]
        kernel = api(port, "POST", "/api/kernels", {"name": NAME})
        results = ioloop.IOLoop.current().run_sync(lambda: run_cells(port, kernel["id"], [
            "import * as tf from '@tensorflow/tfjs';\nconst t = tf.tensor([1, 2, 3]);\nconsole.log('from the server');\nt",
            "t.sum().arraySync()",
        ]))
        api(port, "DELETE", f"/api/kernels/{kernel['id']}")
        left = api(port, "GET", "/api/kernels")
        print(json.dumps({
            "spec": specs.get(NAME, {}).get("spec", {}).get("display_name"),
            "language": specs.get(NAME, {}).get("spec", {}).get("language"),
            "results": results,
            "kernels_left": len(left),
        }), flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
