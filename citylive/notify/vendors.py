"""DingTalk and WeCom group bots that count a vendor's refusal as a failure.

Both vendors answer HTTP 200 with a JSON body `{"errcode": N, "errmsg": "..."}`; a non-zero
errcode (bad keyword, rate limit 130101/45009, bad token) means the message was NOT delivered.
Apprise's own plugins look only at the HTTP status.  The classes here subclass them, keep
their URL syntax (`dingtalk://token`, `dingtalk://secret@token`, `wecombot://key`) and are
registered over the built-in schemes by `register()`.

They also differ from the built-ins in two ways that matter in production:
- the API root is configurable (`CITYLIVE_NOTIFY_DINGTALK_API`, `CITYLIVE_NOTIFY_WECOM_API`),
  so a proxy or a local stand-in can receive them;
- their debug lines never carry the access token (the built-ins log the full URL).

WeCom bot text is limited to 2,048 BYTES of UTF-8; a Chinese character is 3 bytes, so a text
Apprise accepts by its character count can still be refused.  `split_utf8` cuts by bytes, on
line boundaries where it can, and the bot sends the parts in order.
"""

from __future__ import annotations

import json
from typing import Any

import requests
from apprise.common import NotifyFormat, NotifyType
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.wecombot import NotifyWeComBot

from citylive.notify.messages import md_escape
from citylive.notify.settings import get_notify_settings

WECOM_TEXT_MAX_BYTES = 2048
DINGTALK_TEXT_MAX_BYTES = 20000


def split_utf8(text: str, limit: int) -> list[str]:
    """Split `text` into parts of at most `limit` UTF-8 bytes, never inside a character.

    Cuts after the last newline that fits when there is one, so table rows stay whole.
    """
    if limit < 4:
        raise ValueError("limit must leave room for one UTF-8 character (4 bytes)")
    parts: list[str] = []
    rest = text
    while len(rest.encode("utf-8")) > limit:
        # The longest prefix within the limit: walk back from the byte cut to a char boundary.
        raw = rest.encode("utf-8")[:limit]
        cut = raw.decode("utf-8", errors="ignore")
        newline = cut.rfind("\n")
        if newline > 0:
            cut = cut[: newline + 1]
        parts.append(cut)
        rest = rest[len(cut) :]
    if rest or not parts:
        parts.append(rest)
    return parts


def _vendor_refusal(response: requests.Response) -> str | None:
    """The vendor's reason when a 200 answer still refuses the message, else None."""
    try:
        answer = response.json()
    except ValueError:
        return f"answer is not JSON (HTTP {response.status_code})"
    if not isinstance(answer, dict):
        return "answer is not a JSON object"
    code = answer.get("errcode", 0)
    if code not in (0, "0"):
        return f"errcode={code} errmsg={str(answer.get('errmsg', ''))[:200]}"
    return None


