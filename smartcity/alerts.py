"""Alerts: one Airflow notifier that tells the operator which DAG, task, source failed and why (secrets
redacted), on every channel that has a connection:

- `smartcity_alert_webhook`: a generic webhook; the message is POSTed as JSON to the connection's URL
  (`http://host:port/path`; a password, if any, is sent as `Authorization: Bearer ...`);
- `smartcity_alert_smtp`: e-mail through Airflow's SMTP provider (`SmtpNotifier`); the recipients are the
  connection's extra `{"to": "a@x,b@y"}`, the SMTP server the connection itself.

No connection, no channel: the failure is still logged as one line (`pipeline failure: ...`). Light
imports only: DAG files import this at parse time."""
from __future__ import annotations

import json
import logging
import urllib.request

from airflow.sdk.bases.notifier import BaseNotifier

log = logging.getLogger("smartcity.alerts")

WEBHOOK_CONN_ID = "smartcity_alert_webhook"
SMTP_CONN_ID = "smartcity_alert_smtp"
SOURCE_OF_DAG = {"extract_bps": "bps", "extract_ckan": "ckan", "extract_regency": "regency",
                 "extract_spreadsheets": "spreadsheet", "transform_publish": "warehouse",
                 "maintenance": "maintenance"}
WEBHOOK_TIMEOUT_S = 10


def _connection(conn_id: str):
    from airflow.sdk import Connection

    try:
        return Connection.get(conn_id)
    except Exception:  # not defined in any backend (AirflowNotFoundException) or no backend reachable
        return None


def failure_message(context: dict, event: str = "failure") -> dict:
    """What an operator needs to act, redacted: DAG, task (with its mapped name), run, source, reason."""
    from extractors.secrets import redact

    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    task_id = getattr(ti, "task_id", None)
    mapped = getattr(ti, "rendered_map_index", None)
    source = SOURCE_OF_DAG.get(dag_id, dag_id)
    if mapped:
        source = f"{source}/{mapped}"
    exception = context.get("exception")
    if exception is None and context.get("reason"):
        exception = context["reason"]
    lines = str(exception or "").strip().splitlines()
    reason = lines[0] if lines else ("the DAG run failed" if task_id is None else "unknown error")
    run_id = getattr(ti, "run_id", None) or getattr(context.get("dag_run"), "run_id", "?")
    message = {"event": event, "dag_id": dag_id, "task_id": task_id, "map_index": mapped, "run_id": run_id,
               "source": source, "reason": reason[:1000]}
    message = {k: (redact(v) if isinstance(v, str) else v) for k, v in message.items()}
    message["text"] = (f"[smartcity] {event}: {message['dag_id']}" + (f".{message['task_id']}" if task_id else "")
                       + (f"[{mapped}]" if mapped else "") + f" source={message['source']} "
                       f"run={message['run_id']}: {message['reason']}")
    return message


def post_webhook(conn, message: dict) -> None:
    scheme = (conn.extra_dejson or {}).get("scheme") or ("https" if conn.conn_type == "https" else "http")
    url = conn.host if "://" in (conn.host or "") else \
        f"{scheme}://{conn.host}" + (f":{conn.port}" if conn.port else "")
    if conn.schema:
        url = url.rstrip("/") + "/" + conn.schema.lstrip("/")
    headers = {"Content-Type": "application/json"}
    if conn.password:
        headers["Authorization"] = f"Bearer {conn.password}"
    request = urllib.request.Request(url, data=json.dumps(message).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:  # noqa: S310 (operator's URL)
        response.read()


def send_email(conn, message: dict, context: dict) -> None:
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    to = (conn.extra_dejson or {}).get("to")
    if not to:
        log.warning("connection %s has no extra `to`: no e-mail sent", SMTP_CONN_ID)
        return
    from html import escape

    SmtpNotifier(to=to, from_email=(conn.extra_dejson or {}).get("from_email") or conn.login,
                 subject=message["text"][:200], html_content=f"<pre>{escape(json.dumps(message, indent=2))}</pre>",
                 smtp_conn_id=SMTP_CONN_ID).notify(context)


class SmartcityNotifier(BaseNotifier):
    """The failure notifier of every DAG and task (and the deadline alerts)."""

    def __init__(self, event: str = "failure", **kwargs):
        super().__init__(**kwargs)
        self.event = event

    def notify(self, context) -> None:
        message = failure_message(context, self.event)
        log.error("pipeline %s: %s", self.event, message["text"])
        for conn_id, send in ((WEBHOOK_CONN_ID, lambda c: post_webhook(c, message)),
                              (SMTP_CONN_ID, lambda c: send_email(c, message, context))):
            conn = _connection(conn_id)
            if conn is None:
                continue
            try:
                send(conn)
            except Exception as exc:  # an alert channel down must not hide the failure itself
                log.error("alert via %s failed: %s", conn_id, exc)

    async def async_notify(self, context) -> None:
        import asyncio

        await asyncio.to_thread(self.notify, context)


def notify_failure(context) -> None:
    """`on_failure_callback` of every task and DAG."""
    SmartcityNotifier()(context)


async def deadline_missed(dag_id: str = "?", deadline: str = "", context=None, **_) -> None:
    """Deadline Alert callback (runs in the triggerer)."""
    notifier = SmartcityNotifier(event="deadline missed")
    ctx = dict(context or {})
    ctx.setdefault("reason", f"{dag_id}: {deadline}")
    await notifier.async_notify(ctx)
