"""The one JSON codec of a `ScoreReport`: lossless, versioned, strict on the way back in.

`to_json(report)` gives a JSON-ready dict and `from_json(data)` the report again, equal to the one
written (a round trip that tests pin). The document is flat and explicit:

    {"schema_version": 1, "assignment": ..., "submission": ..., "student_id": ..., "sha256": ...,
     "seed": ..., "isolation": ..., "grader_version": ..., "execution_time": ..., "source_path": ...,
     "notes": [...], "grader_failures": [{"name", "message"}],
     "tests": [{"name", "part", "title", "points", "max_points", "passed", "message", "bugs", "tags",
                "visibility", "bonus", "blame", "duration"}]}

Every key is required and no other key is allowed, so a document from another schema never passes
for this one. A document without "schema_version" predates this codec; it and any other version
raise `StaleReport`, whose callers regrade (a batch) or list the file as stale (`autograder report`).
Floats must be finite, because JSON has no NaN: `to_json` refuses a report that carries one.
"""

from __future__ import annotations

import math
from dataclasses import fields

from autograder.grading.outcome import Blame, GraderFailure, ScoreReport, TestOutcome

SCHEMA_VERSION = 1


class ReportDecodeError(ValueError):
    """A document that is not a ScoreReport of this schema; the message says which field and why."""


class StaleReport(ReportDecodeError):
    """A document written under another schema (or before schemas existed): regrade to replace it."""

    def __init__(self, found: object):
        self.found = found
        written_by = "an autograder without schema versions" if found is None else f"schema version {found!r}"
        super().__init__(f"written by {written_by}; this autograder reads schema version {SCHEMA_VERSION}: regrade it")


def to_json(report: ScoreReport) -> dict:
    """The report as a JSON-ready dict (plain str, int, float, bool, None, list and dict only)."""
    document = {"schema_version": SCHEMA_VERSION}
    for name in _REPORT_FIELDS:
        value = getattr(report, name)
        if name == "tests":
            document["tests"] = [_outcome_to_json(test) for test in value]
        elif name == "grader_failures":
            document["grader_failures"] = [{"name": f.name, "message": f.message} for f in value]
        elif name == "notes":
            document["notes"] = list(value)
        else:
            if isinstance(value, float) and not math.isfinite(value):
                _refuse(value, name)
            document[name] = value
    return document


def _outcome_to_json(test: TestOutcome) -> dict:
    document = {}
    for name in _OUTCOME_FIELDS:
        value = getattr(test, name)
        if isinstance(value, Blame):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, float) and not math.isfinite(value):
            _refuse(value, f"tests[{test.name!r}].{name}")
        document[name] = value
    return document


_REPORT_FIELDS = tuple(field.name for field in fields(ScoreReport))
_OUTCOME_FIELDS = tuple(field.name for field in fields(TestOutcome))


def _refuse(value: float, where: str):
    raise ValueError(f"cannot write a ScoreReport whose {where} is {value!r}: JSON has no such number")


def from_json(data: object) -> ScoreReport:
    """The report `to_json` wrote. Raises `StaleReport` for another schema, `ReportDecodeError` for anything malformed."""
    if not isinstance(data, dict):
        raise ReportDecodeError(f"a ScoreReport document is a JSON object, not {type(data).__name__}")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise StaleReport(data.get("schema_version"))
    read = _Reader(data, "report")
    report = ScoreReport(
        assignment=read.text("assignment"),
        submission=read.text("submission"),
        student_id=read.text("student_id", optional=True),
        sha256=read.text("sha256"),
        seed=read.integer("seed"),
        isolation=read.text("isolation"),
        grader_version=read.text("grader_version"),
        execution_time=read.number("execution_time"),
        source_path=read.text("source_path", optional=True),
        submitted_at=read.text("submitted_at", optional=True),
        notes=read.texts("notes"),
        grader_failures=tuple(_failure_from_json(item, f"grader_failures[{i}]")
                              for i, item in enumerate(read.items("grader_failures"))),
        tests=tuple(_outcome_from_json(item, f"tests[{i}]") for i, item in enumerate(read.items("tests"))),
    )
    read.done("schema_version")
    return report


def _failure_from_json(data: object, where: str) -> GraderFailure:
    read = _Reader(data, where)
    failure = GraderFailure(name=read.text("name"), message=read.text("message"))
    read.done()
    return failure


