"""Following an article after it leaves: counting views of republished copies, where the
copies are, and whether they keep the terms. Pure: no Flask, no database session."""
