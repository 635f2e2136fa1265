"""Is this process able to do its job: the /healthz endpoint and the container probe."""
