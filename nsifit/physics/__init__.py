"""Observables from couplings: pure, vectorized functions; nothing here reads data."""
