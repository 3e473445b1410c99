"""Turns retrieved records into cited answers, keeps a short dialogue, and applies eligibility rules."""

from bot.core import Answer, Bot, Session, answer, default_bot
from bot.rules import Rule, Verdict, evaluate, load_rules

__all__ = ["Answer", "Bot", "Session", "answer", "default_bot", "Rule", "Verdict", "evaluate", "load_rules"]
