"""What a submission's kernel may use: time per cell and per question, memory, CPU, scratch
space, and as whom it runs. The judge enforces the times (``request``), the launcher the rest
(``kernel``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from autograder.judge.kinds import KINDS

if TYPE_CHECKING:
    from autograder.judge.casebook import JudgedQuestion


class Clocked(Protocol):
    """What a budget charges: a kernel whose ``clock()`` is its own seconds (``kernel.KernelLife``)."""

    def clock(self) -> float: ...

MAX_CELL_OUTPUT = 64 << 10  # characters of output the kernel passes on; the rest is dropped
# Times are charged on the kernel's clock (``KernelLife.clock``), which leaves out the time the
# kernel waited for a CPU. On the wall clock a step, or a submission, may take this many times
# its limit: room for a machine busy with other work, and a bound for a kernel that starves
# itself with processes of its own.
WALL_SLACK = 3


@dataclass
class Limits:
    # One notebook cell. The judge runs no demonstration cell (the ReLU experiment is one); a
    # student's cells define functions and take well under a second.
    cell_timeout: float = 20.0  # (these three: seconds on the kernel's clock)
    call_timeout: float = 30.0  # one question's calls, at most; each case kind sets its own budget
    total_timeout: float = 300.0  # everything, restarts included
    memory_mb: int = 2048  # the kernel's data memory (RLIMIT_DATA)
    cpu_seconds: int = 300  # the kernel's CPU time (RLIMIT_CPU)
    scratch_mb: int = 256  # each private tmpfs of a sandboxed kernel (its folder, /tmp, /dev/shm)
    user: str | None = None  # run the kernel as this user (needs root)
    network: bool = False



def call_budget(question: JudgedQuestion, limits: Limits) -> float:
    """Seconds for all of a question's calls: what its case kinds allow, within the limits."""
    return min(limits.call_timeout, max(KINDS[c.kind].call_seconds for c in question.cases))


class Budget:
    """A submission's total time, ``Limits.total_timeout``: what its kernels' clocks charged,
    restarts included (a kernel's start is charged by the wall clock), and at most WALL_SLACK
    times that on the wall."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.wall_deadline = time.monotonic() + WALL_SLACK * seconds
        self.spent = 0.0  # by kernels already stopped
        self.life: Clocked | None = None
        self.life_start = 0.0

    def begin(self, life: Clocked) -> None:
        self.life, self.life_start = life, life.clock()

    def end(self) -> None:
        if self.life is not None:
            self.spent += self.life.clock() - self.life_start
            self.life = None

    def used(self, now: float | None = None) -> float:
        """Seconds charged so far; ``now``: the running kernel's clock, if just read."""
        if self.life is None:
            return self.spent
        return self.spent + (self.life.clock() if now is None else now) - self.life_start

    def over(self, now: float | None = None) -> bool:
        return self.used(now) > self.seconds or time.monotonic() > self.wall_deadline

    def left(self, now: float | None = None) -> float:
        """At most how long to wait, on the wall clock, before looking again."""
        return max(0.0, min(self.seconds - self.used(now), self.wall_deadline - time.monotonic()))
