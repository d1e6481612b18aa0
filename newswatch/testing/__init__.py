"""Support for the tests and the benches: synthetic articles, labelled-corpus loading and the
one-article copy-detection harness. The pipeline never imports it."""
