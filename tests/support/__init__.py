"""Helpers the tests share: loopback servers, sample sites, receivers, builders.

Plain functions and classes only; pytest fixtures live in tests/conftest.py.
"""
