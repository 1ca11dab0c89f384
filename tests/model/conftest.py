"""Fixtures of the model tests."""

import pytest

from .helpers import tiny_doc


@pytest.fixture
def tiny_scenario():
    from agents import validate_scenario

    return validate_scenario(tiny_doc())
