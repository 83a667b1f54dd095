"""The Roma Inclusion Alliance knowledge base.

Data flows one way: files (ontology, vocabularies, data) → graphs (`kb.sources`)
→ store (`kb.store`) → answers (`kb.web`) and dumps (`kb.publish`); `kb.validation`
checks the graphs against the shapes, `kb.curation` writes changes back to the files.
`docs/architecture.md` says which part may import which.
"""
