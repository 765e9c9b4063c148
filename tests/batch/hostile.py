"""Hostile submissions and their honest twins, shared by the CLI, nbgrader and Gradescope tests.

Each forged reply rewrites the child's own `json.dumps`, as a student's cell can: the protocol's
pipe descriptors are the child's to write to, so the parent must survive anything on them. The forgery
rewrites the reply to one call and each reply inside the answer to several calls made at once.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from .conftest import CORRECT, NAIVE, notebook

FORGE = '''import json as _json
_dumps = _json.dumps


def _forged(obj, *args, **kwargs):
    if isinstance(obj, dict) and isinstance(obj.get("replies"), list):  # several calls answered in one reply
        replies = [_rewrite(dict(one)) for one in obj["replies"]]
        listed = ", ".join(one if isinstance(one, str) else _dumps(one) for one in replies)
        return '{"replies": [' + listed + '], "blobs": ' + str(obj.get("blobs", 0)) + '}'
    if isinstance(obj, dict):
        obj = _rewrite(dict(obj))
        if isinstance(obj, str):
            return obj
    return _dumps(obj, *args, **kwargs)


_json.dumps = _forged
'''

REWRITES = {
    # a reply header nested 100,000 deep: json.loads raises RecursionError in the parent
    "deep_header": '''def _rewrite(obj):
    return '{"ok": true, "value": ' + "[" * 100000 + "]" * 100000 + "}" if obj.get("ok") is True else obj
''',
    # a wire float holding 10**400: float() raises OverflowError in the parent
    "wire_float": '''def _rewrite(obj):
    return dict(obj, value={"t": "f", "v": 10**400}) if obj.get("ok") is True else obj
''',
    "cell_errors_text": '''def _rewrite(obj):
    return dict(obj, cell_errors="boom") if obj.get("ready") else obj
''',
    "cell_errors_bad_cell": '''def _rewrite(obj):
    return dict(obj, cell_errors=[{"cell": "first", "type": 1, "message": None}]) if obj.get("ready") else obj
''',
    "mutated_text": '''def _rewrite(obj):
    return dict(obj, mutated="0") if obj.get("ok") is True else obj
''',
    "mutated_objects": '''def _rewrite(obj):
    return dict(obj, mutated=[{"position": 0}]) if obj.get("ok") is True else obj
''',
    # not designed for: an error reply whose fields are not text, and a reply with no known field
    "error_fields": '''def _rewrite(obj):
    return {"error": {"type": ["x"], "message": {"a": 1}}, "blobs": 0} if "ok" in obj else obj
''',
}

# Unstable code that kills its own process whenever it meets a hard input, hoping that a crash in the
# middle of an exchange holding several calls is charged to the grader (or skipped) rather than to it.
CRASH_ON_HARD = NAIVE + '''
import os

_naive_forward, _naive_backward = CELoss.forward, CELoss.backward


def _hard(x):
    x = np.asarray(x, dtype=np.float64)
    return not np.isfinite(x).all() or np.abs(x).max() > 50


def _forward(x, y):
    if _hard(x):
        os._exit(0)
    return _naive_forward(x, y)


def _backward(x, y, dout):
    if _hard(x):
        os._exit(0)
    return _naive_backward(x, y, dout)


CELoss.forward, CELoss.backward = staticmethod(_forward), staticmethod(_backward)
'''

BIG_INT = CORRECT.replace("return -log_probs[np.arange(len(y)), y].mean()", "return 10**400")
assert BIG_INT != CORRECT


def forged(name: str) -> str:
    return FORGE + REWRITES[name] + "\n\n" + CORRECT


def honest_cell() -> dict:
    return {"cell_type": "code", "metadata": {}, "source": CORRECT, "outputs": [], "execution_count": None}


def malformed_notebooks() -> dict[str, str]:
    """Notebooks that break one field of the schema each; their twin is `notebook(CORRECT)`."""
    base = json.loads(notebook(CORRECT))
    made = {}

    def variant(name, change):
        document = json.loads(json.dumps(base))
        change(document)
        made[name] = json.dumps(document)

    variant("nbformat_text", lambda d: d.update(nbformat="4"))
    variant("metadata_list", lambda d: d["cells"][0].update(metadata=["nbgrader"]))
    variant("nbgrader_list", lambda d: d["cells"][0].update(metadata={"nbgrader": [1, 2]}))
    variant("worksheets_junk", lambda d: d.update(nbformat=3, worksheets={"cells": 1}))
    variant("source_number", lambda d: d["cells"][0].update(source=12))  # not designed for
    return made


def big_outputs_notebook(mib: int = 60) -> str:
    """A correct notebook whose stored outputs hold `mib` MiB of printed text."""
    document = json.loads(notebook(CORRECT))
    lines = ["epoch 0001 loss 2.302585 accuracy 0.1000\n"] * (mib * 2**20 // 41 + 1)
    document["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": lines}]
    return json.dumps(document)


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return path


def nested_zip_bytes(tmp: Path) -> bytes:
    inner = write_zip(tmp / "inner.zip", {"celoss.ipynb": notebook(CORRECT).encode()})
    return inner.read_bytes()


__all__ = ["CORRECT", "NAIVE", "notebook", "forged", "REWRITES", "BIG_INT", "CRASH_ON_HARD", "malformed_notebooks",
           "big_outputs_notebook", "write_zip", "nested_zip_bytes"]
