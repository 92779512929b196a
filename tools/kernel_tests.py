"""Tests the installed `bp` Jupyter kernel (SPEC §15) the way Jupyter uses it.

1. jupyter_kernel_test's conformance suite (KernelTests) against the kernelspec `bp`,
   plus bp's own checks: bindings persist between cells, `:` commands run in cells,
   errors carry the coloured report, interrupting `while true {}` returns the kernel to
   idle with the session intact, a long cell's `print`s arrive while it runs, the
   error report reads on JupyterLab's error background, `language_info` names a
   highlighter (the Pygments lexer `bp kernel install` installs), history requests
   without `stop` are answered, and the kernel ends when the process that started it
   is killed (JPY_PARENT_PID).
2. Every notebook in examples/notebooks/ executed headless (nbclient) and its outputs
   compared with the outputs saved in it.

    python tools/kernel_tests.py            # run everything
    python tools/kernel_tests.py --update   # re-execute the notebooks and save them

The kernelspec must be installed first (`bp kernel install --prefix "$VIRTUAL_ENV"`).
Needs jupyter_client, jupyter_kernel_test, nbclient and nbformat (see .ci/run).
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
import sys
import time
import unittest
from pathlib import Path
from queue import Empty

import jupyter_kernel_test
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "examples" / "notebooks").glob("*.ipynb"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TIMEOUT = 30


class BpKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "bp"
    language_name = "bp"
    file_extension = ".bp"

    code_hello_world = 'print("hello, world")'
    # A gradient anomaly is a warning, written to stderr; the cell still succeeds.
    code_stderr = "z = zeros(1, grad)\nbackward(sum(sqrt(z)))"
    code_generate_error = "undefined_name + 1"
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "a = 2\na * 3", "result": "6"},
        {"code": "ones(2)", "result": "tensor([1., 1.])"},
    ]
    # plot, scatter and draw show inline: display_data with image/svg+xml.
    code_display_data = [
        {"code": "plot([3, 1, 2])", "mime": "image/svg+xml"},
        {"code": "x = ones(2, grad)\ndraw(sum(x * x))", "mime": "image/svg+xml"},
        {"code": "seed(0)\nX, y = make_moons(20)\nscatter(X, y)", "mime": "image/svg+xml"},
    ]
    completion_samples = [
        {"text": "zeros_l", "matches": {"zeros_like"}},
        {"text": "sigm", "matches": {"sigmoid"}},
        {"text": ":gr", "matches": {":graph", ":grads"}},
    ]
    complete_code_samples = ["x = 1", "fn f(x) {\n    return x\n}", ":vars"]
    incomplete_code_samples = ["fn f(x) {", "y = (1 +", "xs = [1, 2,"]
    invalid_code_samples = ["x = = 1", "y = 1 +* 2"]
    code_inspect_sample = "sigmoid"

    def run_cell(self, code: str, timeout: float = TIMEOUT):
        self.flush_channels()
        return self.execute_helper(code, timeout=timeout)

    def test_bp_bindings_persist_and_commands_run(self) -> None:
        reply, _ = self.run_cell("w = tensor(3, grad)\nloss = w * w\nbackward(loss)")
        self.assertEqual(reply["content"]["status"], "ok")
        reply, outputs = self.run_cell(":vars\nw.grad")
        self.assertEqual(reply["content"]["status"], "ok")
        streams = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream")
        self.assertIn("requires_grad", streams)
        results = [m for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(results), 1)
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "tensor(6.)")

    def test_bp_only_the_last_expression_is_the_result(self) -> None:
        reply, outputs = self.run_cell("1 + 1\n2 + 2\nb = 5")
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual([m for m in outputs if m["msg_type"] == "execute_result"], [])

    def test_bp_errors_are_the_terminal_report(self) -> None:
        reply, outputs = self.run_cell("x_missing * 2")
        self.assertEqual(reply["content"]["status"], "error")
        error = outputs[0]["content"]
        self.assertEqual(error["evalue"], "unknown name 'x_missing'")
        traceback = "\n".join(error["traceback"])
        self.assertIn("\x1b[", traceback)
        plain = ANSI.sub("", traceback)
        self.assertIn("unknown name 'x_missing'", plain)
        self.assertIn("x_missing * 2", plain)
        # The session goes on.
        reply, _ = self.run_cell("after_error = 1")
        self.assertEqual(reply["content"]["status"], "ok")

    def test_bp_error_report_is_readable_on_the_error_background(self) -> None:
        _, outputs = self.run_cell("x_missing * 2")
        traceback = "\n".join(outputs[0]["content"]["traceback"])
        # The source text is in the notebook's own colour, not ariadne's light grey...
        self.assertNotIn("38;5;249", traceback)
        # ...and one escape code opens a run of text, not every character.
        line = next(l for l in traceback.splitlines() if "x_missing * 2" in ANSI.sub("", l))
        self.assertLessEqual(len(ANSI.findall(line)), 8, repr(line))

    def test_bp_language_info_names_a_highlighter(self) -> None:
        self.flush_channels()
        self.kc.kernel_info()
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        info = reply["content"]["language_info"]
        self.assertEqual(info["pygments_lexer"], "bplang")
        self.assertEqual(info["codemirror_mode"], "python")
        try:
            from pygments.lexers import get_lexer_by_name
            from pygments.token import Error
        except ImportError:
            self.skipTest("pygments is not installed")
        # `bp kernel install` installed the lexer into this environment.
        lexer = get_lexer_by_name(info["pygments_lexer"])
        self.assertEqual(lexer.name, "bp")
        for path in NOTEBOOKS:
            for cell in nbformat.read(path, as_version=4).cells:
                if cell.cell_type == "code":
                    bad = [v for t, v in lexer.get_tokens(cell.source) if t in Error]
                    self.assertEqual(bad, [], f"{path.name}: error tokens in {cell.source!r}")

    def test_bp_shift_tab_inside_a_call_shows_the_called_function(self) -> None:
        for code, want in [("sigmoid(", "sigmoid(x)"), ("y = sum(ones(2, 3), axis=0", "sum(x, axis")]:
            self.flush_channels()
            self.kc.inspect(code, cursor_pos=len(code))
            reply = self.kc.get_shell_msg(timeout=TIMEOUT)
            self.assertTrue(reply["content"]["found"], code)
            self.assertIn(want, reply["content"]["data"]["text/plain"], code)

    def test_bp_history_requests_without_stop_are_answered(self) -> None:
        for kwargs in (
            {"hist_access_type": "range", "start": 1},
            {"hist_access_type": "tail", "n": 5},
            {"hist_access_type": "search", "pattern": "x*"},
        ):
            self.flush_channels()
            msg_id = self.kc.history(**kwargs)
            reply = self.kc.get_shell_msg(timeout=TIMEOUT)
            self.assertEqual(reply["parent_header"]["msg_id"], msg_id, kwargs)
            self.assertEqual(reply["msg_type"], "history_reply")
            self.assertEqual(reply["content"]["status"], "ok")

    def test_bp_interrupt_stops_a_running_cell(self) -> None:
        self.run_cell("kept = 41")
        self.flush_channels()
        msg_id = self.kc.execute("while true {}")
        time.sleep(1.0)
        self.km.interrupt_kernel()
        reply = self.get_non_kernel_info_reply(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        reply, outputs = self.run_cell("kept + 1")
        self.assertEqual(reply["content"]["status"], "ok")
        results = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(results, ["42"])

    def test_bp_output_streams_while_the_cell_runs(self) -> None:
        self.flush_channels()
        code = 'print("started")\nt0 = time()\nwhile time() - t0 < 2 {}\nprint("finished")'
        sent = time.monotonic()
        self.kc.execute(code)
        first_text_at = None
        while first_text_at is None:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if msg["msg_type"] == "stream" and "started" in msg["content"]["text"]:
                first_text_at = time.monotonic() - sent
        self.assertLess(first_text_at, 1.5, "the first print should arrive before the cell ends")
        reply = self.get_non_kernel_info_reply(timeout=TIMEOUT)
        self.assertEqual(reply["content"]["status"], "ok")

    def test_bp_every_picture_has_a_png_beside_its_svg(self) -> None:
        cells = [
            "plot([3, 1, 2], title=\"loss\")",
            "x = ones(2, grad)\ndraw(sum(x * x))",
            "seed(0)\nX, y = make_moons(20)\nscatter(X, y)",
            "hist(randn(100))",
        ]
        for code in cells:
            reply, outputs = self.run_cell(code)
            self.assertEqual(reply["content"]["status"], "ok", code)
            shown = [m["content"]["data"] for m in outputs if m["msg_type"] == "display_data"]
            self.assertEqual(len(shown), 1, code)
            self.assertIsNone(png_problem(shown[0]), code)
            self.assertIn("text/plain", shown[0])

    def test_bp_inspect_a_variable(self) -> None:
        self.run_cell("inspected = ones(2, 3, grad)")
        self.kc.inspect("inspected", 3)
        reply = self.get_non_kernel_info_reply(timeout=TIMEOUT)
        self.assertTrue(reply["content"]["found"])
        self.assertIn("shape [2, 3]", reply["content"]["data"]["text/plain"])

    def test_bp_complete_names_in_scope_and_attributes(self) -> None:
        self.run_cell("my_weights = ones(2, grad)")
        self.kc.complete("y = my_we")
        reply = self.get_non_kernel_info_reply(timeout=TIMEOUT)
        self.assertEqual(reply["content"]["matches"], ["my_weights"])
        self.assertEqual(reply["content"]["cursor_start"], 4)
        self.kc.complete("my_weights.gr")
        reply = self.get_non_kernel_info_reply(timeout=TIMEOUT)
        self.assertEqual(reply["content"]["matches"], ["grad"])


    def test_bp_complete_by_the_values_type(self) -> None:
        self.run_cell("typed_w = ones(2, grad); typed_opt = sgd(typed_w, lr=0.1)")
        self.run_cell("typed_xs = list(); typed_d = {'a': 1}; typed_s = 'hi'")
        for code, want in [
            ("typed_xs.", ["append", "pop"]),
            ("typed_d.", ["get", "keys", "values", "items", "pop"]),
            ("typed_s.up", ["upper"]),
            ("typed_opt.", ["step", "zero_grad", "lr"]),
            ("sum(typed_w, ax", ["axis="]),
        ]:
            self.kc.complete(code)
            reply = self.get_non_kernel_info_reply(timeout=TIMEOUT)
            self.assertEqual(reply["content"]["matches"], want, code)
        # A tensor: its attributes first, then its methods.
        self.kc.complete("typed_w.")
        matches = self.get_non_kernel_info_reply(timeout=TIMEOUT)["content"]["matches"]
        self.assertEqual(matches[:2], ["grad", "shape"])
        self.assertIn("sum", matches)

def outputs_of(nb) -> list:
    """The outputs of every code cell, without what changes from run to run."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outs = []
        for out in cell.get("outputs", []):
            o = {"output_type": out["output_type"]}
            if out["output_type"] == "stream":
                o["name"] = out["name"]
                o["text"] = out["text"]
            elif out["output_type"] in ("execute_result", "display_data"):
                o["data"] = dict(out["data"])
                # The PNG beside an SVG depends on the machine's fonts: checked by
                # png_problem, compared only for being there.
                if "image/png" in o["data"]:
                    o["data"]["image/png"] = "<png>"
            elif out["output_type"] == "error":
                o["ename"] = out["ename"]
                o["evalue"] = out["evalue"]
                o["traceback"] = [ANSI.sub("", line) for line in out["traceback"]]
            outs.append(o)
        cells.append(outs)
    return cells


