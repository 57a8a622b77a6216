"""Asking for jobs from the browser and running them as a worker would."""

from __future__ import annotations

from auditapp import queue


def request_job(client, url: str = "/audits/print", **filters) -> int:
    """Post the form that asks for a job; the id of the job it redirects to."""
    response = client.post(url, data={k: str(v) for k, v in filters.items()})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    location = response.headers["Location"]
    assert "/jobs/" in location, location
    return int(location.rsplit("/", 1)[1])


def made_file(client, url: str = "/audits/print", **filters):
    """Ask for a job, let the queue's tasks run, and download what it made."""
    job_id = request_job(client, url, **filters)
    queue.run_pending()
    response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    response.get_data()  # read whole, so that the file can be closed
    response.close()
    return response
