"""Store: graphs to answers.

The embedded Oxigraph store (or an external SPARQL endpoint), the query worker
processes, and the SPARQL text and result formats.
"""