def merge_streams(outs: list) -> list:
    """Adjacent stream outputs of one name joined (how they split depends on timing)."""
    merged = []
    for o in outs:
        if merged and o["output_type"] == "stream" and merged[-1]["output_type"] == "stream" and merged[-1]["name"] == o["name"]:
            merged[-1] = dict(merged[-1], text=merged[-1]["text"] + o["text"])
        else:
            merged.append(o)
    return merged


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_problem(data: dict) -> str | None:
    """What is wrong with the PNG beside an SVG in a display bundle, if anything: a
    notebook opened untrusted shows no SVG, so every picture needs a decodable PNG."""
    if "image/svg+xml" not in data:
        return None
    if "image/png" not in data:
        return "an SVG picture without a PNG beside it"
    try:
        png = base64.b64decode(data["image/png"], validate=True)
    except (binascii.Error, ValueError) as e:
        return f"image/png is not base64: {e}"
    if not png.startswith(PNG_MAGIC):
        return "image/png does not start with the PNG signature"
    if len(png) < 2000:
        return f"image/png is only {len(png)} bytes"
    width, height = struct.unpack(">II", png[16:24])
    if width < 100 or height < 100:
        return f"image/png is {width}x{height}"
    return None


def pictures(nb) -> list:
    """The display bundles of a notebook that hold a picture (an SVG or a PNG)."""
    return [
        out["data"]
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out["output_type"] in ("execute_result", "display_data")
        and ("image/svg+xml" in out["data"] or "image/png" in out["data"])
    ]


