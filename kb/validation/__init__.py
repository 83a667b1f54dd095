"""Validation: SHACL.

The fast engine (shapes compiled to SPARQL on Oxigraph), pySHACL as the reference, and
the report.
"""
