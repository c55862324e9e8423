"""Building the site: the pipeline, its cache and the writing of the output folder."""

from digestgen.build.cache import CACHE_DIR
from digestgen.build.pipeline import BuildResult, build

__all__ = ["CACHE_DIR", "BuildResult", "build"]
