"""Pure ingest: bytes in, article drafts out. No Flask, no database."""
