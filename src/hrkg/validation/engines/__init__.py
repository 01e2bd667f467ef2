"""The two engines that evaluate the rule shapes: :mod:`.setwise` (fast, default) and :mod:`.pyshacl` (reference)."""