BLAMES = {blame.value: blame for blame in Blame}
_OUTCOME_TEXTS = ("name", "part", "title", "message", "visibility", "blame")
_OUTCOME_NUMBERS = ("points", "max_points", "duration")
_OUTCOME_FLAGS = ("passed", "bonus")
_OUTCOME_LISTS = ("bugs", "tags")
_OUTCOME_KEYS = frozenset(_OUTCOME_TEXTS + _OUTCOME_NUMBERS + _OUTCOME_FLAGS + _OUTCOME_LISTS)


def _well_formed_outcome(data: object) -> TestOutcome | None:
    """The outcome of an entry whose every field has the right type, checked in one pass; else None."""
    if type(data) is not dict or data.keys() != _OUTCOME_KEYS:
        return None
    if not all(type(data[key]) is str for key in _OUTCOME_TEXTS) or data["blame"] not in BLAMES:
        return None
    if not all(type(data[key]) in (int, float) and -math.inf < data[key] < math.inf for key in _OUTCOME_NUMBERS):
        return None
    if not all(type(data[key]) is bool for key in _OUTCOME_FLAGS):
        return None
    if not all(type(data[key]) is list and all(type(item) is str for item in data[key]) for key in _OUTCOME_LISTS):
        return None
    try:
        return TestOutcome(
            name=data["name"], part=data["part"], title=data["title"], points=float(data["points"]),
            max_points=float(data["max_points"]), passed=data["passed"], message=data["message"],
            bugs=tuple(data["bugs"]), tags=tuple(data["tags"]), visibility=data["visibility"], bonus=data["bonus"],
            blame=BLAMES[data["blame"]], duration=float(data["duration"]),
        )
    except (ValueError, OverflowError):
        return None


def _outcome_from_json(data: object, where: str) -> TestOutcome:
    outcome = _well_formed_outcome(data)
    if outcome is not None:
        return outcome
    read = _Reader(data, where)  # field by field, to say exactly what is wrong
    blame = read.text("blame")
    if blame not in BLAMES:
        raise ReportDecodeError(f"{where}.blame is {blame!r}, not one of {list(BLAMES)}")
    try:
        outcome = TestOutcome(
            name=read.text("name"), part=read.text("part"), title=read.text("title"),
            points=read.number("points"), max_points=read.number("max_points"), passed=read.flag("passed"),
            message=read.text("message"), bugs=read.texts("bugs"), tags=read.texts("tags"),
            visibility=read.text("visibility"), bonus=read.flag("bonus"), blame=BLAMES[blame],
            duration=read.number("duration"),
        )
    except ValueError as error:  # a "bug:" tag among the free tags, say
        raise ReportDecodeError(f"{where}: {error}") from None
    read.done()
    return outcome


class _Reader:
    """Reads typed fields off one JSON object, remembering which it read so that extra keys are caught."""

    def __init__(self, data: object, where: str):
        if not isinstance(data, dict):
            raise ReportDecodeError(f"{where} should be a JSON object, not {type(data).__name__}")
        self.data, self.where, self.seen = data, where, set()

    def _get(self, key: str, kinds: tuple[type, ...], wanted: str, optional: bool = False):
        if key not in self.data:
            raise ReportDecodeError(f"{self.where} has no {key!r}")
        self.seen.add(key)
        value = self.data[key]
        if value is None and optional:
            return None
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise ReportDecodeError(f"{self.where}.{key} should be {wanted}, not {value!r:.80}")
        return value

    def text(self, key: str, *, optional: bool = False) -> str | None:
        return self._get(key, (str,), "a string" + (" or null" if optional else ""), optional)

    def integer(self, key: str) -> int:
        return self._get(key, (int,), "an integer")

    def number(self, key: str) -> float:
        value = self._get(key, (int, float), "a number")
        try:
            value = float(value)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise ReportDecodeError(f"{self.where}.{key} should be a finite number, not {self.data[key]!r:.80}")
        return value

    def flag(self, key: str) -> bool:
        return self._get(key, (bool,), "true or false")

    def items(self, key: str) -> list:
        return self._get(key, (list,), "a list")

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.items(key)
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise ReportDecodeError(f"{self.where}.{key}[{index}] should be a string, not {value!r:.80}")
        return tuple(values)

    def done(self, *also_known: str) -> None:
        extra = sorted(set(self.data) - self.seen - set(also_known))
        if extra:
            raise ReportDecodeError(f"{self.where} has unknown keys {extra}")
