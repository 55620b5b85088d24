"""The pipe on which a kernel reports its steps and answers to the judge."""

import json
import os
from types import SimpleNamespace

from autograder.judge.kernel import KernelLife
from autograder.judge.runner import Limits


def test_nothing_is_lost_when_the_judge_reads_before_the_kernel_opens_the_pipe(tmp_path):
    """The kernel opens its end only once it runs the judge's code; a loaded machine can make
    that take seconds, and the judge reads meanwhile. (A reader alone on a FIFO reads its end:
    once, every later answer was lost and the whole notebook scored zero.)"""
    life = KernelLife(tmp_path, tmp_path, Limits(), SimpleNamespace(socket_root=None))
    try:
        assert life._read_progress() == []  # before the kernel: nothing, and not the end
        kernel_end = os.open(life.progress_path, os.O_WRONLY | os.O_NONBLOCK)  # ENXIO: nobody reads
        lines = [{"event": "cell", "number": 2}, {"event": "answers", "question": "q", "outcomes": ["x" * 30000]}]
        os.write(kernel_end, b"".join(json.dumps(line).encode() + b"\n" for line in lines))
        os.close(kernel_end)  # the kernel ended: what it wrote is still read, whole
        assert [json.loads(line) for line in life._read_progress()] == lines
        assert life._read_progress() == []
    finally:
        life.stop()
