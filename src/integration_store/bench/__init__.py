"""``integration-store bench``: our public API timed against hand-written baselines.

Modules: ``dataset`` (the seeded rows), ``workloads`` (what one operation is), ``harness``
(seeding, checking, timing), ``checks`` (each baseline returns what ours returns), ``targets``
(the target table), ``report`` (table, JSON, chart), ``scaling`` (small vs large tables), and
one module per baseline family: ``raw_sqlite``, ``raw_psycopg``, ``raw_pymysql``, ``raw_mongo``
(with ``sql_rows``, the raw SQL baselines' statements and row codecs), ``sqlalchemy_core`` and
``orm_style``.
"""
