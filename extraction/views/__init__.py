"""Thin views: reach the review through review.permissions, call one service, render or redirect."""
