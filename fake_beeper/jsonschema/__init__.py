"""One walker over JSON Schema, for everything in fake-beeper that reads a schema.

A schema as ``openapi.yaml`` writes it is spread out: a ``$ref`` to a component, ``allOf`` parts
that each name some properties, ``anyOf``/``oneOf`` branches of which a value takes one. Every
reader needs the same view of it: which properties an object has, what its map values, array
items and branches are. ``Schemas(components).node(schema)`` is that view, a ``Node``, with
``$ref`` followed, ``allOf`` merged at every depth and ``anyOf``/``oneOf`` as branches, worked out
once per schema. The visitors built on it:

* ``contract.stages``: a record as an older stage serves it (``Stage.project``), and the stage's
  document (``rewritten`` over every schema of it);
* ``record.anonymise``: a recording's strings by what the contract says they are;
* ``strategies``: the response schemas closed to the keys they name, their arrays capped;
* ``tests/schema_coverage.py``: what of a schema a set of instances exercises.
"""

from fake_beeper.jsonschema.nodes import Node, Schemas, takes_type
from fake_beeper.jsonschema.rewrite import openapi_rewritten, openapi_schemas, rewritten

__all__ = ["Node", "Schemas", "openapi_rewritten", "openapi_schemas", "rewritten", "takes_type"]
