"""Turning the model into output: HTML pages, feeds, search files, newsletter editions."""
