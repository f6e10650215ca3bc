"""Organisation-scale scans: many repositories on a local pool or a Dask cluster, resumable."""
