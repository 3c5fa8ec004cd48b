"""Demo data: a staff team, partners in every status, and a catalogue."""
