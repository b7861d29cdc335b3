"""Stages 1 and 2, load and merge: the config repository, YAML with the file:line:col of every
node, layers merged with the origin of every value, and the typed environment model.

Layer: config. May import the ground modules and ``facts``; never check, render, sync, verify
or commands.
"""
