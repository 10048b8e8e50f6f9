"""The harness's check API, imported by every assignment's checks: framework (@check, the Tester,
comparisons), common (value and gradient helpers), diagnosis (the diagnosis machinery)."""
