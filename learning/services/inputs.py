"""What every learning writer checks: the refusal it raises, bounded text, positions."""

from typing import Any

from django.db.models import Max


class LearningRefused(ValueError):
    """An input learning cannot accept; the message is for the person who sent it."""


def text_field(value: Any, *, field: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise LearningRefused(f"{field} is required.")
    if len(text) > max_length:
        raise LearningRefused(f"{field} is limited to {max_length:,} characters.")
    if "\x00" in text:
        raise LearningRefused(f"{field} may not contain a NUL character.")
    return text


def next_position(queryset: Any) -> int:
    highest = queryset.aggregate(m=Max("position"))["m"]
    return 0 if highest is None else highest + 1


def swap(rows: list[Any], pk: object, offset: int) -> None:
    index = next(i for i, row in enumerate(rows) if row.pk == pk)
    other = index + offset
    if not 0 <= other < len(rows):
        return
    rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])
