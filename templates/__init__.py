"""Jinja2 templates (messages, report, web pages), installed as the package data
`citylive.templates` and read through importlib.resources."""
