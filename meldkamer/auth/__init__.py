"""Who is logged in: users with a role, argon2id passwords, lockout, CLI login tokens.

``passwords`` hashes and checks passwords (argon2-cffi), ``users`` is the core's
``UserService`` (``core.users``: user management, login, tokens, demo accounts) and
``tokens`` reads and writes the CLI's 0600 token file.
"""
