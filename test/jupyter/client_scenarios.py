"""jupyter_client driving bmnb's Jupyter kernel through what users do to a kernel: interrupts
(a spinning loop, a pending await, a fit), cells queued behind a running one, a kernel that dies
mid-cell, restart and shutdown. Prints one JSON object per scenario; test/jupyter.test.ts checks
them. Run with JUPYTER_PATH pointing at the kernelspec and BMNB_KERNEL_NAME naming it.
"""
import json
import os
import sys
import time

from jupyter_client.manager import start_new_kernel

NAME = os.environ.get("BMNB_KERNEL_NAME", "bmnb")
TIMEOUT = 120


def report(name, **facts):
    print(json.dumps({"scenario": name, **facts}), flush=True)


def collect(kc, msg_id, timeout=TIMEOUT):
    """Outputs of one request until its idle status, then its reply."""
    outputs = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            break
        if kind == "stream":
            outputs.append({"type": "stream", "name": msg["content"]["name"], "text": msg["content"]["text"]})
        elif kind in ("execute_result", "display_data", "update_display_data"):
            outputs.append({"type": kind, "mimes": sorted(msg["content"]["data"]), "text": msg["content"]["data"].get("text/plain")})
        elif kind == "error":
            outputs.append({"type": "error", "ename": msg["content"]["ename"], "evalue": msg["content"]["evalue"]})
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"], outputs


def run(kc, code, **kw):
    return collect(kc, kc.execute(code, **kw))


def interrupt_after(km, kc, code, wait):
    msg_id = kc.execute(code)
    time.sleep(wait)
    asked = time.time()
    km.interrupt_kernel()
    reply, outputs = collect(kc, msg_id)
    return reply, outputs, round(time.time() - asked, 2)


def main():
    km, kc = start_new_kernel(kernel_name=NAME, startup_timeout=TIMEOUT)
    try:
        reply, _ = run(kc, "import * as tf from '@tensorflow/tfjs';\nconst kept = 41;")
        report("setup", status=reply["status"])

        reply, outputs, secs = interrupt_after(km, kc, "while (true) {}", 1.5)
        after, out2 = run(kc, "kept + 1")
        report("interrupt-loop", status=reply["status"], ename=reply.get("ename"), seconds=secs, after=out2[-1]["text"] if out2 else None)

        reply, outputs, secs = interrupt_after(km, kc, "await new Promise(() => {})", 1.0)
        after, out2 = run(kc, "kept + 2")
        report("interrupt-await", status=reply["status"], ename=reply.get("ename"), seconds=secs, after=out2[-1]["text"] if out2 else None)

        run(kc, """const model = tf.sequential({ layers: [tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), tf.layers.dense({ units: 1 })] });
model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
const xs = tf.randomNormal([512, 4]); const ys = tf.randomNormal([512, 1]);
let batches = 0;""")
        reply, outputs, secs = interrupt_after(km, kc, "await model.fit(xs, ys, { epochs: 100000, batchSize: 8, verbose: 0, callbacks: { onBatchEnd: async () => { batches++; } } });", 2.0)
        after, out2 = run(kc, "[batches > 0, (model.predict(xs.slice([0, 0], [1, 4])) as tf.Tensor).shape]")
        report("interrupt-fit", status=reply["status"], ename=reply.get("ename"), seconds=secs, after=out2[-1]["text"] if out2 else None)

        # Completions and inspect know the types of what ran (TypeScript over the cells so far).
        members = kc.complete("model.fi", 8, reply=True, timeout=TIMEOUT)["content"]
        tfs = kc.complete("tf.tensor", 9, reply=True, timeout=TIMEOUT)["content"]
        seen = kc.inspect("tf.tensor2d", 11, reply=True, timeout=TIMEOUT)["content"]
        report(
            "complete",
            members=members["matches"],
            start=members["cursor_start"],
            tfs=tfs["matches"],
            inspect_found=seen["found"],
            inspect=seen["data"].get("text/plain", ""),
        )

        # await input(prompt): an input_request on the stdin channel, answered with input_reply.
        asked = kc.execute("const who = await input('Your name? ');\n`hello ${who}`", allow_stdin=True)
        request = kc.get_stdin_msg(timeout=TIMEOUT)
        kc.input("Ada")
        reply, outputs = collect(kc, asked)
        refused, refused_out = run(kc, "await input('never asked')", allow_stdin=False)
        report(
            "input",
            prompt=request["content"]["prompt"],
            password=request["content"]["password"],
            parent=request["parent_header"]["msg_id"] == asked,
            result=outputs[-1]["text"] if outputs else None,
            refused=refused["status"],
            refused_why=refused.get("evalue"),
        )

        # 20 cells queued behind a running one: all run, in order, with rising execution counts.
        first = kc.execute("await new Promise((r) => setTimeout(r, 1500)); 'first'")
        ids = [kc.execute(f"{i} * 10") for i in range(20)]
        first_reply, first_out = collect(kc, first)
        results = [collect(kc, i) for i in ids]
        report(
            "queue",
            first=first_out[-1]["text"] if first_out else None,
            texts=[o[-1]["text"] if o else None for _, o in results],
            counts=[r["execution_count"] for r, _ in results],
        )

        # stop_on_error: cells queued behind a failing one are aborted.
        failing = kc.execute("await new Promise((r) => setTimeout(r, 500)); throw new Error('stop here')")
        queued = [kc.execute("'never runs'") for _ in range(3)]
        failing_reply, _ = collect(kc, failing)
        aborted = [collect(kc, q)[0]["status"] for q in queued]
        later, later_out = run(kc, "'runs again'")
        report("stop-on-error", failing=failing_reply["status"], queued=aborted, later=later_out[-1]["text"] if later_out else None)

        # A kernel that dies mid-cell: the client gets an error, and the next cell runs in a new kernel.
        reply, outputs = run(kc, "process.exit(3)")
        after, out2 = run(kc, "typeof kept")
        report("death", status=reply["status"], ename=reply.get("ename"), evalue=reply.get("evalue"), after=out2[-1]["text"] if out2 else None)

        # Restart through the manager: a fresh session.
        run(kc, "const beforeRestart = 1;")
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=TIMEOUT)
        reply, outputs = run(kc, "typeof beforeRestart")
        report("restart", after=outputs[-1]["text"] if outputs else None, alive=km.is_alive())
    finally:
        kc.stop_channels()
        started = time.time()
        km.shutdown_kernel(now=False)
        report("shutdown", alive=km.is_alive(), seconds=round(time.time() - started, 2))


if __name__ == "__main__":
    sys.exit(main())
