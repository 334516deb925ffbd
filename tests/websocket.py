"""channels' WebsocketCommunicator without daphne.

channels.testing's package __init__ also imports its live-server test case, which needs daphne (not installed:
uvicorn serves this project). When that import fails, the package is registered without its __init__ so its
websocket and application modules (which need only asgiref) import as they are.
"""

import sys
import types
from pathlib import Path

try:
    from channels.testing import WebsocketCommunicator
except ModuleNotFoundError:  # daphne missing
    import channels

    sys.modules.pop("channels.testing", None)
    package = types.ModuleType("channels.testing")
    package.__path__ = [str(Path(channels.__file__).parent / "testing")]
    sys.modules["channels.testing"] = package
    from channels.testing.websocket import WebsocketCommunicator

__all__ = ["WebsocketCommunicator"]
