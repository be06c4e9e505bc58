"""Demo data: realistic, reproducible Vietnamese schools and records (plain Python)."""
