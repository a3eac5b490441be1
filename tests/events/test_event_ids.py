"""Event ids: RFC 9562 version 7 UUIDs, unique, and growing with the time they were made."""

from __future__ import annotations

import time
import uuid

from events.chain import new_event_ids


def test_ids_are_version_7_uuids_stamped_with_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    ids = new_event_ids(500)
    after = time.time_ns() // 1_000_000
    assert len(set(ids)) == 500
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert before <= parsed.int >> 80 <= after


def test_ids_made_later_sort_after_earlier_ones() -> None:
    first = new_event_ids(3)
    time.sleep(0.002)
    second = new_event_ids(3)
    # Text order is time order (fixed-width lower-case hex), which keeps the index compact.
    assert max(first) < min(second)


def test_the_random_part_varies_in_every_position() -> None:
    ids = new_event_ids(2000)
    random_parts = [text.replace("-", "")[13:] for text in ids]
    for column in range(len(random_parts[0])):
        digits = {part[column] for part in random_parts}
        # The variant digit carries two random bits, every other digit four.
        assert len(digits) == (4 if column == 3 else 16), column
