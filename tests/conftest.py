"""Shared test configuration: ``pytester`` tests the YAML-case pytest plugin."""

pytest_plugins = ["pytester"]
