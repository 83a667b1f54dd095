"""Sources: files to graphs.

Parsing the RDF files of the knowledge base, and turning curators' CSV files into Turtle
records.
"""
