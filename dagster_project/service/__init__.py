"""Running it for real: the daemon, the Dagster webserver and the app, supervised."""
