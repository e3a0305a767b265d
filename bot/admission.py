"""Turn admission: acknowledging a platform message must not wait behind turn CPU.

One event loop runs the HTTP callbacks, the DingTalk claims and the turns. Its ready queue is FIFO, so a
callback whose ledger claim just committed waits behind every runnable turn step before its 200 leaves.
With a fast model (0 s, cached answers, offline commands) turns are all CPU and a hundred admitted turns
starved the ingress: time-to-200 p50 ~450 ms, 110 callbacks/s (benchmarks/README.md, "Ingress under
turn load"). A py-spy profile of that run showed the loop's samples ~8:1 turn work to callback work.

So new turns are admitted by the loop's own lag, the delay a callback's continuation sees right now:
a probe sleeps `probe_every` and measures how late it wakes. Above `lag_target` the number of running
turns allowed drops multiplicatively (to half of what runs now, never below `min_turns`); below it,
it grows by one per probe, up to `max_turns`. Turns that wait for a slow model cost the loop nothing,
so with a 1 s model the limit climbs to `max_turns`; with a 0 s model it settles where turn CPU
leaves the callbacks their share. Turns already running are never interrupted; a turn not yet
admitted waits in memory with its ledger row 'received' (the lease machinery keeps it), so nothing
is dropped and a crash loses nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque


class TurnAdmission:
    def __init__(
        self, max_turns: int, *, min_turns: int = 2, lag_target: float = 0.01, probe_every: float = 0.005
    ) -> None:
        self.max_turns = max(1, max_turns)
        self.min_turns = max(1, min(min_turns, self.max_turns))
        self.lag_target = lag_target
        self.probe_every = probe_every
        self.limit = float(self.min_turns)  # grows by one per probe while the loop keeps up (~0.5 s to 100)
        self.running = 0
        self.lag = 0.0
        self._waiters: deque[asyncio.Future] = deque()
        self._probe: asyncio.Task | None = None
        self.stats = {"admitted": 0, "waited": 0, "lag_max": 0.0, "limit_min": float(self.max_turns)}

    @property
    def waiting(self) -> int:
        """Turns queued for admission (their messages are in the ledger already)."""
        return len(self._waiters)

    async def acquire(self) -> None:
        self._ensure_probe()
        if self.running < int(self.limit) and not self._waiters:
            self.running += 1
            self.stats["admitted"] += 1
            return
        future = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        self.stats["waited"] += 1
        try:
            await future  # admitted: `running` was counted for us by _admit
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # admitted and cancelled in the same instant: give the slot on
            else:
                try:
                    self._waiters.remove(future)
                except ValueError:
                    pass
            raise

    def release(self) -> None:
        self.running -= 1
        self._admit()

    async def __aenter__(self) -> "TurnAdmission":
        await self.acquire()
        return self

    async def __aexit__(self, *exc) -> None:
        self.release()

    def _admit(self) -> None:
        while self._waiters and self.running < int(self.limit):
            future = self._waiters.popleft()
            if future.done():
                continue
            self.running += 1
            self.stats["admitted"] += 1
            future.set_result(None)

    def observe_lag(self, lag: float) -> None:
        """One probe's lag: adjust the limit (AIMD) and admit what now fits."""
        self.lag = lag
        self.stats["lag_max"] = max(self.stats["lag_max"], lag)
        if lag > self.lag_target:
            self.limit = max(float(self.min_turns), min(self.limit, self.running) / 2)
            self.stats["limit_min"] = min(self.stats["limit_min"], self.limit)
        elif self.limit < self.max_turns:
            self.limit = min(float(self.max_turns), self.limit + 1)
        self._admit()

    def _ensure_probe(self) -> None:
        if self._probe is None or self._probe.done():
            self._probe = asyncio.create_task(self._run_probe(), name="turn-admission-probe")

    async def _run_probe(self) -> None:
        # runs only while turns are running or waiting; the next turn starts it again
        while self.running or self._waiters:
            started = time.perf_counter()
            await asyncio.sleep(self.probe_every)
            self.observe_lag(max(0.0, time.perf_counter() - started - self.probe_every))

    def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
