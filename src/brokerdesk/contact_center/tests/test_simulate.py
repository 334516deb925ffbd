"""The discrete-event simulator (contact_center.simulate) and `brokerdesk simulate-day`.

The simulations are seeded, so each assertion is about one fixed outcome; tolerances are for the comparison with
the Erlang C formulas, which the simulation only approximates."""

import json
from datetime import time

import pytest
from django.core.management import CommandError, call_command

from brokerdesk.contact_center import simulate as sim
from brokerdesk.contact_center.erlang import erlang_c_metrics
from brokerdesk.contact_center.routing.engine import CenterRule, Hours, RouterConfig

ALL_DAY = Hours(working=(time(0), time(23, 59, 59)), saturday=None)


def _config(*rules, max_wait=180.0) -> RouterConfig:
    return RouterConfig(centers=tuple(rules), ivr=dict(sim.SEED_IVR), default_skill="general", vip_skill="vip",
                        complaint_skill="complaints", max_wait=max_wait)


def _one_skill(counts, groups, config, **options):
    options = {"vip_share": 0.0, "unknown_share": 0.0, "ivr_mix": {"2": 1.0}, **options}
    homes = options.pop("homes", {c.id: 1.0 for c in config.centers if not c.is_hq} or {1: 1.0})
    return sim.build_scenario(config, counts, homes, groups=groups, **options)


def _conserved(report: dict) -> None:
    overall = report["overall"]
    assert overall["offered"] + sum(report["no_agent"].values()) + report["still_waiting_at_end"] == \
        report["inputs"]["calls"]
    assert overall["offered"] == overall["answered"] + overall["abandoned"] + overall["callback"]
    assert sum(r["offered"] for r in report["centers"]) == overall["offered"]
    by_origin = sum(r["origin"]["offered"] for r in report["centers"]) + report["unknown_callers"]["offered"]
    assert by_origin == overall["offered"]
    assert sum(r["overflowed_in"] for r in report["centers"]) == overall["overflowed"]


def test_it_agrees_with_erlang_c_for_one_center_without_abandonment():
    """100 calls per 30 min, AHT 180 s, 14 agents: Erlang C gives SL(20 s) 0.888, ASA 7.8 s, occupancy 0.714
    (test_erlang's CRAN example). A day of that traffic with very patient callers should come close."""
    config = _config(CenterRule(1, "HQ", True, hours=ALL_DAY), max_wait=1e9)
    counts = [100] * 48
    groups = {1: [sim.AgentGroup(("general",), [14] * 48)]}
    report = sim.simulate(_one_skill(counts, groups, config, homes={1: 1.0}, wrap_up=0.0, patience=1e9, seed=7))
    expected = erlang_c_metrics(14, 10.0, 180, 20)
    overall = report["overall"]
    assert overall["abandoned"] == 0 and overall["answered"] == 4800
    assert overall["service_level"] == pytest.approx(expected.service_level, abs=0.05)
    assert overall["asa_seconds"] == pytest.approx(expected.asa, abs=4.0)
    assert overall["occupancy"] == pytest.approx(expected.occupancy, abs=0.04)
    _conserved(report)


def test_it_overflows_a_swamped_sub_center_to_hq_and_a_longer_wait_overflows_less():
    def run(overflow_after):
        config = _config(CenterRule(1, "HQ", True, hours=ALL_DAY, overflow_after=overflow_after),
                         CenterRule(2, "SC-GD", False, hours=ALL_DAY, overflow_after=overflow_after))
        groups = {1: [sim.AgentGroup(("general",), [10] * 24)], 2: [sim.AgentGroup(("general",), [3] * 24)]}
        return sim.simulate(_one_skill([120] * 24, groups, config, homes={2: 1.0}, patience=90.0, seed=3))

    quick, slow = run(10.0), run(300.0)
    for report in (quick, slow):
        _conserved(report)
    hq_quick, gd_quick = quick["centers"]
    assert gd_quick["overflowed_out"] > 0 and hq_quick["overflowed_in"] == gd_quick["overflowed_out"]
    assert gd_quick["origin"]["moved"] == gd_quick["overflowed_out"]
    assert hq_quick["answered"] > 0 and hq_quick["origin"]["offered"] == 0  # HQ serves no branch here
    assert slow["overall"]["overflowed"] < quick["overall"]["overflowed"]
    assert slow["overall"]["abandon_rate"] > quick["overall"]["abandon_rate"]
    assert slow["overall"]["service_level"] < quick["overall"]["service_level"]


