"""BPS derived variables and periods chosen by rule (issue 18, points 2 and 3): the total derived
variable by its real label ('Perkotaan+Perdesaan', ids 432/433/434), the official annual period
(poverty 61 Maret, unemployment 190 Agustus), and what no rule covers reported, not averaged."""
from __future__ import annotations

import pytest


def _value(duck, region, code, year):
    row = duck.execute("select value, period_basis from intermediate.int_bps__indicator_values"
                       " where region_code = ? and indicator_code = ? and year = ?", [region, code, year]).fetchone()
    return row


@pytest.mark.parametrize("check, basis", [("rule_SE03", "period_61"), ("rule_SE04", "period_190"),
                                          ("rule_SE05", "annual")])
def test_total_turvar_and_official_period_by_rule(duck, landing, check, basis):
    region, code, year, total = landing.truth.checks[check]
    value, got_basis = _value(duck, region, code, year)
    # the smallest turvar id (432 Perkotaan) or a mean of the semesters / rounds is off by >= 0.35
    assert value == pytest.approx(total, abs=1e-6)
    assert got_basis == basis


def test_sub_periods_without_rule_and_breakdowns_without_total_are_reported(duck, landing):
    expected = landing.truth.checks["unaligned"]
    got = {(r, c, y): reason for r, c, y, reason in duck.execute(
        "select region_code, indicator_code, year, reason from intermediate.int_bps__unaligned").fetchall()}
    assert {k: got.get(k) for k in expected} == expected
    for region, code, year in expected:
        assert _value(duck, region, code, year) is None