def execute(path: Path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="bp",
        timeout=120,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return nb


class NotebookTests(unittest.TestCase):
    pass


# Starts the kernel as Jupyter does (jupyter_client sets JPY_PARENT_PID to this
# process), prints its pid, and waits to be killed.
PARENT = """
import sys, time
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name="bp", startup_timeout=60)
print(km.provisioner.process.pid, flush=True)
time.sleep(600)
"""


def running(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        return True


class OrphanTests(unittest.TestCase):
    def test_the_kernel_exits_when_the_process_that_started_it_dies(self) -> None:
        import os
        import signal
        import subprocess

        if not Path("/proc").is_dir():
            self.skipTest("needs /proc")
        parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
        try:
            kernel = int(parent.stdout.readline())
            self.assertTrue(running(kernel))
            time.sleep(1)
            self.assertTrue(running(kernel), "the kernel ended while its parent runs")
            os.kill(parent.pid, signal.SIGKILL)
            parent.wait()
            deadline = time.monotonic() + 5
            while running(kernel) and time.monotonic() < deadline:
                time.sleep(0.1)
            still = running(kernel)
            if still:
                os.kill(kernel, signal.SIGKILL)
            self.assertFalse(still, "the kernel runs on 5 s after its parent was killed")
        finally:
            if parent.poll() is None:
                parent.kill()


def _notebook_test(path: Path):
    def test(self) -> None:
        saved = nbformat.read(path, as_version=4)
        ran = execute(path)
        want = [merge_streams(c) for c in outputs_of(saved)]
        got = [merge_streams(c) for c in outputs_of(ran)]
        self.assertEqual(len(got), len(want))
        for i, (g, w) in enumerate(zip(got, want)):
            self.assertEqual(g, w, f"{path.name}: code cell {i + 1} gave other outputs than saved")
        self.assertFalse(any(o["output_type"] == "error" for c in got for o in c), f"{path.name} has an error")
        svg = [o for c in got for o in c if "image/svg+xml" in o.get("data", {})]
        self.assertTrue(svg, f"{path.name} shows no inline SVG picture")
        # Every picture has a PNG beside its SVG, in the run and in the file as
        # committed (what JupyterLab shows of a notebook it does not trust).
        for name, nb in [("run", ran), ("saved", saved)]:
            found = pictures(nb)
            self.assertTrue(found, f"{path.name} ({name}) has no picture")
            for i, data in enumerate(found):
                problem = png_problem(data)
                self.assertIsNone(problem, f"{path.name} ({name}), picture {i + 1}: {problem}")

    return test


for _path in NOTEBOOKS:
    setattr(NotebookTests, f"test_notebook_{_path.stem}", _notebook_test(_path))


def update() -> None:
    for path in NOTEBOOKS:
        nb = execute(path)
        nbformat.write(nb, path)
        print(f"saved {path.relative_to(ROOT)}")


def main() -> int:
    if "--update" in sys.argv:
        update()
        return 0
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    suite.addTests(loader.loadTestsFromTestCase(BpKernelTests))
    suite.addTests(loader.loadTestsFromTestCase(NotebookTests))
    suite.addTests(loader.loadTestsFromTestCase(OrphanTests))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    skipped = len(result.skipped)
    print(f"kernel: {result.testsRun - failed - skipped} passed, {failed} failed, {skipped} skipped")
    if not NOTEBOOKS:
        print("no notebooks in examples/notebooks", file=sys.stderr)
        return 1
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
