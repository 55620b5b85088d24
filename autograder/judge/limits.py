"""What a submission's kernel may use: time per cell and per question, memory, CPU, scratch
space, and as whom it runs. The judge enforces the times (``request``), the launcher the rest
(``kernel``)."""

from dataclasses import dataclass

from autograder.judge.kinds import KINDS

MAX_CELL_OUTPUT = 64 << 10  # characters of output the kernel passes on; the rest is dropped


@dataclass
class Limits:
    # One notebook cell. The judge runs no demonstration cell (the ReLU experiment is one); a
    # student's cells define functions and take well under a second.
    cell_timeout: float = 20.0
    call_timeout: float = 30.0  # one question's calls, at most; each case kind sets its own budget
    total_timeout: float = 300.0  # everything, restarts included
    memory_mb: int = 2048  # the kernel's data memory (RLIMIT_DATA)
    cpu_seconds: int = 300  # the kernel's CPU time (RLIMIT_CPU)
    scratch_mb: int = 256  # each private tmpfs of a sandboxed kernel (its folder, /tmp, /dev/shm)
    user: str = None  # run the kernel as this user (needs root)
    network: bool = False



def call_budget(question, limits):
    """Seconds for all of a question's calls: what its case kinds allow, within the limits."""
    return min(limits.call_timeout, max(KINDS[c.kind].call_seconds for c in question.cases))
