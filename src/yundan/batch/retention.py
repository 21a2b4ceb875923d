"""How long batch query jobs are kept: a job that ended long ago goes, with its upload and result."""

import logging
import shutil
from datetime import timedelta
from pathlib import Path

from yundan import clock
from yundan.batch.models import BatchJob, jobs_folder

log = logging.getLogger(__name__)


def delete_ended_jobs(older_than: timedelta) -> int:
    """Delete the jobs that ended (done or failed) more than ``older_than`` ago and their folders;
    → how many. The row goes first: a folder left behind by a failed removal is only disk, while a
    row whose files were gone would offer a download that no longer exists. Only folders inside
    the jobs folder are ever removed."""
    ended = BatchJob.objects.filter(state__in=[BatchJob.State.DONE, BatchJob.State.FAILED],
                                    finished_at__lt=clock.now() - older_than)
    root = jobs_folder().resolve()
    deleted = 0
    for job_id, input_path in list(ended.values_list("pk", "input_path")):  # read whole before deleting
        if not BatchJob.objects.filter(pk=job_id).delete()[0]:
            continue  # another run took it
        deleted += 1
        folder = Path(input_path).parent.resolve() if input_path else None
        if folder and folder.parent == root and folder.exists():
            try:
                shutil.rmtree(folder)
            except OSError as error:
                log.warning("batch job %s: its folder was not removed: %s", job_id, error)
    return deleted
