"""E-mail over SMTP with the standard library (smtplib, email): a connection per run of the
sender, STARTTLS when the server offers it on smtp://, TLS from the start on smtps://."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from workflow.notify.channels import Notice, SendFailed
from workflow.notify.rules import Channel

TIMEOUT_S = 15.0  # each connect, command and answer


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: bool  # smtps:// (TLS from the first byte); smtp:// upgrades with STARTTLS if offered
    user: str | None
    password: str | None
    sender: str  # the From address


class SmtpChannel:
    channel = Channel.EMAIL

    def __init__(
        self, settings: SmtpSettings, *, context: ssl.SSLContext | None = None, timeout: float = TIMEOUT_S
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self.context = context or ssl.create_default_context()
        self._smtp: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        s = self.settings
        smtp: smtplib.SMTP
        if s.tls:
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout, context=self.context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
        try:
            if not s.tls:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self.context)
                    smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password or "")
        except BaseException:
            smtp.close()  # a half-set-up connection (refused STARTTLS or login) is not kept
            raise
        self._smtp = smtp
        return smtp

    def message(self, notice: Notice) -> EmailMessage:
        """The mail as sent: UTF-8 text; the Chinese subject RFC 2047-encoded by `email`."""
        mail = EmailMessage()
        mail["From"] = self.settings.sender
        mail["To"] = notice.address
        mail["Subject"] = notice.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain=parseaddr(self.settings.sender)[1].rpartition("@")[2] or None)
        mail.set_content(notice.body)
        return mail

    def send(self, notice: Notice) -> None:
        try:
            self._connection().send_message(self.message(notice))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            self._drop()
            raise SendFailed(
                f"邮件服务器拒收地址 {notice.address}({codes[0] if codes else ''})",
                permanent=all(500 <= c < 600 for c in codes),
            ) from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            reason = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            # 5xx is final for this message, except a refused login: a setting to fix, not the
            # message's fault, so it is tried again.
            permanent = 500 <= exc.smtp_code < 600 and exc.smtp_code not in (530, 535)
            raise SendFailed(f"邮件服务器拒绝:{exc.smtp_code} {reason}", permanent=permanent) from None
        except (TimeoutError, smtplib.SMTPServerDisconnected) as exc:
            self._drop()
            # smtplib reports a server that stops answering as a disconnection.
            if not isinstance(exc, TimeoutError) and not isinstance(exc.__context__, TimeoutError):
                raise SendFailed(f"邮件服务器 {self.settings.host}:{self.settings.port} 断开了连接") from None
            raise SendFailed(f"连接邮件服务器 {self.settings.host}:{self.settings.port} 超时") from None
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise SendFailed(f"无法通过邮件服务器 {self.settings.host}:{self.settings.port} 发送:{exc}") from None

    def _drop(self) -> None:
        # After an error the connection's state is unknown: the next send opens a new one.
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(OSError):
                smtp.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
