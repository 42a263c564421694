"""Which channels are switched on: known without a call, so a notification is not queued
for a channel that would only answer "not configured"."""

from __future__ import annotations

from ..config import Settings
from .mail import SmtpChannel
from .sms import SmsGateway

#: Why a delivery over a switched-off channel was not sent (kept on the delivery).
NOT_CONFIGURED = {"email": "e-mail is not configured", "sms": "SMS is not configured"}


def channels_off(settings: Settings) -> dict[str, str]:
    """Each channel not configured, with the reason kept on its deliveries."""
    on = {
        "email": SmtpChannel.from_settings(settings) is not None,
        "sms": SmsGateway.from_settings(settings) is not None,
    }
    return {channel: NOT_CONFIGURED[channel] for channel, ok in on.items() if not ok}
