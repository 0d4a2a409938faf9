"""One module per system under test. Functions named in ``bench.child`` calls run in their own process."""
