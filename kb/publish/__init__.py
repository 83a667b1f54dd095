"""Publishing: the open-data distributions.

Dumps in every standard serialization, CSV on the Web, the DCAT-AP catalog, VoID, the
Atom feed of releases, and pushing the graphs to an external store.
"""
