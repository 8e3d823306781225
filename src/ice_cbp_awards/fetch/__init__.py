"""Fetching new raw snapshots from USAspending and FPDS: polite, resumable, checked.

Modules: `http` (session with User-Agent, rate limit, timeouts, retries), `checkpoint`
(resumable paged queries), `manifest` (the per-family file list with sha256 and the
completeness check), `usaspending`, `usaspending_bulk` and `fpds` (the three clients), and
`cli` (the `awards fetch` commands). Importing any of them sends no request.
"""
