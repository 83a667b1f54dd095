"""Command line: `alliance-kb` and its commands.

Parses arguments and hands each command to the core.
"""
