"""Grading many submissions at once: the batch run, its worker pool, a Dask cluster, progress output."""
