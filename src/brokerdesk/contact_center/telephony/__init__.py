"""The telephony contract: the signed HTTP API a PBX calls (api.py, auth.py, signing.py, events.py, schemas.py)
and pbx-sim, a simulated PBX (simulator.py). The manual is docs/telephony.md."""
