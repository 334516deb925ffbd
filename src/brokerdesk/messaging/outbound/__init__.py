"""Outbound messages: one pipeline for every app that writes to clients (docs/messaging.md).

    services.message_send  policy (opt-out, consent, cap, quiet hours) -> stored -> dispatch on commit
    dispatch.message_dispatch  claim (compare-and-set) -> the channel's sender -> sent | retry | failed
    senders                the registry: "sms" -> sms.gateway.HttpSmsSender, "email" -> email.outbound.SmtpSender
"""
