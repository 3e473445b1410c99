"""Turns retrieved records into cited answers, keeps a short dialogue, and applies eligibility rules."""
