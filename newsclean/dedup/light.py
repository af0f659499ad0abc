"""What the dedup pass needs of a cleaned document besides its text (`Light`): a module of its own, so that
the workers of every run can hand it over without importing the dedup machinery (numpy, the indexes)."""
from __future__ import annotations

from typing import Any, NamedTuple

from ..document import is_missing_number
from ..io.records import record_id


class Light(NamedTuple):
    """What the dedup pass needs of one document besides its text: its id, its missing_number annotations
    (the keep policy counts them, the repair fills them) and its text's length (the keep policy's next key)."""

    id: str
    annotations: list[dict[str, Any]]
    length: int

    @classmethod
    def of(cls, id: str, annotations: Any, text: Any) -> Light:
        """The light view of a document with this id, annotations (any of them) and text (any value)."""
        return cls(id, [a for a in annotations or () if is_missing_number(a)],
                   len(text) if isinstance(text, str) else 0)

    @classmethod
    def of_record(cls, record: dict[str, Any], id_field: str = "id", text_field: str = "text") -> Light:
        """The light view of a cleaned record, as it is written out (its id field, else "id")."""
        return cls.of(record_id(record.get(id_field, record.get("id"))), record.get("annotations"),
                      record.get(text_field))
