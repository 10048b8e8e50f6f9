"""The adversarial suite: hostile, broken and odd submissions (cases.py) and how they are made
(build.py). tests/test_hostile.py grades them all and checks what the threat model (docs/threat-model.md) says."""
