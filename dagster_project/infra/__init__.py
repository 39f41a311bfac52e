"""What the layers above share and that knows nothing of the data: the warehouse's write
lock, the persistent Dagster instance, the dbt command and the alert webhook."""
