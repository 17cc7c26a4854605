"""Services: the only way to change state. Each call is one transaction."""