def test_it_sends_calls_outside_the_hours_to_self_service():
    config = _config(CenterRule(1, "HQ", True))  # Mon-Fri 9:00-21:00
    counts = [0] * 48
    counts[46] = 50  # 23:00
    groups = {1: [sim.AgentGroup(("general",), [5] * 48)]}
    report = sim.simulate(_one_skill(counts, groups, config, homes={1: 1.0}))
    assert report["no_agent"] == {"out_of_hours": 50} and report["overall"]["offered"] == 0


def test_it_counts_callers_as_abandoned_or_called_back_when_nobody_answers():
    config = _config(CenterRule(1, "HQ", True, hours=ALL_DAY), CenterRule(2, "SC-GD", False, hours=ALL_DAY))
    groups = {1: [sim.AgentGroup(("english",), [2] * 4)]}  # nobody with the general skill
    report = sim.simulate(_one_skill([30] * 4, groups, config, homes={2: 1.0}, interval_seconds=3600.0,
                                     patience=100.0))
    overall = report["overall"]
    assert overall["answered"] == 0 and overall["offered"] == 120
    assert overall["abandoned"] + overall["callback"] == 120 and overall["callback"] > 0
    assert overall["service_level"] == 0.0 and report["still_waiting_at_end"] == 0


def test_it_answers_vips_and_complaints_before_other_callers():
    config = _config(CenterRule(1, "HQ", True, hours=ALL_DAY, overflow_after=1e9), max_wait=1e9)
    groups = {1: [sim.AgentGroup(("general", "vip", "complaints"), [11] * 24)]}  # 10 Erlangs offered
    scenario = _one_skill([200] * 24, groups, config, homes={1: 1.0}, patience=1e9, vip_share=0.1,
                          ivr_mix={"2": 0.9, "6": 0.1}, seed=5)
    report = sim.simulate(scenario)
    _conserved(report)
    vip, complaint, plain = (report["by_priority"][p] for p in ("8", "6", "4"))
    assert vip["answered"] > 0 and complaint["answered"] > 0
    assert vip["asa_seconds"] < plain["asa_seconds"] and complaint["asa_seconds"] < plain["asa_seconds"]
    assert vip["service_level"] > plain["service_level"]


def test_it_repeats_a_seeded_day_exactly():
    first = sim.simulate(sim.synthetic_scenario(calls=3000, sub_centers=3, seed=11))
    again = sim.simulate(sim.synthetic_scenario(calls=3000, sub_centers=3, seed=11))
    for report in (first, again):
        report.pop("seconds")
    assert first == again
    _conserved(first)


def test_it_routes_most_calls_locally_in_a_sized_synthetic_network():
    report = sim.simulate(sim.synthetic_scenario(calls=20_000, sub_centers=27, seed=2))
    _conserved(report)
    assert len(report["centers"]) == 28
    reasons = report["first_route_reasons"]
    assert reasons["local"] > 0.7 * sum(reasons.values())
    assert report["overall"]["service_level"] > 0.8
    assert report["inputs"]["staffing"].startswith("Erlang C")


