from tenants.conftest import inspector, operator  # noqa: F401 (the console's signed-in clients)
