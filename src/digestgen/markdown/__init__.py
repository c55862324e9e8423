"""The Markdown engine, its HTML rendering and the raw-HTML policy."""
