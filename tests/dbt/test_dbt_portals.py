"""Portals in the marts: a migrated portal shows no jump in open-data activity (its packages are dated by
the years their data cover, and a column says so); a blocked portal appears as blocked in completeness."""
from __future__ import annotations


def test_a_migrated_portal_shows_no_jump_in_open_data_activity(duck, landing):
    rows = {year: (published, by_data, basis) for year, published, by_data, basis in duck.execute(
        "select year, n_datasets_published, n_datasets_dated_by_data, date_basis from marts.fct_open_data_activity"
        " where region_code = '16.03' order by year").fetchall()}
    for year, n in landing.truth.checks["open_data_muaraenim_migrated"].items():
        assert rows[year][0] == n, year
    assert rows[2019][1:] == (4, "data_years")       # dated by what the data say, and the mart says so
    assert rows[2022][1:] == (0, "metadata_created")
    assert rows[2017][2] is None                     # nothing published: no basis
    # the migration day (2026) adds nothing beyond the spine's years and no year jumps by the batch
    assert sum(r[0] for r in rows.values()) == 3 + 4
    resolved = duck.execute("select published_year, published_year_basis from intermediate.int_ckan__packages_resolved"
                            " where package_id = 'me-migrated-0'").fetchone()
    assert resolved == (2019, "data_years")


def test_a_blocked_portal_appears_as_blocked_in_completeness(duck):
    # JATIMWEB (province 35) is blocked: every Jawa Timur region's ckan row says so, with the last reach
    jatim = duck.execute("select distinct portal_state, portals_unreachable from marts.fct_data_completeness"
                         " where source = 'ckan' and region_code like '35.%'").fetchall()
    assert jatim == [("blocked", "JATIMWEB blocked (last reached never)")]
    other = duck.execute("select distinct portal_state from marts.fct_data_completeness"
                         " where source = 'ckan' and region_code like '16.%'").fetchall()
    assert other == [("active",)]
    assert duck.execute("select count(*) from marts.fct_data_completeness where source <> 'ckan'"
                        " and portal_state is not null").fetchone() == (0,)
    states = dict(duck.execute("select portal, state from intermediate.int_ckan__portal_states").fetchall())
    assert states["JATIMWEB"] == "blocked" and states["JABAR"] == "not_harvested"
