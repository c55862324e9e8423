"""Reading digest files: finding them, their front matter, and the parse into the model."""
