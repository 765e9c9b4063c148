"""The course's graders folder on sys.path, so tests can import an assignment's grader modules (`celoss.diagnose`)."""

import sys
from pathlib import Path

GRADERS_ROOT = Path(__file__).resolve().parents[1] / "graders"
if str(GRADERS_ROOT) not in sys.path:
    sys.path.insert(0, str(GRADERS_ROOT))
