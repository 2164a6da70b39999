"""Account use cases, one module per entity. Import from the owning module; nothing is re-exported here.

    users          create, lock, unlock, deactivate, reactivate, update; account names (R8)
    credentials    temporary passwords, authenticators, the owner's own password; the takeover guard
    roles          grant and revoke
    units          units and positions
    imports        bulk import of a staff file
    logins         the login history
    notifications  messages for one person in the workspace

Each write checks the actor's permission, owns its transaction, writes an audit entry and is safe
to repeat (locking a locked account changes nothing).
"""
