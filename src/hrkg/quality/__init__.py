"""Quality gates of the knowledge graph itself: the meta shapes and *-violation queries (``gates``), the OWL 2 DL
profile check (``profile``), and the generated documentation (``docs``)."""
