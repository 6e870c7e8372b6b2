"""Audit log (操作日志): who did what, when, in which street, with before/after values."""
