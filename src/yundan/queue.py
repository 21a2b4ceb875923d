"""The background queue's Huey classes: Huey's own, except that each periodic tick is queued once.

Huey's scheduler queues the periodic tasks (tracking refresh, exception sweep, webhook delivery,
JD order sync) in every consumer started with periodic tasks on. A deployment runs one scheduler
(every other ``yundan worker`` gets ``--no-periodic``, docs/deploy.md), but one started by mistake
(a second worker without the flag, or ``yundan serve`` with its embedded worker beside
``yundan worker`` on one data folder) would queue every task twice a minute. So a scheduler first
claims the (minute, task) pair in the queue's own storage, atomically, and skips what another
scheduler has claimed. The work itself stays safe even if run twice (the refresh claims packages
with a lease, the sweeps are idempotent); the claim keeps it from being done twice for nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import huey

CLAIM_KEPT = timedelta(hours=1)  # long past any clock difference between two machines


def _tick(moment: datetime) -> str:
    return f"{moment:%Y%m%d%H%M}"


class _OncePerTick:
    def read_periodic(self, timestamp):
        due = super().read_periodic(timestamp)
        tick = _tick(timestamp or self._get_timestamp())
        return [task for task in due if self.claim_tick(tick, task.name)]

    def claim_tick(self, tick: str, task: str) -> bool:
        """True for the one scheduler that claims ``task`` at the minute ``tick``."""
        raise NotImplementedError


class RedisHuey(_OncePerTick, huey.RedisHuey):
    def claim_tick(self, tick: str, task: str) -> bool:
        key = f"{self.name}.periodic.{tick}.{task}"
        return bool(self.storage.conn.set(key, "1", nx=True, ex=int(CLAIM_KEPT.total_seconds())))


class SqliteHuey(_OncePerTick, huey.SqliteHuey):
    PREFIX = "periodic:"

    def claim_tick(self, tick: str, task: str) -> bool:
        claimed = self.storage.put_if_empty(f"{self.PREFIX}{tick}:{task}", b"1")
        if claimed:  # SQLite keys do not expire: the claims of an hour ago go now
            expired = _tick(datetime.strptime(tick, "%Y%m%d%H%M") - CLAIM_KEPT)
            self.storage.sql("DELETE FROM kv WHERE queue = ? AND key >= ? AND key < ?",
                             (self.name, self.PREFIX, f"{self.PREFIX}{expired}"), commit=True)
        return claimed
