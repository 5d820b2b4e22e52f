"""mid/jobs.py: Job runs an engine function on a worker thread and says when it is done."""
from __future__ import annotations

import threading

from mid import engine


def test_on_done_is_called_on_the_worker_thread_once_the_job_is_done():
    called = []
    done = threading.Event()

    def finished(job):
        called.append((threading.current_thread().name, job.done, job.result, job.error))
        done.set()

    def work(x, *, cancel):
        return x + 1

    job = engine.Job(work, 41, on_done=finished).start()
    assert done.wait(5)
    assert job.join(1) and job.result == 42
    assert called == [("job-work", True, 42, None)]


def test_on_done_also_follows_a_failure_and_its_own_error_is_contained():
    seen = []

    def boom():
        raise ValueError("no such sheet")

    def finished(job):
        seen.append(job.error)
        raise RuntimeError("a broken listener")

    job = engine.Job(boom, on_done=finished).start()
    assert job.join(5)
    job._thread.join(5)                  # on_done runs right after `done` is set
    assert isinstance(job.error, ValueError) and seen == [job.error]
    assert job.done and job.result is None


def test_a_job_without_on_done_still_joins_and_cancels():
    def work(*, cancel):
        cancel.wait(5)
        return "stopped"

    job = engine.Job(work).start()
    assert not job.join(0.1)
    job.cancel()
    assert job.join(3) and job.result == "stopped" and job.cancelled
