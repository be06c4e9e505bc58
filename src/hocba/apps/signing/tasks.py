"""Background tasks of the signing app (run by ``hocba worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_signing_batch(batch_id: int) -> dict[str, int | str]:
    """Sign the pending records of one batch; idempotent, so a requeued run just resumes."""
    from hocba.apps.signing.services import run_batch
    from hocba.signing import speedups

    speedups.install()  # tasks run in ``hocba worker``'s process (django_tasks_db), never the web's
    batch = run_batch(batch_id)
    return {"status": batch.status, "done": batch.done_count, "failed": batch.failed_count}
