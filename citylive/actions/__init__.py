"""The use cases: one function per action a user can take, owning its guards (scope, lock,
version check, limits) and its transaction.  The command line, the API, the web pages and the
flows call these and do nothing else of substance; see docs/architecture.md."""
