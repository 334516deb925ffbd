"""`brokerdesk staffing`: agents per interval by Erlang C / Erlang A, as a table or as JSON."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def run(*args: str) -> str:
    out = StringIO()
    call_command("staffing", *args, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> dict:
    return json.loads(run(*args, "--json"))


def test_it_plans_one_interval_by_erlang_c_as_json():
    report = run_json("--calls", "1875", "--interval-seconds", "3600", "--aht", "180", "--service-level", "0.8",
                      "--answer-within", "20")
    assert report["model"] == "erlang_c"
    [row] = report["intervals"]
    assert row["erlangs"] == pytest.approx(93.75)
    assert row["agents"] == 101  # DOMAIN.md's "about 101 agents for 80/20"
    assert row["service_level"] == pytest.approx(0.8409, abs=5e-4)
    assert row["asa_seconds"] == pytest.approx(8.84, abs=5e-3)
    assert row["p_abandon"] is None
    assert report["totals"]["agent_hours"] == pytest.approx(101.0)
    assert report["totals"]["peak_agents"] == 101
    assert report["inputs"]["patience_seconds"] is None


def test_it_plans_a_day_profile_interval_by_interval():
    profile = "0,120,340,510,720,360"
    report = run_json("--calls", profile, "--interval-seconds", "1800", "--aht", "240", "--start", "08:00")
    rows = report["intervals"]
    assert [row["calls"] for row in rows] == [0, 120, 340, 510, 720, 360]
    assert [row["start"] for row in rows] == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30"]
    assert rows[-1]["end"] == "11:00"
    assert rows[0]["agents"] == 0 and rows[0]["service_level"] == 1.0
    assert rows[5]["agents"] == 54  # 360 calls / 30 min at 240 s: the classic example, 80/20
    agents = [row["agents"] for row in rows]
    assert agents[1] < agents[2] < agents[3] < agents[4]
    assert all(row["service_level"] >= 0.8 for row in rows)
    totals = report["totals"]
    assert totals["intervals"] == 6
    assert totals["calls"] == 2050
    assert totals["agent_hours"] == pytest.approx(sum(agents) / 2)
    assert totals["erlang_hours"] == pytest.approx(2050 * 240 / 3600)
    assert totals["peak_agents"] == max(agents)
    assert totals["service_level"] == pytest.approx(
        sum(row["calls"] * row["service_level"] for row in rows) / 2050)


def test_it_switches_to_erlang_a_when_patience_is_given():
    common = ("--calls", "100", "--interval-seconds", "1800", "--aht", "180", "--answer-within", "20")
    erlang_a = run_json(*common, "--patience", "300", "--max-abandon", "0.05")
    erlang_c = run_json(*common)
    assert erlang_a["model"] == "erlang_a"
    [row] = erlang_a["intervals"]
    assert row["agents"] == 13  # pyworkforce's published Erlang-A example
    assert round(row["p_abandon"], 3) == 0.025
    assert round(row["service_level"], 3) == 0.858
    assert erlang_c["intervals"][0]["agents"] == 14
    assert erlang_a["totals"]["p_abandon"] == pytest.approx(row["p_abandon"])
    assert erlang_a["inputs"]["max_abandon"] == 0.05


def test_it_prints_a_readable_table_with_totals():
    output = run("--calls", "120,340", "--interval-seconds", "1800", "--aht", "240", "--start", "09:00",
                 "--patience", "90")
    assert "Erlang A" in output
    assert "09:00-09:30" in output and "09:30-10:00" in output
    for column in ("calls", "Erlangs", "agents", "SL", "ASA", "abandoned"):
        assert column in output
    assert "agent-hours" in output


def test_it_keeps_asa_under_the_cap():
    report = run_json("--calls", "360", "--interval-seconds", "1800", "--aht", "240", "--max-asa", "5")
    [row] = report["intervals"]
    assert row["asa_seconds"] <= 5
    assert row["agents"] > 54


@pytest.mark.parametrize(("args", "message"), [
    (("--calls", "-5"), "--calls cannot be negative"),
    (("--calls", "10,-1"), r"--calls \(interval 2\) cannot be negative"),
    (("--calls", "10,,20"), "one per interval separated by commas"),
    (("--calls", "lots"), "--calls 'lots' is not a number"),
    (("--interval-seconds", "0"), "--interval-seconds must be greater than 0"),
    (("--interval-seconds", "-1800"), "--interval-seconds must be greater than 0"),
    (("--aht", "0"), "--aht must be greater than 0"),
    (("--service-level", "1.2"), "--service-level must be a fraction between 0 and 1"),
    (("--service-level", "80"), "--service-level must be a fraction between 0 and 1"),
    (("--service-level", "0"), "--service-level must be a fraction between 0 and 1"),
    (("--answer-within", "-3"), "--answer-within cannot be negative"),
    (("--patience", "0"), "--patience must be greater than 0"),
    (("--max-abandon", "0.05"), "--max-abandon needs --patience"),
    (("--max-asa", "nan"), "--max-asa 'nan' is not a finite number"),
    (("--start", "25:00"), "--start '25:00' is not a time of day"),
])
def test_it_rejects_bad_input_naming_the_option(args, message):
    options = {"--calls": "100", "--interval-seconds": "1800", "--aht": "180"}
    extra = []
    for name, value in zip(args[::2], args[1::2], strict=True):
        if name in options:
            options[name] = value
        else:
            extra += [name, value]
    argv = [item for pair in options.items() for item in pair] + extra
    with pytest.raises(CommandError, match=message):
        run(*argv)


def test_it_requires_the_traffic_options():
    with pytest.raises(CommandError, match="--calls"):
        run("--interval-seconds", "1800", "--aht", "180")
