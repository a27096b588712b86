"""Notifications (issue 15): channels that reach people where they work (e-mail, DingTalk
work notices, WeCom / 政务微信), the record of every outgoing message, and the sender.

Layout: `rules` (plain domain rules: statuses, backoff, bounds), `channels` (the one interface
and its errors), `smtp`, `dingtalk`, `wecom` (one channel each, over `http` for the two web
APIs), `config` (channels from the environment), `outbox` (queueing a message once per event)
and `sender` (`send_due`). Events → messages (escalation, digests) and the scheduler come later
and only call `outbox.enqueue` and `sender.send_due`.
"""
