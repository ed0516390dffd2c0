"""The execute stage: run every mapping example as a doctest against the installed torch and MindSpore.

Modules, one job each:

- ``checker``  output checker (doctest semantics + numeric tolerance, tensor reprs); pure Python.
- ``verdict``  the parent's side of a part: parse it, send its statements, judge each raw reply (doctest rules).
- ``runpart``  the file executor's side: run statements in a fresh namespace, report what they printed and raised.
- ``server``   the executor process: imports the frameworks once, forks one file executor per mapping file.
- ``protocol`` line framing for the three processes, read in linear time and capped.
- ``executor`` the client side: owns one server, opens a file executor per file, enforces timeouts.
- ``sandbox``  bubblewrap and cgroup limits around the server.
- ``redact``   secret values and floods kept out of messages.
- ``compare``  compares the variables an example names between its torch and its MindSpore part.
- ``record``   writes site/_build/doctest-results.json from pytest reports.
(The ``apimap doctest`` command is ``apimap.cli.doctest``.)

The pytest plugin (``apimap.pytest_plugin``) ties them together. Why a fork server that forks per file, and not
per example or per import: see ``executor``'s docstring.
"""
