"""Filled by a later issue; the app's place in SHARED_APPS / TENANT_APPS is already decided."""
