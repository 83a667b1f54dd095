"""Curation: the way back from people to the files.

Accounts, sessions and tokens (`accounts`), the write path (`record_changes`), the history
of changes (`history`), incremental validation lives in `kb.validation`.
"""
