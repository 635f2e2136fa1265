"""The API console: AutoProctor calls sent through the worker's own client, shown as exchanges.

`calls` (the endpoints and the evidence walk), `exchanges` (what the client sent and received,
secret masked), `signature` (computing and checking a signature by hand), `forms`, `ratelimit`
(requests per user per minute), `session` (what the console remembers between requests),
`views`.
"""
