"""Jupyter's own kernel conformance suite (jupyter_kernel_test) on bmnb's Jupyter kernel.

Run by test/jupyter.test.ts with JUPYTER_PATH pointing at a kernelspec `bmnb jupyter install`
wrote; BMNB_KERNEL_NAME names it.
"""
import os
import unittest

import jupyter_kernel_test


class BmnbKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("BMNB_KERNEL_NAME", "bmnb")
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'

    # Names from JavaScript itself: the suite may ask before any cell has run.
    completion_samples = [{"text": "Mat", "matches": {"Math"}}, {"text": "parseF", "matches": {"parseFloat"}}]

    complete_code_samples = ["1 + 1", "const x: number = 2;", "for (let i = 0; i < 3; i++) {}"]
    incomplete_code_samples = ["function f(a: number) {", "const a = [1, 2,", "if (true) {\n  console.log(1);"]
    invalid_code_samples = ["1 +* 2", "const = 5;"]

    code_page_something = "Math?"
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "[1, 2, 3].map((n) => n * 2)", "result": "[ 2, 4, 6 ]"},
        {"code": "'ab'.repeat(2)", "result": "abab"},
    ]
    code_display_data = [
        {"code": "display.line([1, 3, 2])", "mime": "application/vnd.bmnb.chart+json"},
        {"code": "display('shown')", "mime": "text/plain"},
    ]
    code_history_pattern = "6 * *"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "Math"
    code_clear_output = "display('before');\ndisplay.clear()"


if __name__ == "__main__":
    import json
    import sys

    # The kernel's log lines share this process's stderr and can land inside unittest's
    # "test ... ok" lines, so the outcome is also printed as one JSON line on stdout.
    result = unittest.main(exit=False, verbosity=2).result
    print("BMNB_RESULT " + json.dumps({
        "ran": result.testsRun,
        "failures": [t.id() for t, _ in result.failures + result.errors + result.unexpectedSuccesses],
        "skipped": [t.id() for t, _ in result.skipped],
    }), flush=True)
    sys.exit(0 if result.wasSuccessful() else 1)
