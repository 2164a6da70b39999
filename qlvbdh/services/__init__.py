"""QLVBĐH writes, one module per entity; callers import from the module that owns the use case.

Each service checks the actor's permission, owns its transaction, writes an audit entry, and is
safe to retry where a retry can happen."""
