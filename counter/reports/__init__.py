"""Reports (报表): the guidance-rent survey at /reports/rents and the annual report at /reports/annual."""
