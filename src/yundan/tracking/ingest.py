"""Storing carrier events in bulk: idempotent, order-free, and cheap enough for a million.

Whatever the source — a poll, a push carrying the full trace again, a resumed batch — an event is
stored once (its ``content_hash``), events may arrive in any order, and each package's summary
(status, latest event) is advanced from the stored summary without reading its stored events,
except in the rare case ``events.advance`` says a recount is needed.

Plain SQL on purpose: building a million ORM objects costs more than storing the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

from django.db import connection, transaction

from yundan import clock
from yundan.carriers.base import TraceEvent
from yundan.tracking.events import PackageSummary, advance, after_terminal, content_hash, summarize
from yundan.webhooks import outbox
from yundan.webhooks.events import EventType

CHUNK = 1000  # packages per transaction

_UPDATE_SUMMARY = (
    "UPDATE shipping_package SET status = %s, last_event_at = %s, last_event_text = %s, updated_at = %s "
    "WHERE id = %s"
)


@dataclass(frozen=True)
class Ingested:
    new_events: int
    summary: PackageSummary  # after the ingest
    changed: bool  # the summary changed


def _in(ids: Sequence[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def _summaries(cursor, ids: list[int]) -> dict[int, PackageSummary]:
    lock = " ORDER BY id FOR UPDATE" if connection.features.has_select_for_update else ""
    cursor.execute(
        f"SELECT id, status, last_event_at, last_event_text FROM shipping_package WHERE id IN ({_in(ids)}){lock}", ids
    )
    convert = connection.ops.convert_datetimefield_value if connection.vendor == "sqlite" else None
    summaries = {}
    for pk, status, at, text in cursor.fetchall():
        if convert and at is not None:
            at = convert(at, None, connection)
        summaries[pk] = PackageSummary(status, at, text)
    return summaries


def _known_hashes(cursor, ids: list[int]) -> set[tuple[int, str]]:
    cursor.execute(f"SELECT package_id, content_hash FROM tracking_trackingevent WHERE package_id IN ({_in(ids)})", ids)
    return set(cursor.fetchall())


def _recount(package_id: int) -> tuple[PackageSummary, set[int]]:
    """Summary and after-terminal flags from every stored event of one package (rare path)."""
    from yundan.tracking.models import TrackingEvent

    rows = list(TrackingEvent.objects.filter(package_id=package_id).only(
        "id", "time", "status", "raw_code", "raw_text", "location"))
    events = {row.id: TraceEvent(row.time, row.status, row.raw_code, row.raw_text, row.location) for row in rows}
    late = {id(e) for e in after_terminal(events.values())}
    flagged = {pk for pk, event in events.items() if id(event) in late}
    TrackingEvent.objects.filter(package_id=package_id).exclude(pk__in=flagged).update(after_terminal=False)
    TrackingEvent.objects.filter(pk__in=flagged).update(after_terminal=True)
    return summarize(events.values()), flagged


_COLUMNS = ("package_id, time, status, raw_code, raw_text, location, courier_name, courier_phone, source, "
            "content_hash, after_terminal, created_at")
_INSERT = f"INSERT INTO tracking_trackingevent ({_COLUMNS}) VALUES {{}} ON CONFLICT DO NOTHING"
_ROW = "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
INSERT_ROWS = 1000  # rows per INSERT statement (SQLite): far fewer round trips than one per row
_STAGING = (
    "CREATE TEMP TABLE ingest_rows (package_id bigint, time timestamptz, status text, raw_code text, raw_text text, "
    "location text, courier_name text, courier_phone text, source text, content_hash text, after_terminal boolean, "
    "created_at timestamptz) ON COMMIT DROP"
)


def _insert(cursor, rows: list[tuple]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        # COPY into a staging table, then one INSERT … ON CONFLICT: psycopg would otherwise quote
        # every one of the statement's thousands of parameters on the client.
        cursor.execute(_STAGING)
        with cursor.cursor.copy(f"COPY ingest_rows ({_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO tracking_trackingevent ({_COLUMNS}) SELECT {_COLUMNS} FROM ingest_rows "
                       "ON CONFLICT DO NOTHING")
        cursor.execute("DROP TABLE ingest_rows")  # the chunk may run inside a longer transaction
        return
    for start in range(0, len(rows), INSERT_ROWS):
        part = rows[start:start + INSERT_ROWS]
        cursor.execute(_INSERT.format(", ".join([_ROW] * len(part))), [value for row in part for value in row])


def _ingest_chunk(chunk: list[tuple[int, Sequence[TraceEvent]]], source: str) -> dict[int, Ingested]:
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(clock.now())
    ids = list(dict.fromkeys(pk for pk, _ in chunk))
    outcome: dict[int, Ingested] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        summaries = _summaries(cursor, ids)
        # Webhooks: one look per chunk at who wants status changes; nothing more when nobody does.
        listeners = outbox.wanting(EventType.TRACKING_UPDATED)
        status_before = {pk: summary.status for pk, summary in summaries.items()} if listeners else {}
        known = _known_hashes(cursor, ids)
        rows, updates, recounts = [], [], []
        for package_id, events in chunk:
            if package_id not in summaries:
                continue  # deleted meanwhile: nothing to attach the events to
            fresh: dict[str, TraceEvent] = {}
            for event in events:
                digest = content_hash(event)
                if (package_id, digest) not in known:
                    fresh.setdefault(digest, event)
            known.update((package_id, digest) for digest in fresh)
            before = summaries[package_id]
            step = advance(before, fresh.values())
            late = {id(e) for e in step.flagged}
            rows.extend(
                (package_id, adapt(e.time), e.status, e.raw_code[:64], e.raw_text, e.location[:200],
                 e.courier_name[:50], e.courier_phone[:32], source, digest, id(e) in late, now)
                for digest, e in fresh.items()
            )
            summaries[package_id] = step.summary
            if step.needs_recount:
                recounts.append(package_id)
            previous = outcome.get(package_id)
            outcome[package_id] = Ingested(
                (previous.new_events if previous else 0) + len(fresh), step.summary,
                (previous.changed if previous else False) or step.summary != before,
            )
        _insert(cursor, rows)
        for package_id in recounts:
            summary, _ = _recount(package_id)
            summaries[package_id] = summary
            outcome[package_id] = Ingested(outcome[package_id].new_events, summary, True)
        updates = [
            (result.summary.status, adapt(result.summary.last_event_at), result.summary.last_event_text, now, pk)
            for pk, result in outcome.items()
            if result.changed
        ]
        if updates:
            cursor.executemany(_UPDATE_SUMMARY, updates)
        if listeners:
            outbox.tracking_changed(listeners, {pk: (status_before[pk], result.summary) for pk, result in outcome.items()
                                                if result.summary.status != status_before[pk]})
    return outcome


def ingest(traces: Iterable[tuple[int, Sequence[TraceEvent]]], source: str) -> dict[int, Ingested]:
    """Store ``(package id, events)`` pairs; return what happened to each package. Safe to repeat."""
    traces = iter(traces)
    outcome: dict[int, Ingested] = {}
    while chunk := list(islice(traces, CHUNK)):
        for pk, result in _ingest_chunk(chunk, source).items():
            if pk in outcome:  # the same package again in a later chunk
                earlier = outcome[pk]
                result = Ingested(earlier.new_events + result.new_events, result.summary, earlier.changed or result.changed)
            outcome[pk] = result
    return outcome
