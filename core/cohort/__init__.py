"""The nightly cohort job: snapshots and pattern findings for every athlete, on one machine or on Spark.

`athlete.materialize_athlete` is the one per-athlete computation (frames in, snapshot rows and findings
out, no database connection); `export` writes the athlete tables as Parquet partitioned by athlete;
`local` (DuckDB + a process pool) and `spark` (PySpark `applyInPandas`) call the same function over that
export and write the same Parquet outputs; `snapshots` is the set-based cohort snapshot the local engine
uses, equal to the per-athlete function's; `load` puts findings back into the database.

May import: core.analytics, core.db, core.errors
"""
