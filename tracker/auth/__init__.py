"""Users, roles, unit scope, API tokens and login."""
