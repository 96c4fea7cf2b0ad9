"""The contract suite: every test runs unchanged against every backend.

Run it against the default embedded backends (``memory://``, ``sqlite://``, a temp-file SQLite,
``mongomock://`` — those installed) plus every URL in ``INTEGRATION_STORE_TEST_URLS``
(comma-separated)::

    pytest --pyargs integration_store.contract

or against your own backend only::

    pytest --pyargs integration_store.contract --store-url yourscheme://host/db

A test that needs an optional capability is marked ``@pytest.mark.requires("name")`` and is
skipped only where the backend's ``capabilities`` lacks that name.
"""
