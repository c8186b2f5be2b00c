"""Use cases: the only code that opens transactions. HTTP, CLI and jobs call these."""
