"""The execute stage: run every mapping example as a doctest against the installed torch and MindSpore.

Modules, one job each:

- ``checker``  output checker (doctest semantics + numeric tolerance, tensor reprs); pure Python.
- ``runpart``  runs one example part in a fresh namespace (inside the executor process).
- ``server``   the executor process: imports the frameworks once, then runs parts sent to it.
- ``executor`` the client side: owns one executor process, enforces timeouts, restarts it after a crash.
- ``compare``  compares the variables an example names between its torch and its MindSpore part.
- ``record``   writes site/_build/doctest-results.json from pytest reports.
(The ``apimap doctest`` command is ``apimap.cli.doctest``.)

The pytest plugin (``apimap.pytest_plugin``) ties them together. Why a persistent executor rather than a
fork server: see ``executor``'s docstring (measured: MindSpore's runtime cannot be forked once warmed up,
and forking before warm-up pays seconds of lazy initialisation in every example).
"""
