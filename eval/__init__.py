"""Scores retrieval and answers on the dev set, and benchmarks speed and memory."""
