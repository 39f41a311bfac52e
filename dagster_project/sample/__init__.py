"""The sample landing data: the seed report's scenario, and scaled data for benchmarks."""
