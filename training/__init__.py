"""Unblur training side: reference network, synthetic data, training, evaluation, export."""
