"""What is learnt of a brand from its history, to judge its windows against: its usual
volume by hour (usual.py), tone (baseline.py), burstiness and wave (learnt.py), how unlikely
a count is under the usual (surprise.py), and its own account's voice (own.py)."""
