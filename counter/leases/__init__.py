"""Lease registration and filing (房屋租赁合同登记备案)."""
