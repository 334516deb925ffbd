import pytest


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A new in-memory channel layer per test: each test runs its sockets on its own event loop."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def contacts():
    """What web chat tells the layers above (messaging.signals.contact_logged), as received."""
    from brokerdesk.messaging.signals import contact_logged

    received = []

    def receiver(sender, **kwargs):
        if sender == "web_chat":
            received.append(kwargs)

    contact_logged.connect(receiver, dispatch_uid="web_chat.tests.contacts")
    yield received
    contact_logged.disconnect(dispatch_uid="web_chat.tests.contacts")


@pytest.fixture(autouse=True)
def _no_rate_limit_left_over():
    """The widget's start limit counts in the cache (a file cache in the embedded mode): start from zero."""
    from django.core.cache import cache

    cache.clear()
