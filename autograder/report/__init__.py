"""Readable reports made from results.json documents."""
