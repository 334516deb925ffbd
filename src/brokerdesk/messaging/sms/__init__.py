"""SMS: the generic signed-HTTP gateway protocol (docs/messaging.md "SMS gateway protocol").

signing.py        HMAC-SHA256 over "<timestamp>.<body>", both directions, with a replay window
gateway.py        our adapter (HttpSmsSender): POST /v1/messages with our message key as idempotency key
local_gateway.py  a faithful local gateway for tests and the demo (`brokerdesk sms-gateway`)
"""
