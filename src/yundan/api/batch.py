"""Batch logistics query as a job: upload a file → job id → poll → download the result file.

The same job the console runs (``yundan.batch``): a sheet or CSV of order or waybill numbers in, an
xlsx (or CSV) with each one's packages and latest tracking out. A job is read by the key that made it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.http import FileResponse
from django.urls import reverse
from ninja import Path as PathParam
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from yundan.api.errors import ApiError, errors
from yundan.api.models import ApiBatchJob
from yundan.api.schemas import MAX_ID, Flag
from yundan.batch.models import BatchJob
from yundan.batch.tasks import submit_batch_job
from yundan.console.views.tools import MAX_UPLOAD_BYTES
from yundan.orders.details import iso_time

router = Router(tags=["batch 批量查询"])

RESULT_TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".csv": "text/csv"}


class CountOut(Schema):
    name: str = Field(examples=["按运单号找到"])
    count: int


class BatchJobOut(Schema):
    id: int
    state: BatchJob.State = Field(description="queued 排队中 · running 查询中 · done 已完成 · failed 失败")
    input_name: str = Field(description="上传的文件名 / the uploaded file's name")
    processed: int = Field(description="已处理行数 / rows answered so far")
    summary: list[CountOut] = Field(description="统计（完成后）/ counts, once done")
    error: str = Field(description="失败原因 / why it failed")
    created_at: datetime
    finished_at: datetime | None
    result_url: str | None = Field(description="完成后下载结果的地址 / where to download the result once done")


def job_out(job: BatchJob) -> dict:
    done = job.state == BatchJob.State.DONE
    return {
        "id": job.pk, "state": job.state, "input_name": job.input_name, "processed": job.processed,
        "summary": [{"name": name, "count": int(count)} for name, count in job.summary],
        "error": job.error, "created_at": iso_time(job.created_at), "finished_at": iso_time(job.finished_at),
        "result_url": reverse("api-v1:download_batch_result", args=[job.pk]) if done else None,
    }


def own_job(request, job_id: int) -> BatchJob:
    link = ApiBatchJob.objects.filter(job_id=job_id, api_key=request.auth).select_related("job").first()
    if link is None:
        raise ApiError(404, f"批量查询任务 {job_id} 不存在 (unknown job)", code="job_not_found")
    return link.job


@router.post("", response={202: BatchJobOut, **errors(413)}, summary="提交批量查询 / submit a batch query",
             operation_id="submit_batch_job")
def submit(request, file: File[UploadedFile],
           as_csv: Flag = Form(False, description="结果为 CSV（默认 xlsx）/ result as CSV"),
           refresh: Flag = Form(False, description="先向承运商刷新较旧的物流 / refresh stale tracking first")):
    """Upload a sheet or text file of order or waybill numbers (.xlsx .xlsm .xlsb .xls .ods .csv .txt), up to 50 MB.

    Answers 202 with the job; poll ``GET /batch-jobs/{id}`` until ``done`` (or ``failed``, with the reason),
    then download ``result_url``. An unreadable file ends as a failed job naming the problem.
    """
    if file.size > MAX_UPLOAD_BYTES:
        raise ApiError(413, f"文件太大：最大 {MAX_UPLOAD_BYTES // 2**20} MB，请拆分后分别提交 (file too large)",
                       fields=[("file", "too large")])
    with transaction.atomic():
        job = submit_batch_job(None, file, as_csv=as_csv, refresh=refresh)
        ApiBatchJob.objects.create(job=job, api_key=request.auth)
    job.refresh_from_db()
    return Status(202, job_out(job))


@router.get("/{job_id}", response={200: BatchJobOut, **errors(404)}, summary="查询任务状态 / a job's state",
            operation_id="get_batch_job")
def get_job(request, job_id: int = PathParam(..., ge=1, le=MAX_ID)):
    return job_out(own_job(request, job_id))


@router.get("/{job_id}/result", response={200: None, **errors(404, 409)}, url_name="download_batch_result",
            summary="下载结果文件 / download the result file", operation_id="download_batch_result",
            openapi_extra={"responses": {200: {"description": "xlsx 或 CSV / the result file", "content": {
                kind: {"schema": {"type": "string", "format": "binary"}} for kind in RESULT_TYPES.values()}}}})
def download(request, job_id: int = PathParam(..., ge=1, le=MAX_ID)):
    job = own_job(request, job_id)
    result = Path(job.output_path)
    if job.state != BatchJob.State.DONE or not result.is_file():
        raise ApiError(409, f"任务尚未完成（{job.state}）(not done yet)", code="job_not_done")
    return FileResponse(result.open("rb"), as_attachment=True, filename=f"result-{job.pk}{result.suffix}",
                        content_type=RESULT_TYPES.get(result.suffix))