class CityLiveDingTalk(NotifyDingTalk):  # type: ignore[misc]
    """`dingtalk://[secret@]token[/phone...]` with errcode checking and a configurable API root."""

    service_name = "DingTalk (errcode-checked)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_root = get_notify_settings().dingtalk_api.rstrip("/")
        self.last_error: str | None = None

    def send(
        self,
        body: str,
        title: str = "",
        notify_type: NotifyType = NotifyType.INFO,
        body_format: NotifyFormat | None = None,
        **kwargs: Any,
    ) -> bool:
        payload: dict[str, Any] = {
            "msgtype": "text",
            "at": {"atMobiles": self.targets, "isAtAll": False},
        }
        if body_format == NotifyFormat.MARKDOWN:
            heading = " ".join(title.split()).lstrip("#- ")
            payload["msgtype"] = "markdown"
            payload["markdown"] = {
                "title": heading or self.app_desc,
                # the subject carries names: a heading that shows them as written
                "text": f"# {md_escape(heading)}\n{body}" if heading else body,
            }
        else:
            payload["text"] = {"content": f"{title}\r\n{body}" if title else body}

        params: dict[str, str] = {"access_token": self.token}
        if self.secret:
            timestamp, signature = self.get_signature()
            # get_signature() url-quotes the signature for a hand-built query string.
            params.update(timestamp=timestamp, sign=self.unquote(signature))
        self.logger.debug("DingTalk POST %s/robot/send (token hidden)", self.api_root)
        self.throttle()
        try:
            r = requests.post(
                f"{self.api_root}/robot/send",
                params=params,
                data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                headers={"User-Agent": self.app_id, "Content-Type": "application/json"},
                verify=self.verify_certificate,
                timeout=self.request_timeout,
                allow_redirects=self.redirects,
            )
        except requests.RequestException as exc:
            self.last_error = f"DingTalk unreachable: {exc.__class__.__name__}"
            self.logger.warning(self.last_error)
            return False
        if r.status_code != requests.codes.ok:
            self.last_error = f"DingTalk answered HTTP {r.status_code}"
            self.logger.warning(self.last_error)
            return False
        refusal = _vendor_refusal(r)
        if refusal:
            self.last_error = f"DingTalk refused the message: {refusal}"
            self.logger.warning(self.last_error)
            return False
        self.last_error = None
        self.logger.info("Sent DingTalk notification.")
        return True


class CityLiveWeComBot(NotifyWeComBot):  # type: ignore[misc]
    """`wecombot://key` with errcode checking, byte-exact splitting and a configurable API root."""

    service_name = "WeCom Bot (errcode-checked)"
    # Apprise must not cut by characters first; send() cuts by bytes.
    body_maxlen = 1_000_000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_root = get_notify_settings().wecom_api.rstrip("/")
        self.last_error: str | None = None

    def send(
        self, body: str, title: str = "", notify_type: NotifyType = NotifyType.INFO, **kwargs: Any
    ) -> bool:
        text = f"{title}\n{body}" if title else body
        parts = split_utf8(text, WECOM_TEXT_MAX_BYTES)
        self.logger.debug("WeCom bot POST %s/cgi-bin/webhook/send (key hidden)", self.api_root)
        for n, part in enumerate(parts, 1):
            payload = {"msgtype": "text", "text": {"content": part}}
            self.throttle()
            try:
                r = requests.post(
                    f"{self.api_root}/cgi-bin/webhook/send",
                    params={"key": self.key},
                    data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                    headers={
                        "User-Agent": self.app_id,
                        "Content-Type": "application/json; charset=utf-8",
                    },
                    verify=self.verify_certificate,
                    timeout=self.request_timeout,
                    allow_redirects=self.redirects,
                )
            except requests.RequestException as exc:
                self.last_error = (
                    f"WeCom bot unreachable (part {n}/{len(parts)}): {exc.__class__.__name__}"
                )
                self.logger.warning(self.last_error)
                return False
            if r.status_code != requests.codes.ok:
                self.last_error = f"WeCom bot answered HTTP {r.status_code} (part {n}/{len(parts)})"
                self.logger.warning(self.last_error)
                return False
            refusal = _vendor_refusal(r)
            if refusal:
                self.last_error = f"WeCom bot refused part {n}/{len(parts)}: {refusal}"
                self.logger.warning(self.last_error)
                return False
        self.last_error = None
        self.logger.info("Sent WeCom Bot notification (%d part(s)).", len(parts))
        return True


_registered = False


def register() -> None:
    """Put the errcode-checking bots in place of Apprise's `dingtalk://` and `wecombot://`."""
    global _registered
    if _registered:
        return
    from apprise.manager_plugins import NotificationManager

    manager = NotificationManager()
    manager.add(CityLiveDingTalk, schemas=["dingtalk"], force=True)
    manager.add(CityLiveWeComBot, schemas=["wecombot"], force=True)
    _registered = True
