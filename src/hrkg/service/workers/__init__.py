"""Queries and validations of the service run in worker processes that can be killed (``pool`` on the service side,
``worker`` in the process, ``jobs`` what travels between them, ``_frames`` the wire format)."""
