"""Land -> validate -> load: the data contract, reading landed files, row checks, the raw store."""
