"""Run, and so report, the CELoss graders in rubric order: forward, backward, stability, extensions."""

PART_ORDER = ("forward", "backward", "stability", "extensions")


def _rank(item) -> int:
    marker = item.get_closest_marker("part")
    part = marker.args[0] if marker and marker.args else ""
    return PART_ORDER.index(part) if part in PART_ORDER else len(PART_ORDER)


def pytest_collection_modifyitems(items):
    items.sort(key=_rank)  # stable: within a part, the file's own order
