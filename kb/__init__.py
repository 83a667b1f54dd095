"""The Roma Inclusion Alliance knowledge base.

Data flows one way: files (ontology, vocabularies, data) → graphs (`kb.load`)
→ store (`kb.store`) → answers (`kb.sparql`, `kb.http`) and dumps (`kb.export`).
"""
