"""The contract: openapi.yaml, its stages, and the choices it leaves open."""
