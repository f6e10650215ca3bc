"""resources: the shipped data tables load as PyYAML's safe loader reads them, whichever loader runs."""
from __future__ import annotations

import yaml

from leakscan.resources import data_table, pack_dir


def test_every_data_table_loads_as_the_safe_loader_reads_it() -> None:
    tables = sorted(pack_dir().glob("_*.yaml"))
    assert tables
    for table in tables:
        assert data_table(table.name) == yaml.safe_load(table.read_text(encoding="utf-8")), table.name
