"""What only the tests and the benchmarks use (synthetic speech, the demo generator, a dry run's
job list, the sox reference, discovery in one process); not part of the installed f5flow."""
