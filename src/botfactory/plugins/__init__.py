"""Plugins: discover, load and unload plugin folders; DivvyCloud compatibility names (DESIGN §2 layer 6)."""
