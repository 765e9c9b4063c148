# attack: write a perfect results.json, a gradebook and a pytest cache wherever the grader might read them
# expect: 0
import json
import os

import numpy as np

PERFECT = json.dumps({"score": 100, "tests": [{"name": "all", "score": 100, "max_score": 100}]})
for path in ("/autograder/results/results.json", "/work/main/gradebook.db", "/work/main/out/results.json",
             "results.json", "/tmp/results.json", "../results.json", "/sandbox/results.json", "/results.json"):
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w") as handle:
            handle.write(PERFECT)
    except OSError:
        pass


class CELoss:
    """Wrong on purpose: a constant loss and a zero gradient."""

    @staticmethod
    def forward(x, y):
        return 0.0

    @staticmethod
    def backward(x, y, dout):
        return np.zeros_like(x), 0.0

