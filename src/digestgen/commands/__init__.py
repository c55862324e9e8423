"""The commands beside build and serve: check, link check, init/new/add/publish, export."""