def test_it_scales_a_profile_to_whole_calls():
    assert sum(sim.scale_profile([1, 2, 1], 10)) == 10 and sim.scale_profile([1, 2, 1], 10)[1] == 5
    assert sum(sim.scale_profile(sim.DEFAULT_PROFILE, 300_000)) == 300_000
    with pytest.raises(ValueError):
        sim.scale_profile([0, 0], 10)


# ------------------------------------------------------------------------------------------ with the database


@pytest.mark.django_db
def test_it_loads_the_configured_centers_agents_and_clients(floor):
    scenario = sim.scenario_from_database(calls=None, seed=4)
    assert {c.code for c in scenario.config.centers} >= {"HQ", "SC-GD"}
    assert scenario.home_weights == {floor["center"].pk: 1.0}
    rosters = {cid: [(g.skills, max(g.roster)) for g in groups] for cid, groups in scenario.groups.items()}
    assert rosters == {floor["center"].pk: [(("general",), 1)], floor["hq"].pk: [(("general",), 1)]}
    assert sum(scenario.profile) == 200  # 100 calls per configured agent
    report = sim.simulate(scenario)
    _conserved(report)
    assert report["overall"]["answered"] > 0


@pytest.mark.django_db
def test_it_reports_a_simulated_day_per_center_as_json(floor):
    out = call_command_output("simulate_day", "--calls", "300", "--overflow-after", "10", "--overflow-after", "90",
                              "--json", "--seed", "3")
    runs = json.loads(out)["runs"]
    assert [r["inputs"]["overflow_after_seconds"] for r in runs] == [[10.0], [90.0]]
    assert {row["code"] for row in runs[0]["centers"]} == {"HQ", "SC-GD"}
    assert runs[0]["inputs"]["calls"] == 300


@pytest.mark.django_db
def test_it_prints_a_synthetic_day_and_the_comparison():
    out = call_command_output("simulate_day", "--synthetic", "--sub-centers", "3", "--calls", "2000",
                              "--overflow-after", "10", "--overflow-after", "60")
    assert "SC-03" in out and "Overflow thresholds compared" in out and "SL = answered within 20 s" in out


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), [
    (["--synthetic", "--calls", "0"], "--calls must be at least 1"),
    (["--synthetic", "--profile", "10,,20"], "calls per interval separated by commas"),
    (["--synthetic", "--profile", "10,abc"], "'abc' is not a number"),
    (["--synthetic", "--aht", "10", "--wrap-up", "20"], "must be shorter than --aht"),
    (["--synthetic", "--vip-share", "2"], "--vip-share must be a fraction"),
    (["--synthetic", "--profile", "1,2", "--interval-seconds", "86400"], "more than a day"),
    (["--synthetic", "--profile", "1,2", "--interval-seconds", "1800", "--start", "09:10"],
     "not a whole number of 1800-second intervals"),
    (["--synthetic", "--start", "9"], "not a time of day"),
])
def test_it_rejects_bad_options_clearly(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        call_command("simulate_day", *args)


@pytest.mark.django_db
def test_it_reads_a_profile_from_a_csv_file(tmp_path):
    path = tmp_path / "profile.csv"
    path.write_text("interval,calls\n09:00,100\n09:30,200\n", encoding="utf-8")
    out = call_command_output("simulate_day", "--synthetic", "--sub-centers", "2", "--profile", str(path),
                              "--interval-seconds", "1800", "--start", "09:00", "--json")
    report = json.loads(out)["runs"][0]
    assert report["inputs"]["calls"] == 300 and report["inputs"]["intervals"] == 20  # 00:00-09:30
    assert "out_of_hours" not in report["no_agent"] and report["overall"]["offered"] > 250


@pytest.mark.django_db
def test_it_needs_agents_to_simulate_the_configured_network(org):
    with pytest.raises(CommandError, match="No agents to simulate"):
        call_command("simulate_day", "--calls", "100")


def call_command_output(*args) -> str:
    from io import StringIO

    buffer = StringIO()
    call_command(*args, stdout=buffer)
    return buffer.getvalue()
