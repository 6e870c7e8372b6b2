"""The building registry (楼栋/房屋 registry) imported from the district's data, and the coverage report that
checks the filings against it (建有租无, 租有建无). See docs/registry.md."""
