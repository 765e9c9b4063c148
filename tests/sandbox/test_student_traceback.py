"""What a student is shown of an error raised in their code: their own frames, by cell and line, then the error."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.errors import StudentRaised
from .conftest import assert_no_leftovers, preforked, session_for

DEEP = '''import numpy as np

def reshape_all(x):
    return np.asarray(x).reshape(7)

def forward(x):
    return reshape_all(x)
'''


def test_a_traceback_shows_the_students_frames_and_none_of_numpys_or_the_graders(bwrap):
    session = session_for(DEEP, preforked(bwrap))
    try:
        with pytest.raises(StudentRaised) as raised:
            session.call("forward", np.ones(2))
    finally:
        session.close()
    assert raised.value.traceback_text == (
        '  File "<cell 1>", line 7, in forward\n'
        '  File "<cell 1>", line 4, in reshape_all\n'
        "ValueError: cannot reshape array of size 2 into shape (7,)\n"
    )
    assert_no_leftovers()
