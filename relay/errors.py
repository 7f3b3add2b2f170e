"""Named refusals. Handlers and the store raise them; ``relay.app`` turns each into a page in one place."""

from __future__ import annotations


class Refusal(Exception):
    """A request the relay will not carry out, with the page that says so."""

    status_code = 400
    heading = "请求有误"
    message = "页面无法处理这次提交，请返回重试。"

    def __init__(self, message: str | None = None, *, heading: str | None = None, more: tuple[str, ...] = ()) -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message
        if heading:
            self.heading = heading
        self.more = more

    @property
    def paragraphs(self) -> list[str]:
        """What the page says: the message, then anything more (such as where to call in an emergency)."""
        return [self.message, *self.more]


class NotFound(Refusal):
    """No such page, item or receipt, or one this account may not know about."""

    status_code = 404
    heading = "找不到该页面"
    message = "您要找的页面或受理编号不存在。请核对后重试。"


class Forbidden(Refusal):
    """The account may not do this (a role that lacks the action, no session, a bad CSRF token)."""

    status_code = 403
    heading = "无法完成操作"
    message = "您的账号不能执行这个操作。"


class Conflict(Refusal):
    """The item changed since the form was shown: another person acted first, or the state no longer allows it."""

    status_code = 409
    heading = "这件事已被其他人处理"
    message = "在您提交之前，这件事的状态已经改变。您的操作没有执行。"

    def __init__(self, item_id: int, message: str | None = None) -> None:
        super().__init__(message)
        self.item_id = item_id


class TooManyRequests(Refusal):
    """A rate limit: the page says when to try again, ``Retry-After`` says it to machines."""

    status_code = 429
    heading = "操作过于频繁"
    message = "请稍后再试。"

    def __init__(
        self, retry_after: int, message: str | None = None, *, heading: str | None = None, more: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, heading=heading, more=more)
        self.retry_after = max(int(retry_after), 1)
