"""The offline demo: a bundled sample news site (`site/`) and its watch file (`watch.toml`)."""
