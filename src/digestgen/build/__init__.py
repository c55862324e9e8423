"""Building the site: the pipeline, its cache and the writing of the output folder."""

from digestgen.build.pipeline import (
    CACHE_DIR,
    STORE_FILE,
    BuildResult,
    build,
    render_site,
    seed_output,
)

__all__ = ["CACHE_DIR", "STORE_FILE", "BuildResult", "build", "render_site", "seed_output"]
