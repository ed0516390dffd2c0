"""Probes: a mapping's parameter table, executed.

A mapping's ``probe`` section gives the torch call's arguments by torch parameter name; the MindSpore call is
derived from the ``params`` rows. Modules, one job each:

- ``grammar``  probe values: literals and generator calls, parsed and checked, never evaluated.
- ``plan``     the calls one probe makes (call patterns, one per row, the edge suite), as plain data; and the
               problems validation reports for a probe section.
- ``judge``    the outcome of each call from the two sides' raw results, and whether it contradicts the page.

The calls run in the file executor (``apimap.execute.probing``), like example statements.
"""
