"""Pure functions of the model: tags, domains, the link index, "also featured in", stats."""
