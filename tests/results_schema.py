"""Gradescope's results.json schema, kept in the repository (tests/schema/), and validation against it.

The schema is a transcription of Gradescope's "Autograder Specifications" page (its description
says from where); every test that checks a results.json validates it here, so a fresh clone
needs nothing beside it.
"""
import json
from pathlib import Path

import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "gradescope_results.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate(document):
    """Raise jsonschema.ValidationError unless document is a valid results.json."""
    jsonschema.validate(document, SCHEMA)
