"""The HTTP side: thin adapters from requests to the world, and the servers that carry them."""
