"""Pure partner policy: eligibility recommendations and the partner lifecycle."""
