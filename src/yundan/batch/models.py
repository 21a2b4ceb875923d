from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def jobs_folder() -> Path:
    """Where uploaded query files and their results are kept, one folder per job."""
    return settings.YUNDAN_HOME / "jobs"


class BatchJob(models.Model):
    """One batch logistics query (批量查询物流) run in the background for a console user."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("查询中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="batch_jobs", verbose_name="提交人")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    input_name = models.CharField("上传的文件名", max_length=255)  # shown only, never a path
    input_path = models.CharField("保存的上传文件", max_length=500)
    output_path = models.CharField("结果文件", max_length=500)
    as_csv = models.BooleanField("输出 CSV", default=False)
    refresh = models.BooleanField("先刷新物流", default=False)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    processed = models.PositiveIntegerField("已处理行数", default=0)
    summary = models.JSONField("统计", default=list, blank=True)  # BatchResult.summary_rows() without the header
    error = models.TextField("错误", blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # A running job's worker writes its heartbeat every half minute (yundan.batch.tasks.Heartbeat):
    # a job whose heartbeat stopped lost its worker and is queued again, up to a number of starts.
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    starts = models.PositiveSmallIntegerField("开始次数", default=0)

    class Meta:
        verbose_name = "批量查询任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="batchjob_user_recent")]

    def __str__(self):
        return f"批量查询 #{self.pk} {self.input_name}"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
