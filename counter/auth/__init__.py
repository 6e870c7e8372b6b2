"""Users, roles and login (用户与权限)."""
