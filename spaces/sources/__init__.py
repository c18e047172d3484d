"""The built-in space sources, one module each; `spaces.available_spaces` discovers them."""
