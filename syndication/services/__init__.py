"""Operations that touch the database, shared by views, API and CLI.

Each public function is one operation in one transaction: it commits on
success, and on a domain error nothing it did is kept.
"""
