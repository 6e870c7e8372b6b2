"""District administration: users and their roles (用户管理)."""
