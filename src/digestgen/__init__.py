"""digestgen: a static-site generator for curated link digests."""

__version__ = "0.1.0"
