"""Screening: queue, votes, conflicts, agreement, ranking and stopping."""
