"""Parses the bureaus' official registers (text or Word) into cited, structured records."""

from corpus.errors import RegisterFormatError, ParseWarning
from corpus.records import Contact, Department, Part, Record, WorkItem, load_records
from corpus.sources import Source, load_sources

__all__ = [
    "Contact", "Department", "Part", "Record", "WorkItem", "load_records",
    "Source", "load_sources", "RegisterFormatError", "ParseWarning",
]
